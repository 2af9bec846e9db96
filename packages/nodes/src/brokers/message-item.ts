// What a consumed broker message becomes: the trigger item `{ body, headers, <address>, properties }` and
// the message id that makes its event idempotent. The body is read by what the message says it holds.

/** How a body was read: JSON when the message says so, UTF-8 text, else the bytes in base64. */
export type BodyEncoding = 'json' | 'text' | 'base64';

/** A body read for the trigger item. */
export interface DecodedBody {
  body: unknown;
  encoding: BodyEncoding;
}

/** A JSON content type: application/json or any `+json` type (application/cloudevents+json), parameters aside. */
export function isJsonContentType(contentType: string | undefined): boolean {
  if (contentType === undefined) return false;
  const essence = contentType.split(';')[0]?.trim().toLowerCase() ?? '';
  return essence === 'application/json' || /^[a-z0-9.+-]+\/[a-z0-9.+-]*\+json$/.test(essence);
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });

/** The bytes as UTF-8 text, or undefined when they are not valid UTF-8 or hold NUL (Postgres stores no \u0000). */
function asText(bytes: Uint8Array): string | undefined {
  let text: string;
  try {
    text = UTF8.decode(bytes);
  } catch {
    // not UTF-8: the caller keeps the bytes as base64
    return undefined;
  }
  return text.includes('\u0000') ? undefined : text;
}

/**
 * Reads a message body: parsed JSON when the content type says JSON and it parses, the text when it is
 * UTF-8 (a body that claims JSON but does not parse stays text, so nothing is dropped), else base64.
 */
export function decodeBody(bytes: Uint8Array, contentType: string | undefined): DecodedBody {
  const text = asText(bytes);
  if (text === undefined) return { body: Buffer.from(bytes).toString('base64'), encoding: 'base64' };
  if (isJsonContentType(contentType)) {
    try {
      const parsed: unknown = JSON.parse(text);
      // a parsed string may hold an escaped NUL that the raw text did not show
      if (!JSON.stringify(parsed).includes('\\u0000')) return { body: parsed, encoding: 'json' };
    } catch {
      // says JSON, is not: kept as the text it is
    }
  }
  return { body: text, encoding: 'text' };
}

/** A header value as JSON can hold it: bytes become text (or base64), other values stay as they are. */
export function headerValue(value: unknown): unknown {
  if (value instanceof Uint8Array) {
    return asText(value) ?? Buffer.from(value).toString('base64');
  }
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map(headerValue);
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, headerValue(v)]));
  }
  return value;
}

/** Message ids longer than this are not used as idempotency keys (the events table caps keys). */
export const MAX_MESSAGE_ID_LENGTH = 255;

/** A message id usable as an idempotency key, or undefined. */
export function messageIdOf(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const id = value.trim();
  return id !== '' && id.length <= MAX_MESSAGE_ID_LENGTH && !id.includes('\u0000') ? id : undefined;
}
