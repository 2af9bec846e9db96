// A past event as a person recognises it in a list: what happened and to whom, not its source id and uuid.
import type { EventRecord } from '../api/types';
import { relativeTime } from '../ui/time';

const PREVIEW = 60;

function field(value: unknown, key: string): unknown {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined;
}

/** The first characters of a value as JSON, for a one-line preview. */
function preview(value: unknown): string {
  if (value === undefined) return '';
  const text = JSON.stringify(value) ?? '';
  return text.length > PREVIEW ? `${text.slice(0, PREVIEW - 1)}…` : text;
}

/**
 * "2 min ago · Checkout Started · ada@example.com" for a tracking event, "5 s ago · POST orders/created ·
 * {"email":"a@b.c"}" for a webhook, "1 h ago · manual" otherwise.
 */
export function eventLabel(event: Omit<EventRecord, 'runs'>, now = Date.now()): string {
  const when = relativeTime(event.receivedAt, now);
  const person = event.userId ?? event.anonymousId;
  if (event.name !== null || person !== null) {
    return [when, event.name ?? event.type, person ?? 'no person'].join(' · ');
  }
  if (event.source.startsWith('webhook:')) {
    const method = field(event.payload, 'method');
    const call = `${typeof method === 'string' ? method : 'POST'} ${event.source.slice('webhook:'.length)}`;
    const body = preview(field(event.payload, 'body'));
    return body ? [when, call, body].join(' · ') : [when, call].join(' · ');
  }
  return [when, event.type === event.source ? event.type : `${event.type} (${event.source})`].join(' · ');
}
