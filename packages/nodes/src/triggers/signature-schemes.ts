// Webhook signature schemes of the services that define one: Standard Webhooks, Stripe and GitHub. Pure checks
// of a request's headers and raw body bytes, every comparison in constant time.
import { createHmac } from 'node:crypto';
import type { WebhookAuthResult, WebhookHeaders } from './webhook-compare.js';
import {
  anySafeEqual,
  checkTimestamp,
  decodeSignature,
  fail,
  headerOf,
  OK,
  safeEqual,
  stringField,
} from './webhook-compare.js';

type CredentialData = Readonly<Record<string, unknown>> | undefined;

/** How far a signed timestamp may be from now, either way: Standard Webhooks' 5 minutes, Stripe's 300 s. */
export const SIGNATURE_TOLERANCE_S = 300;

const MAX_SIGNATURES = 20;

/**
 * Standard Webhooks (standardwebhooks.com): `webhook-signature` lists `v1,<base64>` signatures separated by
 * spaces, any one of which may match (several while a key is rotated), of `${webhook-id}.${timestamp}.${body}`
 * under HMAC-SHA256 keyed with the base64 after "whsec_".
 */
export function verifyStandardWebhooks(
  data: CredentialData,
  headers: WebhookHeaders,
  rawBody: Uint8Array,
  nowMs: number,
): WebhookAuthResult {
  const key = signingKey(stringField(data, 'secret'));
  if (key === undefined) return fail('the credential has no "whsec_" signing secret');
  const id = headerOf(headers, 'webhook-id');
  const timestamp = headerOf(headers, 'webhook-timestamp');
  const signatures = headerOf(headers, 'webhook-signature');
  if (!id || !timestamp || !signatures) {
    return fail('missing header "webhook-id", "webhook-timestamp" or "webhook-signature"');
  }
  const time = checkTimestamp(timestamp, nowMs, SIGNATURE_TOLERANCE_S);
  if (!time.ok) return fail(`webhook-timestamp: ${time.reason}`);
  const candidates: Buffer[] = [];
  for (const entry of signatures.split(' ').slice(0, MAX_SIGNATURES)) {
    const comma = entry.indexOf(',');
    // other versions (v1a: asymmetric) are not ours to check; skip them as the reference library does
    if (comma < 0 || entry.slice(0, comma) !== 'v1') continue;
    const signature = decodeSignature(entry.slice(comma + 1), 'base64');
    if (signature) candidates.push(signature);
  }
  if (candidates.length === 0) return fail('webhook-signature has no v1 signature');
  // the reference library signs the timestamp as the number it parsed
  const expected = createHmac('sha256', key).update(`${id}.${time.seconds}.`).update(rawBody).digest();
  return anySafeEqual(candidates, expected) ? OK : fail('no signature in webhook-signature matches');
}

/** The key bytes of a "whsec_<base64>" secret. */
function signingKey(secret: string | undefined): Buffer | undefined {
  const base64 = secret?.startsWith('whsec_') ? secret.slice('whsec_'.length) : undefined;
  if (!base64) return undefined;
  const key = decodeSignature(base64, 'base64');
  return key && key.length > 0 ? key : undefined;
}

/**
 * Stripe (docs.stripe.com/webhooks#verify-manually): `Stripe-Signature: t=<unix>,v1=<hex>[,v1=…][,v0=…]`, each
 * v1 an HMAC-SHA256 in hex of `${t}.${body}` keyed with the endpoint secret's UTF-8 bytes; any v1 may match.
 */
export function verifyStripe(
  data: CredentialData,
  headers: WebhookHeaders,
  rawBody: Uint8Array,
  nowMs: number,
): WebhookAuthResult {
  const secret = stringField(data, 'secret');
  if (secret === undefined) return fail('the credential has no secret');
  const header = headerOf(headers, 'stripe-signature');
  if (header === undefined) return fail('missing header "stripe-signature"');
  const timestamps: string[] = [];
  const candidates: Buffer[] = [];
  for (const part of header.split(',').slice(0, MAX_SIGNATURES)) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const name = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (name === 't') timestamps.push(value);
    if (name === 'v1') {
      const signature = decodeSignature(value, 'hex');
      if (signature) candidates.push(signature);
    }
  }
  const [timestamp, ...more] = timestamps;
  if (timestamp === undefined || more.length > 0) return fail('stripe-signature needs exactly one t=');
  if (candidates.length === 0) return fail('stripe-signature has no v1 signature');
  const time = checkTimestamp(timestamp, nowMs, SIGNATURE_TOLERANCE_S);
  if (!time.ok) return fail(`stripe-signature: ${time.reason}`);
  const expected = createHmac('sha256', secret).update(`${time.seconds}.`).update(rawBody).digest();
  return anySafeEqual(candidates, expected) ? OK : fail('no v1 signature in stripe-signature matches');
}

/**
 * GitHub (docs.github.com, "Validating webhook deliveries"): `X-Hub-Signature-256: sha256=<hex>`, an
 * HMAC-SHA256 of the raw body keyed with the webhook secret's UTF-8 bytes.
 */
export function verifyGithub(
  data: CredentialData,
  headers: WebhookHeaders,
  rawBody: Uint8Array,
): WebhookAuthResult {
  const secret = stringField(data, 'secret');
  if (secret === undefined) return fail('the credential has no secret');
  const header = headerOf(headers, 'x-hub-signature-256');
  if (header === undefined) return fail('missing header "x-hub-signature-256"');
  if (!header.startsWith('sha256=')) return fail('x-hub-signature-256 does not start with "sha256="');
  const signature = decodeSignature(header.slice('sha256='.length), 'hex');
  if (signature === undefined) return fail('x-hub-signature-256 is not hex');
  const expected = createHmac('sha256', secret).update(rawBody).digest();
  return safeEqual(signature, expected) ? OK : fail('x-hub-signature-256 does not match');
}
