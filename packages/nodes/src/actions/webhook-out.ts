// The outgoing webhook node: a JSON POST signed per Standard Webhooks (https://www.standardwebhooks.com).
import { createHmac } from 'node:crypto';
import { FatalError } from '@tributary/flow';
import { z } from 'zod';
import { credentialField } from '../credentials/define-credential.js';
import { boundTo } from '../credentials/http-auth.js';
import { credentialOfType } from '../credentials/step-credential.js';
import { webhookSigning } from '../credentials/webhook-types.js';
import { defineNode } from '../define-node.js';
import { headerName, headerValue } from '../http/header-syntax.js';
import { decodeBody } from '../http/response-body.js';
import { throwForStatus } from '../http/status-errors.js';

/** The headers the signature consists of; a flow cannot set them itself. */
const SIGNATURE_HEADERS = ['webhook-id', 'webhook-timestamp', 'webhook-signature'];

/** Config of the outgoing webhook node; its JSON Schema is the editor's form. */
export const webhookOutConfig = z.strictObject({
  credential: credentialField(
    ['webhook.signing'],
    'The Standard Webhooks signing secret (whsec_…) the receiver verifies the signature with',
  ),
  url: z
    .url({ protocol: /^https?$/, error: 'must be an http or https URL' })
    .max(8192)
    .describe('The receiver’s http or https URL, e.g. "https://hooks.example.com/tributary"'),
  body: z.json().describe('The payload, sent as JSON exactly as signed'),
  eventType: z
    .string()
    .min(1)
    .max(200)
    .optional()
    .describe(
      'Event type, e.g. "order.paid": when set, the body is sent in the Standard Webhooks envelope { type, timestamp, data }',
    ),
  headers: z
    .record(headerName, headerValue)
    .default({})
    .refine(
      (headers) => !Object.keys(headers).some((name) => SIGNATURE_HEADERS.includes(name.toLowerCase())),
      {
        message:
          'webhook-id, webhook-timestamp and webhook-signature are set by the signature and cannot be given',
      },
    )
    .describe('Further request headers by name; a Content-Type here replaces application/json'),
});

/** The outgoing webhook node's config after parsing. */
export type WebhookOutConfig = z.infer<typeof webhookOutConfig>;

/**
 * The `webhook-signature` value of a message: `v1,` and the base64 HMAC-SHA256 of `id.timestamp.payload`
 * under the secret's key (the base64 after `whsec_`).
 */
export function signStandardWebhook(secret: string, id: string, timestamp: number, payload: string): string {
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  const mac = createHmac('sha256', key).update(`${id}.${timestamp}.${payload}`).digest('base64');
  return `v1,${mac}`;
}

function hasHeader(headers: Record<string, string>, name: string): boolean {
  return Object.keys(headers).some((key) => key.toLowerCase() === name);
}

function payloadOf(config: WebhookOutConfig, sentAt: Date): string {
  if (config.eventType === undefined) return JSON.stringify(config.body);
  return JSON.stringify({ type: config.eventType, timestamp: sentAt.toISOString(), data: config.body });
}

/** Sends a signed webhook. */
export const webhookOut = defineNode({
  type: 'action.webhook-out',
  version: 1,
  category: 'action',
  title: 'Send signed webhook',
  description:
    'POSTs a JSON body signed per Standard Webhooks (webhook-id, webhook-timestamp and webhook-signature headers), so the receiver can check it came from this flow. Every retry of the step sends the same webhook-id, which receivers deduplicate with, and a fresh timestamp and signature. Retried on network errors, timeouts, 408, 429 and 5xx (after the receiver’s Retry-After); other answers of 300 and above fail at once.',
  icon: 'send',
  config: webhookOutConfig,
  credential: { types: ['webhook.signing'] },
  traits: { pure: false },
  retry: { attempts: 3, backoff: 'exponential', delayMs: 1000, maxDelayMs: 60_000, jitter: true },
  outputDescription:
    'One item on `main`: `{ status, webhookId, body }` — the receiver’s HTTP status, the webhook-id sent (the same on every retry) and its answer, parsed JSON for JSON answers and text for textual ones.',
  run: async (ctx) => {
    const { config } = ctx;
    const { credential, data } = await credentialOfType(
      ctx,
      webhookSigning,
      'the signing credential has no valid whsec_ secret',
    );
    const webhookId = `msg_${ctx.idempotencyKey}`;
    const sentAt = new Date();
    const timestamp = Math.floor(sentAt.getTime() / 1000);
    const payload = payloadOf(config, sentAt);
    const headers: Record<string, string> = { ...config.headers };
    if (!hasHeader(headers, 'content-type')) headers['content-type'] = 'application/json';
    headers['webhook-id'] = webhookId;
    headers['webhook-timestamp'] = String(timestamp);
    headers['webhook-signature'] = signStandardWebhook(data.secret, webhookId, timestamp, payload);
    const res = await ctx.http.request(
      boundTo(credential, {
        method: 'POST',
        url: config.url,
        headers,
        body: payload,
        signal: ctx.signal,
        // a redirected POST may turn into a GET without its body: the receiver's URL is to be fixed instead
        maxRedirects: 0,
      }),
    );
    // origin only: paths and queries may carry tokens
    ctx.logger.debug({ origin: new URL(res.url).origin, status: res.status, webhookId }, 'webhook sent');
    throwForStatus(res, 'POST');
    if (res.status >= 300) {
      throw new FatalError(
        `POST ${new URL(res.url).origin} answered ${res.status}; webhooks are not redirected`,
        {
          code: 'http_3xx',
        },
      );
    }
    return { main: [{ status: res.status, webhookId, ...decodeBody(res.headers, res.body) }] };
  },
});
