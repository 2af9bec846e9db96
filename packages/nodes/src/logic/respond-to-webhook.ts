// The respond-to-webhook node: the answer the caller of a webhook trigger in respondNode mode gets.
import { z } from 'zod';
import type { WebhookResponse } from '../define-node.js';
import { defineNode } from '../define-node.js';
import { headerName, headerValue } from '../http/header-syntax.js';

/**
 * Headers a flow may not set. The server frames the answer itself (length, encoding, connection); cookies
 * would land on Tributary's own origin (the editor's session lives there); the content-security headers are
 * the ones that keep an answer from running script on that origin; x-tributary-* are Tributary's own.
 */
const RESERVED_HEADERS = new Set([
  'connection',
  'content-encoding',
  'content-length',
  'content-security-policy',
  'host',
  'keep-alive',
  'proxy-authenticate',
  'proxy-connection',
  'set-cookie',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'x-content-type-options',
]);

/** Whether a flow may set this response header. */
export function isSettableResponseHeader(name: string): boolean {
  const lower = name.toLowerCase();
  return !RESERVED_HEADERS.has(lower) && !lower.startsWith('x-tributary-');
}

/** Statuses whose answer has no body (RFC 9110 §15.3.5, §15.3.6, §15.4.5). */
const NO_BODY_STATUSES = new Set([204, 205, 304]);

const responseHeaderName = headerName.refine(isSettableResponseHeader, {
  error:
    'is set by Tributary itself (framing, connection, cookies, content security or x-tributary-*); leave it out',
});

const respondConfig = z
  .strictObject({
    status: z
      .number()
      .int()
      .min(200)
      .max(599)
      .default(200)
      .describe(
        'HTTP status of the answer, 200 to 599 (1xx are interim answers, not ones a request can end with)',
      ),
    headers: z
      .record(responseHeaderName, headerValue)
      .default({})
      .describe(
        'Response headers by name, e.g. {"content-type": "text/csv"}; framing, connection, cookie and ' +
          'content-security headers and x-tributary-* are set by Tributary and cannot be given',
      ),
    body: z
      .json()
      .optional()
      .describe(
        'Response body: text is sent as text/plain, anything else as JSON (application/json), unless a ' +
          'content-type header says otherwise; leave it out for an empty body',
      ),
  })
  .superRefine((config, ctx) => {
    const names = Object.keys(config.headers).map((name) => name.toLowerCase());
    const repeated = names.find((name, index) => names.indexOf(name) !== index);
    if (repeated !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['headers'],
        message: `"${repeated}" is given twice (header names are case-insensitive); keep one`,
      });
    }
    if (NO_BODY_STATUSES.has(config.status) && config.body !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['body'],
        message: `a ${config.status} answer has no body; remove the body or choose another status`,
      });
    }
  });

/** The respond node's config after parsing. */
export type RespondToWebhookConfig = z.infer<typeof respondConfig>;

/** The answer a config describes: the body as the bytes' text, with a content type when it has a body. */
export function responseOf(config: RespondToWebhookConfig): WebhookResponse {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(config.headers)) headers[name.toLowerCase()] = value;
  if (config.body === undefined) return { status: config.status, headers, body: '' };
  const text = typeof config.body === 'string';
  headers['content-type'] ??= text ? 'text/plain; charset=utf-8' : 'application/json';
  const body = typeof config.body === 'string' ? config.body : JSON.stringify(config.body);
  return { status: config.status, headers, body };
}

/** Answers the HTTP request that started the run, then passes its item on. */
export const respondToWebhook = defineNode({
  type: 'logic.respond-to-webhook',
  version: 1,
  category: 'logic',
  title: 'Respond to webhook',
  description:
    'Answers the caller of the webhook that started the run with a status, headers and body, then ' +
    'goes on; the webhook trigger must use responseMode respondNode.',
  icon: 'reply',
  config: respondConfig,
  traits: { respondsToWebhook: true },
  outputDescription:
    'The input item, unchanged, on `main`, so the flow goes on after answering. The step records what it ' +
    'answered (status, headers, body size), or that another step of the run had answered first: only the ' +
    'first answer of a run counts.',
  run: (ctx, input) => {
    ctx.respondToWebhook(responseOf(ctx.config));
    return { main: [input] };
  },
});
