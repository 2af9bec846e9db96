// Where a tracking call's write key comes from: HTTP Basic auth (key as username) or the body's writeKey.

const BASIC = /^Basic\s+([A-Za-z0-9+/]+={0,2})\s*$/i;

/** The presented write key, if any; `malformed` when an Authorization: Basic header cannot be read. */
export type PresentedKey = { kind: 'none' } | { kind: 'malformed' } | { kind: 'key'; key: string };

/**
 * Reads `Authorization: Basic base64(writeKey:)`. The username is the key; a password, if any, is ignored
 * (Segment documents it as empty). Other schemes (Segment's OAuth `Bearer`) leave the key to the body.
 */
export function writeKeyFromHeader(header: string | undefined): PresentedKey {
  if (!header || !/^Basic\b/i.test(header.trim())) return { kind: 'none' };
  const match = BASIC.exec(header.trim());
  if (!match?.[1]) return { kind: 'malformed' };
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  const key = colon === -1 ? decoded : decoded.slice(0, colon);
  return key.length > 0 ? { kind: 'key', key } : { kind: 'malformed' };
}

/** The `writeKey` field of a parsed body, when it is a non-empty string. */
export function writeKeyFromBody(body: Record<string, unknown>): PresentedKey {
  const value = body.writeKey;
  return typeof value === 'string' && value.length > 0 ? { kind: 'key', key: value } : { kind: 'none' };
}
