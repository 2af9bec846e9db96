// The PagerDuty node: one Events API v2 event (trigger, acknowledge or resolve) sent to an integration.
import { FatalError, RetryableError } from '@tributary/flow';
import { z } from 'zod';
import { credentialField } from '../credentials/define-credential.js';
import { boundTo } from '../credentials/http-auth.js';
import { joinUrl, pagerduty as pagerdutyCredential, SERVICE_URLS } from '../credentials/service-types.js';
import { credentialOfType } from '../credentials/step-credential.js';
import { defineNode } from '../define-node.js';
import { jsonObjectOf } from '../http/response-body.js';
import { parseRetryAfter } from '../http/retry-after.js';
import { throwForStatus } from '../http/status-errors.js';

/** PagerDuty sends no Retry-After on 429; its limits are per routing key and per minute. */
const RATE_LIMIT_DELAY_MS = 30_000;

const optionalText = (max: number, description: string) =>
  z.string().min(1).max(max).optional().describe(description);

/** Config of the PagerDuty node; its JSON Schema is the editor's form. */
export const pagerdutyConfig = z
  .strictObject({
    credential: credentialField(
      ['pagerduty'],
      'The PagerDuty integration (routing key) that receives the event',
    ),
    action: z
      .enum(['trigger', 'acknowledge', 'resolve'])
      .default('trigger')
      .describe('trigger opens (or adds to) an alert; acknowledge and resolve change the alert of dedupKey'),
    dedupKey: optionalText(
      255,
      'Deduplication key of the alert; required to acknowledge or resolve. On trigger, default: this step’s idempotency key, so a retried step opens no second incident',
    ),
    summary: optionalText(
      1024,
      'What happened, as the incident title (trigger only; at most 1024 characters)',
    ),
    severity: z
      .enum(['critical', 'error', 'warning', 'info'])
      .optional()
      .describe('How bad it is (trigger only)'),
    source: optionalText(
      1024,
      'Where it happened: the affected system, preferably a host name, e.g. "db-1.example.com" (trigger only)',
    ),
    component: optionalText(1024, 'The part of the source that is affected, e.g. "postgres" (trigger only)'),
    group: optionalText(1024, 'A logical grouping of components, e.g. "checkout" (trigger only)'),
    class: optionalText(1024, 'The class or type of the event, e.g. "disk full" (trigger only)'),
    customDetails: z
      .record(z.string(), z.json())
      .optional()
      .describe('Any further details as a JSON object, shown on the alert (trigger only)'),
    links: z
      .array(
        z.strictObject({
          href: z
            .url({ protocol: /^https?$/, error: 'must be an http or https URL' })
            .describe('Link target'),
          text: z.string().min(1).max(1024).optional().describe('Link text'),
        }),
      )
      .max(50)
      .optional()
      .describe('Links shown on the alert, e.g. to a dashboard (trigger only)'),
    baseUrl: z
      .url({ protocol: /^https?$/, error: 'must be an http or https URL' })
      .optional()
      .describe(`Base URL of the Events API; default the credential's, else ${SERVICE_URLS.pagerduty}`),
  })
  .superRefine((config, ctx) => {
    if (config.action !== 'trigger') {
      if (config.dedupKey === undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['dedupKey'],
          message: `${config.action} needs the dedupKey of the alert it changes`,
        });
      }
      return;
    }
    for (const field of ['summary', 'severity', 'source'] as const) {
      if (config[field] === undefined) {
        ctx.addIssue({ code: 'custom', path: [field], message: `a trigger event needs a ${field}` });
      }
    }
  });

/** The PagerDuty node's config after parsing. */
export type PagerdutyConfig = z.infer<typeof pagerdutyConfig>;

/** An Events API v2 event, as PagerDuty's `POST /v2/enqueue` takes it. */
interface PagerdutyEvent {
  routing_key: string;
  event_action: PagerdutyConfig['action'];
  dedup_key: string;
  payload?: {
    summary: string | undefined;
    severity: PagerdutyConfig['severity'];
    source: string | undefined;
    component: string | undefined;
    group: string | undefined;
    class: string | undefined;
    custom_details: Record<string, unknown> | undefined;
  };
  links?: PagerdutyConfig['links'];
}

function eventOf(config: PagerdutyConfig, routingKey: string, idempotencyKey: string): PagerdutyEvent {
  // the schema refuses acknowledge and resolve without a dedupKey: only a trigger falls back to the step's key
  const base = {
    routing_key: routingKey,
    event_action: config.action,
    dedup_key: config.dedupKey ?? idempotencyKey,
  };
  if (config.action !== 'trigger') return base;
  return {
    ...base,
    payload: {
      summary: config.summary,
      severity: config.severity,
      source: config.source,
      component: config.component,
      group: config.group,
      class: config.class,
      custom_details: config.customDetails,
    },
    links: config.links,
  };
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function invalidEvent(answer: Record<string, unknown>): FatalError {
  const message = text(answer.message) ?? 'invalid event';
  const errors = Array.isArray(answer.errors) ? answer.errors.filter((e) => typeof e === 'string') : [];
  const detail = errors.length > 0 ? `: ${errors.join('; ')}` : '';
  const full = `PagerDuty refused the event: ${message}${detail}`;
  return new FatalError(full.length > 1000 ? `${full.slice(0, 999)}…` : full, {
    code: 'pagerduty_invalid_event',
  });
}

/** Sends one event to PagerDuty's Events API v2. */
export const pagerdutyEvent = defineNode({
  type: 'action.pagerduty',
  version: 1,
  category: 'action',
  title: 'PagerDuty event',
  description:
    'Triggers, acknowledges or resolves a PagerDuty alert through the Events API v2. A trigger without a dedupKey uses the step’s idempotency key, so a retried step adds to the same alert instead of opening a second one. Retried on network errors, timeouts, 429 (after 30 s unless PagerDuty says otherwise) and 5xx; an invalid event fails at once.',
  icon: 'siren',
  config: pagerdutyConfig,
  credential: { types: ['pagerduty'] },
  traits: { pure: false },
  retry: { attempts: 3, backoff: 'exponential', delayMs: 1000, maxDelayMs: 60_000, jitter: true },
  outputDescription:
    'One item on `main`: `{ status, dedupKey, message }` as PagerDuty answered, e.g. `{ status: "success", dedupKey: "…", message: "Event processed" }`; keep `dedupKey` to acknowledge or resolve the alert later.',
  run: async (ctx) => {
    const { config } = ctx;
    const { credential, data } = await credentialOfType(
      ctx,
      pagerdutyCredential,
      'the PagerDuty credential has no valid routing key',
    );
    const event = eventOf(config, data.routingKey, ctx.idempotencyKey);
    const base = config.baseUrl ?? data.baseUrl ?? SERVICE_URLS.pagerduty;
    // the routing key travels in the body: bound to the credential's hosts, and never sent on by a redirect
    const res = await ctx.http.request(
      boundTo(credential, {
        method: 'POST',
        url: joinUrl(base, 'v2/enqueue'),
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify(event),
        signal: ctx.signal,
        maxRedirects: 0,
      }),
    );
    ctx.logger.debug(
      { origin: new URL(res.url).origin, status: res.status, action: config.action },
      'pagerduty event',
    );
    if (res.status === 400) throw invalidEvent(jsonObjectOf(res) ?? {});
    if (res.status === 429) {
      throw new RetryableError('PagerDuty is rate limiting events for this integration', {
        code: 'http_429',
        retryAfterMs: parseRetryAfter(res.headers['retry-after']) ?? RATE_LIMIT_DELAY_MS,
      });
    }
    throwForStatus(res, 'POST');
    if (res.status >= 300) {
      throw new FatalError(`PagerDuty answered ${res.status}; events are not sent on to another address`, {
        code: 'http_3xx',
      });
    }
    // an answer that is no JSON object (a proxy's page) leaves the fields to their fallbacks
    const answer = jsonObjectOf(res) ?? {};
    return {
      main: [
        {
          status: text(answer.status) ?? 'success',
          dedupKey: text(answer.dedup_key) ?? event.dedup_key,
          message: text(answer.message) ?? '',
        },
      ],
    };
  },
});
