// Re-emits a tracking event to another Segment-compatible endpoint (Segment itself, RudderStack, another Tributary).
import { FatalError } from '@tributary/flow';
import { z } from 'zod';
import { defineNode } from '../define-node.js';
import { decodeBody } from '../http/response-body.js';
import { throwForStatus } from '../http/status-errors.js';
import { TRACKING_TYPES } from '../triggers/tracking.js';

const forwardConfig = z.strictObject({
  endpoint: z
    .string()
    .url()
    .refine((v) => /^https?:\/\//i.test(v), 'an http or https URL')
    .describe('Base URL of the tracking API, e.g. https://api.segment.io (the path /v1/<type> is appended)'),
  writeKey: z
    .string()
    .min(1)
    .max(500)
    .describe('Write key of the destination source (sent as HTTP Basic user)'),
  message: z
    .unknown()
    .optional()
    .describe(
      'The message to send; by default the input item (a tracking trigger emits the message as received)',
    ),
  timeoutMs: z.number().int().min(1).max(60_000).default(10_000).describe('Time limit of the call (ms)'),
});

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Forwards one Segment message to another tracking API. */
export const trackingForward = defineNode({
  type: 'action.tracking-forward',
  version: 1,
  category: 'action',
  title: 'Forward tracking event',
  description:
    'Sends the event on to another Segment-compatible tracking API, keeping its messageId so the destination deduplicates retries.',
  icon: 'send',
  config: forwardConfig,
  secretFields: ['writeKey'],
  retry: { attempts: 5, backoff: 'exponential', delayMs: 1000, maxDelayMs: 60_000, jitter: true },
  outputDescription: "One item on `main`: `{ status, body }` of the destination's answer.",
  run: async (ctx, input) => {
    const message = ctx.config.message ?? input;
    if (!isRecord(message))
      throw new FatalError('the message to forward is not an object', { code: 'invalid_message' });
    const type = message.type;
    if (typeof type !== 'string' || !(TRACKING_TYPES as readonly string[]).includes(type)) {
      throw new FatalError(`the message has no known "type" (${TRACKING_TYPES.join(', ')})`, {
        code: 'invalid_message',
      });
    }
    // receivedAt is this server's; the destination sets its own
    const { receivedAt: _ours, ...outgoing } = message;
    // a message built in the flow may lack a messageId: the step's key keeps retries deduplicated all the same
    const given = message.messageId;
    const messageId = given === undefined || given === null || given === '' ? ctx.idempotencyKey : given;
    const url = `${ctx.config.endpoint.replace(/\/+$/, '')}/v1/${type}`;
    const res = await ctx.http.request({
      method: 'POST',
      url,
      headers: {
        'content-type': 'application/json',
        authorization: `Basic ${Buffer.from(`${ctx.config.writeKey}:`).toString('base64')}`,
      },
      body: JSON.stringify({ ...outgoing, messageId, sentAt: new Date().toISOString() }),
      timeoutMs: ctx.config.timeoutMs,
      signal: ctx.signal,
    });
    throwForStatus(res, 'POST');
    const { body } = decodeBody(res.headers, res.body);
    return { main: [{ status: res.status, body }] };
  },
});
