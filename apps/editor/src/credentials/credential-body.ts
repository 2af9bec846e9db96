// The bodies the credential form sends: a new credential, or only what the user changed of a stored one (data
// fields left out keep their stored values, so untouched secrets are never sent back).
import type { Credential, CredentialCreate, CredentialUpdate } from '../api/types';

/** What the credential form holds while it is being filled in. */
export interface CredentialDraft {
  name: string;
  /** Allowed hosts as typed: separated by commas, spaces or new lines. */
  hostsText: string;
  /** Data fields as the data form holds them; an emptied field is `undefined` or `''`. */
  data: Record<string, unknown>;
}

/** `"api.example.com, *.example.com"` → `["api.example.com", "*.example.com"]`. */
export function splitHosts(text: string): string[] {
  return text.split(/[\s,]+/).filter((host) => host !== '');
}

/** The allowed hosts of a stored credential, as the form shows them. */
export function hostsText(hosts: readonly string[]): string {
  return hosts.join(', ');
}

/** The data fields the user filled in: empty fields are left out. */
export function filledData(data: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(data)) {
    if (value === undefined || value === null || value === '') continue;
    out[field] = value;
  }
  return out;
}

/** The POST body of a new credential of `type`. */
export function createBody(type: string, draft: CredentialDraft): CredentialCreate {
  return {
    name: draft.name.trim(),
    type,
    data: filledData(draft.data),
    allowedHosts: splitHosts(draft.hostsText),
  };
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((value, index) => value === b[index]);
}

/**
 * The PUT body of a change to `stored`: the name and allowed hosts when they differ, and only the data fields
 * the user filled in — every other field keeps its stored value.
 */
export function updateBody(stored: Credential, draft: CredentialDraft): CredentialUpdate {
  const body: CredentialUpdate = {};
  const name = draft.name.trim();
  if (name !== stored.name) body.name = name;
  const hosts = splitHosts(draft.hostsText);
  if (!sameList(hosts, stored.allowedHosts)) body.allowedHosts = hosts;
  const data = filledData(draft.data);
  if (Object.keys(data).length > 0) body.data = data;
  return body;
}
