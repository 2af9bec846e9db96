// The webhook trigger: an HTTP endpoint that starts a run with the request as its item.
import { z } from 'zod';
import { defineNode } from '../define-node.js';
import { headerName } from '../http/header-syntax.js';

const pathPart = '[A-Za-z0-9._~-]+';

const webhookPath = z
  .string()
  .min(1)
  .max(200)
  // one canonical spelling per path: URL parsing would fold "//", a trailing "/" or "." segments
  // into another path, so a trigger registered with them could never be reached
  .regex(
    new RegExp(`^${pathPart}(?:/${pathPart})*$`),
    'use letters, digits, ".", "_", "~" and "-" in segments joined by single "/", without a leading or trailing "/"',
  )
  .regex(/^(?!.*\.\.)/, 'must not contain ".."')
  .regex(/^(?!(?:.*\/)?\.(?:\/|$))/, 'must not have a "." segment')
  .describe('Path the trigger listens on, relative to the webhook base URL, e.g. "orders/created"');

/** A secret string: `writeOnly` tells the editor to render a password input and never echo it. */
function secret(description: string) {
  return z.string().min(1).max(1000).meta({ writeOnly: true }).describe(description);
}

const webhookAuth = z
  .discriminatedUnion('type', [
    z.strictObject({ type: z.literal('none') }).describe('Anyone who knows the URL can call it'),
    z
      .strictObject({
        type: z.literal('header'),
        name: headerName.default('x-webhook-token').describe('Header that carries the token'),
        value: secret(
          'The whole header value the caller must send, e.g. "Bearer <token>" with name "authorization"',
        ),
      })
      .describe('A shared token in a request header'),
    z
      .strictObject({
        type: z.literal('basic'),
        // RFC 7617: the first ":" of the credentials ends the user-id, so only the password may hold one
        username: z
          .string()
          .min(1)
          .max(200)
          .regex(/^[^:]*$/, 'must not contain ":"')
          .describe('User name'),
        password: secret('Password; may contain ":"'),
      })
      .describe('HTTP Basic authentication'),
    z
      .strictObject({
        type: z.literal('hmac'),
        header: headerName.default('x-signature').describe('Header that carries the signature'),
        secret: secret('Shared secret, used as UTF-8 bytes for the HMAC key'),
        algorithm: z.enum(['sha256', 'sha1', 'sha512']).default('sha256').describe('HMAC hash function'),
        encoding: z.enum(['hex', 'base64']).default('hex').describe('How the signature is written'),
        prefix: z
          .string()
          .max(50)
          .default('')
          .describe('Text before the signature in the header, e.g. "sha256=" for GitHub'),
      })
      .describe('An HMAC signature of the raw request body'),
  ])
  .default({ type: 'none' })
  .describe('How callers prove they may start the flow');

const webhookConfig = z.strictObject({
  path: webhookPath,
  method: z
    .enum(['POST', 'GET', 'PUT', 'PATCH', 'DELETE', 'ANY'])
    .default('POST')
    .describe('HTTP method the trigger accepts; ANY accepts all of them'),
  auth: webhookAuth,
  responseMode: z
    .enum(['async', 'lastNode'])
    .default('async')
    .describe('async: answer 202 at once; lastNode: answer with the output of the run’s last node'),
  responseTimeoutMs: z
    .number()
    .int()
    .positive()
    .max(60_000)
    .default(10_000)
    .describe('With responseMode lastNode: how long the caller waits for the run, in milliseconds'),
});

/** The webhook trigger's config, defaults filled in. */
export type WebhookTriggerConfig = z.infer<typeof webhookConfig>;

/** Starts a run for each authenticated HTTP request to its path. */
export const webhookTrigger = defineNode({
  type: 'trigger.webhook',
  version: 1,
  category: 'trigger',
  traits: { trigger: 'webhook' },
  title: 'Webhook',
  description: 'Starts the flow when an HTTP request arrives at its URL.',
  icon: 'webhook',
  config: webhookConfig,
  secretFields: ['auth.value', 'auth.password', 'auth.secret'],
  outputDescription:
    'One item `{ body, headers, query, method, path }`: `body` parsed by the request’s content type, ' +
    '`headers` with lower-cased names, `query` the query-string parameters, `method` the HTTP method ' +
    'and `path` the trigger path that was called.',
  sample: (config) => ({
    body: { email: 'ada@example.com', plan: 'pro' },
    headers: { 'content-type': 'application/json' },
    query: {},
    method: typeof config.method === 'string' && config.method !== 'ANY' ? config.method : 'POST',
    path: typeof config.path === 'string' ? config.path : '',
  }),
});
