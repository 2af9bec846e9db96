// What every webhook auth check shares: header lookup, strict signature decoding and constant-time comparison.
import { createHash, timingSafeEqual } from 'node:crypto';

/** Request headers as ingress hands them over: names lower-cased. */
export type WebhookHeaders = Readonly<Record<string, string | undefined>>;

/** The verdict on one request; `reason` is for logs, never holds a secret, and is not shown to the caller. */
export type WebhookAuthResult = { ok: true } | { ok: false; reason: string };

export const OK: WebhookAuthResult = { ok: true };

export function fail(reason: string): WebhookAuthResult {
  return { ok: false, reason };
}

/** Own entries only: a header named like an Object.prototype member ("constructor") must not find it. */
export function headerOf(headers: WebhookHeaders, name: string): string | undefined {
  return Object.hasOwn(headers, name) ? headers[name] : undefined;
}

/** A non-empty string field of credential data, or undefined. */
export function stringField(data: Readonly<Record<string, unknown>> | undefined, name: string) {
  const value = data?.[name];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** Decodes a signature, accepting either hex case and base64 with or without padding or URL-safe letters. */
export function decodeSignature(text: string, encoding: 'hex' | 'base64'): Buffer | undefined {
  // Buffer.from skips characters it does not know, so the syntax is checked first
  if (encoding === 'hex') return /^(?:[0-9a-fA-F]{2})+$/.test(text) ? Buffer.from(text, 'hex') : undefined;
  return /^[A-Za-z0-9+/_-]+={0,2}$/.test(text) ? Buffer.from(text, 'base64') : undefined;
}

/**
 * Compares in constant time whatever the lengths: timingSafeEqual needs equal lengths, so both sides
 * are hashed to 32 bytes first, which also keeps the secret's length from leaking.
 */
export function safeEqual(a: string | Uint8Array, b: string | Uint8Array): boolean {
  return timingSafeEqual(sha256(a), sha256(b));
}

/**
 * Whether any candidate equals `expected`: every candidate is compared (no early exit), so the time taken
 * says only how many were sent.
 */
export function anySafeEqual(candidates: readonly Uint8Array[], expected: Uint8Array): boolean {
  let found = false;
  for (const candidate of candidates) found = safeEqual(candidate, expected) || found;
  return found;
}

/**
 * A signed timestamp (Unix seconds, digits only) within `toleranceS` of now either way; a reason otherwise.
 * Future ones are refused too: a clock far ahead would let a captured request be replayed for longer.
 */
export function checkTimestamp(
  text: string,
  nowMs: number,
  toleranceS: number,
): { ok: true; seconds: number } | { ok: false; reason: string } {
  if (!/^\d{1,12}$/.test(text)) return { ok: false, reason: 'the timestamp is not Unix seconds' };
  const seconds = Number(text);
  const skew = Math.floor(nowMs / 1000) - seconds;
  if (skew > toleranceS) return { ok: false, reason: `the timestamp is ${skew} s old` };
  if (-skew > toleranceS) return { ok: false, reason: `the timestamp is ${-skew} s in the future` };
  return { ok: true, seconds };
}

function sha256(data: string | Uint8Array): Buffer {
  return createHash('sha256').update(data).digest();
}
