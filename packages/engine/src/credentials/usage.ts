// Where credentials are used: every `credential` field in the node configs of flow drafts and live versions.
import type { Queryable } from '@tributary/db';
import { type FlowUser, usersOf } from '../core/index.js';

/** A flow that refers to a credential, in its draft or its published version. */
export type CredentialUser = FlowUser;

type JsonObject = Record<string, unknown>;

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The credential ids a value refers to: strings under a `credential` key at any depth. */
function collectReferences(value: unknown, into: Set<string>): void {
  if (Array.isArray(value)) {
    for (const v of value) collectReferences(v, into);
    return;
  }
  if (!isObject(value)) return;
  for (const [key, v] of Object.entries(value)) {
    if (key === 'credential' && typeof v === 'string') into.add(v);
    else collectReferences(v, into);
  }
}

/** The credential ids a flow definition's node configs refer to. */
export function credentialReferences(definition: unknown): Set<string> {
  const ids = new Set<string>();
  if (isObject(definition) && Array.isArray(definition.nodes)) {
    for (const node of definition.nodes) if (isObject(node)) collectReferences(node.config, ids);
  }
  return ids;
}

/** Flows (not deleted) using each credential, by credential id. */
export function credentialUsers(db: Queryable): Promise<Map<string, CredentialUser[]>> {
  return usersOf(db, credentialReferences);
}
