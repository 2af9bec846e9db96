// Checks an incoming webhook request against its trigger's auth settings: pure, constant-time comparisons.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { WebhookTriggerConfig } from './webhook.js';

/** Request headers as ingress hands them over: names lower-cased. */
export type WebhookHeaders = Readonly<Record<string, string | undefined>>;

/** The verdict on one request; `reason` is for logs, not for the caller. */
export type WebhookAuthResult = { ok: true } | { ok: false; reason: string };

type WebhookAuth = WebhookTriggerConfig['auth'];
type AuthOf<T extends WebhookAuth['type']> = Extract<WebhookAuth, { type: T }>;

const OK: WebhookAuthResult = { ok: true };

/** Checks a request's headers and raw body bytes against the trigger's auth settings. */
export function verifyWebhookAuth(
  auth: WebhookAuth,
  headers: WebhookHeaders,
  rawBody: Uint8Array,
): WebhookAuthResult {
  switch (auth.type) {
    case 'none':
      return OK;
    case 'header':
      return verifyHeader(auth, headers);
    case 'basic':
      return verifyBasic(auth, headers);
    case 'hmac':
      return verifyHmac(auth, headers, rawBody);
  }
}

function verifyHeader(auth: AuthOf<'header'>, headers: WebhookHeaders): WebhookAuthResult {
  const name = auth.name.toLowerCase();
  const received = headerOf(headers, name);
  if (received === undefined) return fail(`missing header "${name}"`);
  return safeEqual(received, auth.value) ? OK : fail(`header "${name}" does not match`);
}

function verifyBasic(auth: AuthOf<'basic'>, headers: WebhookHeaders): WebhookAuthResult {
  const received = headerOf(headers, 'authorization');
  if (received === undefined) return fail('missing header "authorization"');
  // the scheme name is case-insensitive (RFC 9110 §11.1)
  const match = /^basic +([A-Za-z0-9+/]+={0,2})$/i.exec(received);
  if (!match?.[1]) return fail('authorization is not Basic credentials');
  // compare bytes, not decoded text, so malformed UTF-8 cannot be folded into a match
  const credentials = Buffer.from(match[1], 'base64');
  return safeEqual(credentials, `${auth.username}:${auth.password}`)
    ? OK
    : fail('wrong user name or password');
}

function verifyHmac(auth: AuthOf<'hmac'>, headers: WebhookHeaders, rawBody: Uint8Array): WebhookAuthResult {
  const name = auth.header.toLowerCase();
  const received = headerOf(headers, name);
  if (received === undefined) return fail(`missing header "${name}"`);
  if (!safeEqual(received.slice(0, auth.prefix.length), auth.prefix)) {
    return fail(`signature in "${name}" does not start with "${auth.prefix}"`);
  }
  const signature = decodeSignature(received.slice(auth.prefix.length), auth.encoding);
  if (signature === undefined) return fail(`signature in "${name}" is not ${auth.encoding}`);
  const expected = createHmac(auth.algorithm, auth.secret).update(rawBody).digest();
  return safeEqual(signature, expected) ? OK : fail(`signature in "${name}" does not match`);
}

/** Own entries only: a header named like an Object.prototype member ("constructor") must not find it. */
function headerOf(headers: WebhookHeaders, name: string): string | undefined {
  return Object.hasOwn(headers, name) ? headers[name] : undefined;
}

/** Decodes a signature, accepting either hex case and base64 with or without padding or URL-safe letters. */
function decodeSignature(text: string, encoding: 'hex' | 'base64'): Buffer | undefined {
  // Buffer.from skips characters it does not know, so the syntax is checked first
  if (encoding === 'hex') return /^(?:[0-9a-fA-F]{2})+$/.test(text) ? Buffer.from(text, 'hex') : undefined;
  return /^[A-Za-z0-9+/_-]+={0,2}$/.test(text) ? Buffer.from(text, 'base64') : undefined;
}

/**
 * Compares in constant time whatever the lengths: timingSafeEqual needs equal lengths, so both sides
 * are hashed to 32 bytes first, which also keeps the secret's length from leaking.
 */
function safeEqual(a: string | Uint8Array, b: string | Uint8Array): boolean {
  return timingSafeEqual(sha256(a), sha256(b));
}

function sha256(data: string | Uint8Array): Buffer {
  return createHash('sha256').update(data).digest();
}

function fail(reason: string): WebhookAuthResult {
  return { ok: false, reason };
}
