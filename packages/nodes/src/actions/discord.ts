// The Discord node: posts one message through a channel's webhook (Execute Webhook, waiting for the message).
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

const embedField = z.looseObject({
  name: z.string().min(1).max(256).describe('Field name'),
  value: z.string().min(1).max(1024).describe('Field value'),
  inline: z.boolean().optional().describe('Show beside the neighbouring inline fields'),
});

const embed = z
  .looseObject({
    title: z.string().max(256).optional().describe('Title, at most 256 characters'),
    description: z
      .string()
      .max(4096)
      .optional()
      .describe('Text (Discord markdown), at most 4,096 characters'),
    url: z
      .url({ protocol: /^https?$/ })
      .optional()
      .describe('Link of the title'),
    color: z
      .number()
      .int()
      .min(0)
      .max(0xffffff)
      .optional()
      .describe('Colour of the side bar, e.g. 15158332 (red)'),
    fields: z.array(embedField).max(25).optional().describe('At most 25 name/value fields'),
  })
  .describe(
    'A rich embed; further Discord embed fields (author, footer, image, thumbnail, timestamp) are passed on as given',
  );

/** Config of the Discord node. */
export const discordConfig = z
  .strictObject({
    webhookUrl: webhookUrlField('https://discord.com/api/webhooks/<id>/<token>'),
    content: z
      .string()
      .max(2000)
      .optional()
      .describe(
        'Message text (Discord markdown), at most 2,000 characters; required unless embeds are given',
      ),
    embeds: z.array(embed).min(1).max(10).optional().describe('Rich embeds, at most 10'),
    username: z.string().min(1).max(80).optional().describe("Name to post as, instead of the webhook's own"),
    avatarUrl: z
      .url({ protocol: /^https?$/, error: 'must be an http or https URL' })
      .optional()
      .describe("Avatar image URL to post with, instead of the webhook's own"),
  })
  .refine((c) => (c.content !== undefined && c.content !== '') || c.embeds !== undefined, {
    path: ['content'],
    error: 'content is required unless embeds are given',
  });

/** The Discord node's config after parsing. */
export type DiscordConfig = z.infer<typeof discordConfig>;

/** Where `errors` of an Invalid Form Body answer points, e.g. `embeds.0.title: Must be 256 or fewer in length.` */
function formErrors(errors: unknown, path: string[] = [], found: string[] = []): string[] {
  if (typeof errors !== 'object' || errors === null || found.length >= 3 || path.length > 6) return found;
  for (const [key, value] of Object.entries(errors)) {
    if (key === '_errors' && Array.isArray(value)) {
      for (const e of value) {
        const message = typeof e === 'object' && e !== null && 'message' in e ? e.message : undefined;
        if (typeof message === 'string' && found.length < 3) {
          found.push(`${path.join('.')}: ${message.slice(0, 200)}`);
        }
      }
    } else formErrors(value, [...path, key.slice(0, 50)], found);
  }
  return found;
}

/** Discord's reason for refusing: its message, and where an Invalid Form Body answer points. */
function reasonOf(res: HttpResponse, scrub: (text: string) => string): string {
  const answer = jsonObjectOf(res);
  const message = stringField(answer, 'message');
  if (message === undefined) return scrub(textOf(res, 200));
  const fields = formErrors(answer?.errors);
  return scrub(`${message.slice(0, 200)}${fields.length > 0 ? ` (${fields.join('; ')})` : ''}`);
}

// Discord's JSON error codes that name the webhook itself as the problem
const UNKNOWN_WEBHOOK = 10015;

function throwForStatus(res: HttpResponse, scrub: (text: string) => string): void {
  const { status } = res;
  if (status >= 200 && status < 300) return;
  const answer = jsonObjectOf(res);
  // a 429's retry_after (seconds, with fractions) is finer than the header's whole seconds
  const seconds = answer?.retry_after;
  throw refusalError(res, {
    service: 'Discord',
    status,
    reason: reasonOf(res, scrub),
    fatalCode:
      status === 404 || answer?.code === UNKNOWN_WEBHOOK
        ? 'discord_unknown_webhook'
        : status === 401 || status === 403
          ? 'discord_unauthorized'
          : status === 400
            ? 'discord_bad_request'
            : 'discord_rejected',
    rateLimitWaitMs:
      typeof seconds === 'number' && Number.isFinite(seconds) && seconds >= 0
        ? Math.ceil(seconds * 1000)
        : undefined,
  });
}

/** Posts a message to a Discord channel through its webhook. */
export const discord = defineNode({
  type: 'action.discord',
  version: 1,
  category: 'action',
  title: 'Discord message',
  description:
    "Posts a message (text and/or up to 10 embeds) to a Discord channel through the channel's webhook. Retried on rate limiting (after the delay Discord asks for) and on 5xx; a refused message (400 with Discord's reason), a bad token (401/403) or a deleted webhook (404 Unknown Webhook) fails at once. Discord has no idempotency key, so a retry after a lost answer may post twice.",
  icon: 'message-circle',
  config: discordConfig,
  secretFields: ['webhookUrl'],
  traits: { pure: false },
  retry: { attempts: 3, backoff: 'exponential', delayMs: 1000, maxDelayMs: 60_000, jitter: true },
  outputDescription:
    'One item on `main`: `{ id, channelId }`, the ID of the posted message and of its channel (both null if the webhook answers without the message).',
  run: async (ctx) => {
    const { config } = ctx;
    const scrub = guardSecrets(ctx, webhookUrlSecrets(config.webhookUrl));
    const url = new URL(config.webhookUrl);
    // wait=true: Discord answers with the message once it is posted, not with an empty 204 before
    url.searchParams.set('wait', 'true');
    const message = {
      ...(config.content ? { content: config.content } : {}),
      ...(config.embeds ? { embeds: config.embeds } : {}),
      ...(config.username ? { username: config.username } : {}),
      ...(config.avatarUrl ? { avatar_url: config.avatarUrl } : {}),
    };
    const res = await postToWebhook(ctx, url.href, message, 'discord webhook');
    throwForStatus(res, scrub);
    const posted = jsonObjectOf(res);
    return {
      main: [{ id: stringField(posted, 'id') ?? null, channelId: stringField(posted, 'channel_id') ?? null }],
    };
  },
});
