// Checks an incoming webhook request against its trigger's auth and the data of the credential it names: pure,
// constant-time comparisons. The signature schemes of Standard Webhooks, Stripe and GitHub are in
// signature-schemes.ts.
import { createHmac } from 'node:crypto';
import { verifyGithub, verifyStandardWebhooks, verifyStripe } from './signature-schemes.js';
import type { WebhookTriggerConfig } from './webhook.js';
import type { WebhookAuthResult, WebhookHeaders } from './webhook-compare.js';
import { decodeSignature, fail, headerOf, OK, safeEqual, stringField } from './webhook-compare.js';

export type { WebhookAuthResult, WebhookHeaders } from './webhook-compare.js';

type WebhookAuth = WebhookTriggerConfig['auth'];
type AuthOf<T extends WebhookAuth['type']> = Extract<WebhookAuth, { type: T }>;
/** The decrypted data of the credential the auth names (see credentials/webhook-types.ts). */
type CredentialData = Readonly<Record<string, unknown>> | undefined;

/**
 * Checks a request's headers and raw body bytes against the trigger's auth, with the data of its credential
 * (undefined for `none`) and the time now (for schemes that sign a timestamp).
 */
export function verifyWebhookAuth(
  auth: WebhookAuth,
  credentialData: CredentialData,
  headers: WebhookHeaders,
  rawBody: Uint8Array,
  nowMs: number,
): WebhookAuthResult {
  switch (auth.type) {
    case 'none':
      return OK;
    case 'header':
      return verifyHeader(credentialData, headers);
    case 'basic':
      return verifyBasic(credentialData, headers);
    case 'hmac':
      return verifyHmac(auth, credentialData, headers, rawBody);
    case 'standard-webhooks':
      return verifyStandardWebhooks(credentialData, headers, rawBody, nowMs);
    case 'stripe':
      return verifyStripe(credentialData, headers, rawBody, nowMs);
    case 'github':
      return verifyGithub(credentialData, headers, rawBody);
  }
}

/** The header a header auth's credential names, lower-cased; undefined when the data has none. */
function authHeaderName(credentialData: CredentialData): string | undefined {
  return stringField(credentialData, 'name')?.toLowerCase();
}

function verifyHeader(data: CredentialData, headers: WebhookHeaders): WebhookAuthResult {
  const name = authHeaderName(data);
  const value = stringField(data, 'value');
  if (name === undefined || value === undefined) return fail('the credential has no header name or value');
  const received = headerOf(headers, name);
  if (received === undefined) return fail(`missing header "${name}"`);
  return safeEqual(received, value) ? OK : fail(`header "${name}" does not match`);
}

function verifyBasic(data: CredentialData, headers: WebhookHeaders): WebhookAuthResult {
  const username = stringField(data, 'username');
  const password = stringField(data, 'password');
  if (username === undefined || password === undefined) {
    return fail('the credential has no user name or password');
  }
  const received = headerOf(headers, 'authorization');
  if (received === undefined) return fail('missing header "authorization"');
  // the scheme name is case-insensitive (RFC 9110 §11.1)
  const match = /^basic +([A-Za-z0-9+/]+={0,2})$/i.exec(received);
  if (!match?.[1]) return fail('authorization is not Basic credentials');
  // compare bytes, not decoded text, so malformed UTF-8 cannot be folded into a match
  const credentials = Buffer.from(match[1], 'base64');
  return safeEqual(credentials, `${username}:${password}`) ? OK : fail('wrong user name or password');
}

function verifyHmac(
  auth: AuthOf<'hmac'>,
  data: CredentialData,
  headers: WebhookHeaders,
  rawBody: Uint8Array,
): WebhookAuthResult {
  const secret = stringField(data, 'secret');
  if (secret === undefined) return fail('the credential has no secret');
  const name = auth.header.toLowerCase();
  const received = headerOf(headers, name);
  if (received === undefined) return fail(`missing header "${name}"`);
  if (!safeEqual(received.slice(0, auth.prefix.length), auth.prefix)) {
    return fail(`signature in "${name}" does not start with "${auth.prefix}"`);
  }
  const signature = decodeSignature(received.slice(auth.prefix.length), auth.encoding);
  if (signature === undefined) return fail(`signature in "${name}" is not ${auth.encoding}`);
  const expected = createHmac(auth.algorithm, secret).update(rawBody).digest();
  return safeEqual(signature, expected) ? OK : fail(`signature in "${name}" does not match`);
}
