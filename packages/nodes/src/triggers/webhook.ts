// The webhook trigger: an HTTP endpoint that starts a run with the request as its item.
import { z } from 'zod';
import { credentialField } from '../credentials/define-credential.js';
import { defineNode } from '../define-node.js';
import { headerName } from '../http/header-syntax.js';
import { inlineWebhookSecret } from './webhook-legacy.js';

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

/** The credential type each auth type checks requests with; `none` takes none. */
const WEBHOOK_AUTH_CREDENTIAL_TYPES = {
  none: undefined,
  header: 'webhook.header',
  basic: 'webhook.basic',
  hmac: 'webhook.hmac',
  'standard-webhooks': 'webhook.signing',
  stripe: 'webhook.hmac',
  github: 'webhook.hmac',
} as const satisfies Record<string, string | undefined>;

const webhookAuth = z
  .discriminatedUnion('type', [
    z.strictObject({ type: z.literal('none') }).describe('Anyone who knows the URL can call it'),
    z
      .strictObject({
        type: z.literal('header'),
        credential: credentialField(
          ['webhook.header'],
          'A webhook.header credential: the header name and the exact value callers must send',
        ),
      })
      .describe('A shared token in a request header'),
    z
      .strictObject({
        type: z.literal('basic'),
        credential: credentialField(
          ['webhook.basic'],
          'A webhook.basic credential: the user name and password callers must send',
        ),
      })
      .describe('HTTP Basic authentication'),
    z
      .strictObject({
        type: z.literal('hmac'),
        credential: credentialField(
          ['webhook.hmac'],
          'A webhook.hmac credential: the shared secret, used as UTF-8 bytes for the HMAC key',
        ),
        header: headerName.default('x-signature').describe('Header that carries the signature'),
        algorithm: z.enum(['sha256', 'sha1', 'sha512']).default('sha256').describe('HMAC hash function'),
        encoding: z.enum(['hex', 'base64']).default('hex').describe('How the signature is written'),
        prefix: z
          .string()
          .max(50)
          .default('')
          .describe('Text before the signature in the header, e.g. "sha256="'),
      })
      .describe('An HMAC signature of the raw request body in a header of your choice'),
    z
      .strictObject({
        type: z.literal('standard-webhooks'),
        credential: credentialField(
          ['webhook.signing'],
          'A webhook.signing credential: the sender’s "whsec_…" signing secret',
        ),
      })
      .describe(
        'Standard Webhooks (Svix and others): webhook-id, webhook-timestamp and webhook-signature headers; ' +
          'timestamps more than 5 minutes off are refused',
      ),
    z
      .strictObject({
        type: z.literal('stripe'),
        credential: credentialField(
          ['webhook.hmac'],
          'A webhook.hmac credential holding the endpoint’s Stripe signing secret ("whsec_…")',
        ),
      })
      .describe('Stripe’s Stripe-Signature header; timestamps more than 5 minutes off are refused'),
    z
      .strictObject({
        type: z.literal('github'),
        credential: credentialField(
          ['webhook.hmac'],
          'A webhook.hmac credential holding the secret set on the GitHub webhook',
        ),
      })
      .describe('GitHub’s X-Hub-Signature-256 header (HMAC-SHA256 of the body)'),
  ])
  .default({ type: 'none' })
  .describe('How callers prove they may start the flow; secrets live in credentials');

/** The credential types a webhook config's auth accepts, read from a raw (possibly invalid) config. */
function credentialTypesFor(config: Readonly<Record<string, unknown>>): readonly string[] {
  const auth = config.auth;
  const type = typeof auth === 'object' && auth !== null && 'type' in auth ? auth.type : undefined;
  if (typeof type !== 'string' || !Object.hasOwn(WEBHOOK_AUTH_CREDENTIAL_TYPES, type)) return [];
  // Object.hasOwn above made `type` one of the keys
  const credentialType = WEBHOOK_AUTH_CREDENTIAL_TYPES[type as keyof typeof WEBHOOK_AUTH_CREDENTIAL_TYPES];
  return credentialType ? [credentialType] : [];
}

const webhookConfig = z.strictObject({
  path: webhookPath,
  method: z
    .enum(['POST', 'GET', 'PUT', 'PATCH', 'DELETE', 'ANY'])
    .default('POST')
    .describe('HTTP method the trigger accepts; ANY accepts all of them'),
  auth: webhookAuth,
  responseMode: z
    .enum(['async', 'lastNode', 'respondNode'])
    .default('async')
    .describe(
      'async: answer 202 at once; lastNode: answer with the output of the run’s last node; respondNode: ' +
        'answer with what the flow’s first Respond to webhook step says (504 if none answers in time, 502 ' +
        'if the run ends without answering)',
    ),
  responseTimeoutMs: z
    .number()
    .int()
    .positive()
    .max(60_000)
    .default(10_000)
    .describe(
      'With responseMode lastNode or respondNode: how long the caller waits for the answer, in milliseconds',
    ),
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
  credential: {
    types: ['webhook.header', 'webhook.basic', 'webhook.hmac', 'webhook.signing'],
    typesFor: credentialTypesFor,
  },
  inlineSecret: inlineWebhookSecret,
  outputDescription:
    'One item `{ body, headers, query, method, path }`: `body` parsed by the request’s content type, ' +
    '`headers` with lower-cased names (less Authorization, cookies and the header the auth checks), ' +
    '`query` the query-string parameters, `method` the HTTP method ' +
    'and `path` the trigger path that was called.',
  sample: (config) => ({
    body: { email: 'ada@example.com', plan: 'pro' },
    headers: { 'content-type': 'application/json' },
    query: {},
    method: typeof config.method === 'string' && config.method !== 'ANY' ? config.method : 'POST',
    path: typeof config.path === 'string' ? config.path : '',
  }),
});
