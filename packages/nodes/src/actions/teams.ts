// The Microsoft Teams node: posts text or an Adaptive Card to an incoming webhook or a Power Automate workflow URL.
import { z } from 'zod';
import { defineNode } from '../define-node.js';
import type { HttpResponse } from '../http/http-client.js';
import { jsonObjectOf } from '../http/response-body.js';
import {
  guardSecrets,
  postToWebhook,
  refusalError,
  stringField,
  textOf,
  webhookUrlField,
  webhookUrlSecrets,
} from './chat-delivery.js';

const adaptiveCard = z
  .looseObject({
    type: z.literal('AdaptiveCard').describe('Always "AdaptiveCard"'),
    version: z
      .string()
      .regex(/^\d+\.\d+$/, 'a card schema version, e.g. "1.4"')
      .describe('Card schema version, e.g. "1.4"'),
    body: z
      .array(z.looseObject({ type: z.string().min(1).max(100).describe('Element type, e.g. "TextBlock"') }))
      .optional()
      .describe(
        'The card\'s elements, e.g. [{"type": "TextBlock", "text": "Build failed", "weight": "Bolder"}]',
      ),
  })
  .describe(
    'An Adaptive Card (https://adaptivecards.io), e.g. {"type": "AdaptiveCard", "version": "1.4", "body": [...]}',
  );

/** Config of the Teams node. */
export const teamsConfig = z
  .strictObject({
    webhookUrl: webhookUrlField('https://….webhook.office.com/webhookb2/… or a workflow URL'),
    text: z
      .string()
      .min(1)
      .max(28_000)
      .optional()
      .describe('Message text (Teams markdown); give text or card, not both'),
    card: adaptiveCard.optional(),
  })
  .refine((c) => c.text !== undefined || c.card !== undefined, {
    path: ['text'],
    error: 'text or card is required',
  })
  .refine((c) => c.text === undefined || c.card === undefined, {
    path: ['card'],
    error: 'give text or card, not both: put the text in the card',
  });

/** The Teams node's config after parsing. */
export type TeamsConfig = z.infer<typeof teamsConfig>;

function requestBody(config: TeamsConfig): unknown {
  if (config.card === undefined) return { text: config.text };
  return {
    type: 'message',
    attachments: [
      { contentType: 'application/vnd.microsoft.card.adaptive', contentUrl: null, content: config.card },
    ],
  };
}

// Incoming webhooks accept a post before delivering it, and report a failed delivery in a 200 answer's text
const BURIED_FAILURE = /^Webhook message delivery failed\b.*?\bHTTP error (\d{3})\b/is;

/** Teams' reason for refusing: a workflow's JSON `error`, else the start of the answer's text. */
function reasonOf(res: HttpResponse, scrub: (text: string) => string): string {
  const error = jsonObjectOf(res)?.error;
  if (typeof error === 'object' && error !== null) {
    const fields = error as Record<string, unknown>;
    const reason = [stringField(fields, 'code'), stringField(fields, 'message')].filter(Boolean).join(': ');
    if (reason !== '') return scrub(reason.slice(0, 300));
  }
  return scrub(textOf(res, 300));
}

function throwForStatus(status: number, res: HttpResponse, scrub: (text: string) => string): void {
  if (status >= 200 && status < 300) return;
  throw refusalError(res, {
    service: 'Teams',
    status,
    reason: reasonOf(res, scrub),
    fatalCode: status === 400 ? 'teams_bad_request' : 'teams_rejected',
  });
}

/** Posts a message to a Microsoft Teams channel or chat. */
export const teams = defineNode({
  type: 'action.teams',
  version: 1,
  category: 'action',
  title: 'Microsoft Teams message',
  description:
    'Posts text or an Adaptive Card to Microsoft Teams through an incoming webhook or a Power Automate workflow ("When a Teams webhook request is received"). Retried on rate limiting (429, after its Retry-After) and on 5xx, also when an incoming webhook reports them inside a 200 answer; a refused message (400 and other 4xx) fails at once. Teams has no idempotency key, so a retry after a lost answer may post twice.',
  icon: 'users',
  config: teamsConfig,
  secretFields: ['webhookUrl'],
  traits: { pure: false },
  retry: { attempts: 3, backoff: 'exponential', delayMs: 1000, maxDelayMs: 60_000, jitter: true },
  outputDescription:
    'One item on `main`: `{ ok: true, status }` — 200 when an incoming webhook delivered the message, 202 when a workflow accepted it (the workflow posts it afterwards).',
  run: async (ctx) => {
    const { config } = ctx;
    const scrub = guardSecrets(ctx, webhookUrlSecrets(config.webhookUrl));
    const res = await postToWebhook(ctx, config.webhookUrl, requestBody(config), 'teams webhook');
    const buried = res.status === 200 ? BURIED_FAILURE.exec(textOf(res, 1000)) : null;
    throwForStatus(buried?.[1] === undefined ? res.status : Number(buried[1]), res, scrub);
    return { main: [{ ok: true, status: res.status }] };
  },
});
