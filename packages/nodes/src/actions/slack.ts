// The Slack node: posts one message, with a bot token (chat.postMessage) or to an incoming-webhook URL.
import { FatalError, RetryableError } from '@tributary/flow';
import { z } from 'zod';
import { credentialField } from '../credentials/define-credential.js';
import { boundTo } from '../credentials/http-auth.js';
import { joinUrl, SERVICE_URLS, slack as slackCredential } from '../credentials/service-types.js';
import { credentialOfType } from '../credentials/step-credential.js';
import { defineNode, type NodeContext } from '../define-node.js';
import type { HttpResponse } from '../http/http-client.js';
import { jsonObjectOf } from '../http/response-body.js';
import {
  guardSecrets,
  isTransient,
  postToWebhook,
  retryAfterOf,
  stringField,
  textOf,
  webhookUrlField,
  webhookUrlSecrets,
} from './chat-delivery.js';

const text = z
  .string()
  .max(40_000)
  .optional()
  .describe(
    'Message text (Slack mrkdwn, e.g. "*Order* 42 shipped"); required unless blocks are given, then it is the notification fallback. At most 40,000 characters',
  );

const blocks = z
  .array(z.looseObject({ type: z.string().min(1).max(100).describe('Block type, e.g. "section"') }))
  .min(1)
  .max(50)
  .optional()
  .describe(
    'Block Kit layout blocks, e.g. [{"type": "section", "text": {"type": "mrkdwn", "text": "*Shipped*"}}]; at most 50',
  );

const botMessage = z
  .strictObject({
    mode: z.literal('bot').describe('Post with a bot token (chat.postMessage)'),
    credential: credentialField(['slack'], 'A Slack bot token credential with the chat:write scope'),
    channel: z
      .string()
      .min(1)
      .max(200)
      .describe('Channel ID (e.g. "C0123456789") or name (e.g. "#alerts"); the bot must be a member of it'),
    text,
    blocks,
    threadTs: z
      .string()
      .regex(/^\d+\.\d+$/, 'a message timestamp, e.g. "1712345678.123456"')
      .optional()
      .describe('Reply in the thread of this message (its `ts`, e.g. "1712345678.123456")'),
    baseUrl: z
      .url({ protocol: /^https?$/, error: 'must be an http or https URL' })
      .optional()
      .describe(`Base URL of the Slack Web API; default: the credential's, else ${SERVICE_URLS.slack}`),
  })
  .meta({ title: 'Bot token' });

const webhookMessage = z
  .strictObject({
    mode: z.literal('webhook').describe('Post to an incoming-webhook URL (its channel is fixed by Slack)'),
    webhookUrl: webhookUrlField('https://hooks.slack.com/services/T…/B…/…'),
    text,
    blocks,
  })
  .meta({ title: 'Incoming webhook' });

/** Config of the Slack node: a bot-token message or an incoming-webhook message. */
export const slackConfig = z
  .discriminatedUnion('mode', [botMessage, webhookMessage])
  .refine((c) => (c.text !== undefined && c.text !== '') || c.blocks !== undefined, {
    path: ['text'],
    error: 'text is required unless blocks are given',
  });

/** The Slack node's config after parsing. */
export type SlackConfig = z.infer<typeof slackConfig>;

// Slack's own error names that say "try again later"; every other error is about the request or the token
const RETRYABLE_ERRORS = new Set(['ratelimited', 'internal_error', 'service_unavailable', 'request_timeout']);

const HINTS: Record<string, string> = {
  channel_not_found: 'no such channel, or the bot cannot see it (invite it to a private channel)',
  not_in_channel: 'the bot is not a member of the channel: invite it first',
  is_archived: 'the channel is archived',
  channel_is_archived: 'the channel is archived',
  msg_too_long: 'the text is too long',
  no_text: 'the message has no text',
  invalid_blocks: 'the blocks are not valid Block Kit',
  invalid_payload: 'Slack could not read the message',
  invalid_auth: 'the token is not valid: check the credential',
  not_authed: 'no token was accepted: check the credential',
  token_revoked: 'the token was revoked: check the credential',
  token_expired: 'the token has expired: check the credential',
  account_inactive: 'the token belongs to a deleted user or workspace',
  missing_scope: 'the token lacks a scope',
  action_prohibited: 'the workspace does not allow this webhook to post here',
  no_service: 'the webhook is disabled, removed or invalid',
};

// Slack's error names are snake_case words; anything else is not used in an error code
const ERROR_NAME = /^[a-z][a-z0-9_]{0,63}$/;

function slackError(
  name: string,
  details: readonly string[],
  scrub: (text: string) => string,
  res: HttpResponse,
): Error {
  const known = ERROR_NAME.test(name);
  // one code for rate limiting, whichever spelling the answer used (the Web API's or a webhook's)
  const code = res.status === 429 ? 'slack_ratelimited' : known ? `slack_${name}` : 'slack_error';
  const hint = known ? HINTS[name] : undefined;
  const reason = [scrub(known ? name : name.slice(0, 200)), hint].filter(Boolean).join(': ');
  const more = details.map(scrub).filter((d) => d !== '');
  const message = `Slack refused the message: ${reason}${more.length > 0 ? ` (${more.join('; ')})` : ''}`;
  // the status alone may say "try again later", whatever error name the answer carries
  return RETRYABLE_ERRORS.has(name) || isTransient(res.status)
    ? new RetryableError(message, { code, retryAfterMs: retryAfterOf(res) })
    : new FatalError(message, { code });
}

/** Details Slack adds to an error: the scope it needs, and its per-field messages (invalid blocks). */
function errorDetails(answer: Record<string, unknown>): string[] {
  const details: string[] = [];
  const needed = stringField(answer, 'needed');
  if (needed) details.push(`needs ${needed.slice(0, 200)}`);
  const metadata = answer.response_metadata;
  const messages =
    typeof metadata === 'object' && metadata !== null && 'messages' in metadata
      ? metadata.messages
      : undefined;
  if (Array.isArray(messages)) {
    for (const m of messages.slice(0, 3)) if (typeof m === 'string') details.push(m.slice(0, 300));
  }
  return details;
}

function throwForStatus(res: HttpResponse, scrub: (text: string) => string): void {
  if (res.status === 429) {
    throw new RetryableError('Slack is rate limiting the messages (429)', {
      code: 'slack_ratelimited',
      retryAfterMs: retryAfterOf(res),
    });
  }
  if (isTransient(res.status)) {
    const excerpt = scrub(textOf(res, 200));
    throw new RetryableError(`Slack answered ${res.status}${excerpt ? `: ${excerpt}` : ''}`, {
      code: 'slack_unavailable',
      retryAfterMs: retryAfterOf(res),
    });
  }
}

async function postWithBot(ctx: NodeContext<SlackConfig>, config: Extract<SlackConfig, { mode: 'bot' }>) {
  const { credential, data } = await credentialOfType(
    ctx,
    slackCredential,
    ({ name }) => `credential "${name}" is not a valid Slack bot token credential`,
  );
  const scrub = guardSecrets(ctx, [data.token]);
  const base = config.baseUrl ?? data.baseUrl ?? SERVICE_URLS.slack;
  const res = await ctx.http.request(
    boundTo(credential, {
      method: 'POST',
      url: joinUrl(base, 'chat.postMessage'),
      headers: {
        authorization: `Bearer ${data.token}`,
        'content-type': 'application/json; charset=utf-8',
      },
      body: JSON.stringify({
        channel: config.channel,
        ...(config.text ? { text: config.text } : {}),
        ...(config.blocks ? { blocks: config.blocks } : {}),
        ...(config.threadTs ? { thread_ts: config.threadTs } : {}),
      }),
      signal: ctx.signal,
      // a redirect would carry the token to wherever it points
      maxRedirects: 0,
    }),
  );
  ctx.logger.debug({ origin: new URL(res.url).origin, status: res.status }, 'slack chat.postMessage');
  const answer = jsonObjectOf(res);
  const error = stringField(answer, 'error');
  if (answer?.ok === false && error !== undefined) {
    throw slackError(error, errorDetails(answer), scrub, res);
  }
  throwForStatus(res, scrub);
  if (res.status !== 200 || answer?.ok !== true) {
    throw new FatalError(`Slack answered ${res.status} without a result: is the base URL right?`, {
      code: 'slack_unexpected_answer',
    });
  }
  const message = answer.message;
  return {
    ok: true,
    channel: stringField(answer, 'channel') ?? config.channel,
    ts: stringField(answer, 'ts') ?? null,
    ...(typeof message === 'object' && message !== null ? { message } : {}),
  };
}

async function postWithWebhook(
  ctx: NodeContext<SlackConfig>,
  config: Extract<SlackConfig, { mode: 'webhook' }>,
) {
  const scrub = guardSecrets(ctx, webhookUrlSecrets(config.webhookUrl));
  const message = {
    ...(config.text ? { text: config.text } : {}),
    ...(config.blocks ? { blocks: config.blocks } : {}),
  };
  const res = await postToWebhook(
    ctx,
    config.webhookUrl,
    message,
    'slack incoming webhook',
    'application/json; charset=utf-8',
  );
  if (res.status >= 200 && res.status < 300) return { ok: true };
  // webhooks answer errors as a bare name in a text body, e.g. 404 "channel_not_found"
  const name = textOf(res, 100);
  if (res.status >= 400 && ERROR_NAME.test(name)) throw slackError(name, [], scrub, res);
  throwForStatus(res, scrub);
  throw new FatalError(`Slack answered ${res.status}${name ? `: ${scrub(name)}` : ''}`, {
    code: res.status >= 400 ? 'slack_rejected' : 'slack_unexpected_answer',
  });
}

/** Posts a message to Slack. */
export const slack = defineNode({
  type: 'action.slack',
  version: 1,
  category: 'action',
  title: 'Slack message',
  description:
    'Posts a message (text and/or Block Kit blocks) to a Slack channel, with a bot token (any channel the bot is in, threads too) or an incoming-webhook URL. Retried on rate limiting (after the Retry-After Slack asks for), on 5xx and on Slack’s transient errors (internal_error, service_unavailable, request_timeout); refused requests (channel_not_found, not_in_channel, invalid_auth, msg_too_long, …) fail at once. Slack has no idempotency key, so a retry after a lost answer may post twice.',
  icon: 'message-square',
  config: slackConfig,
  secretFields: ['webhookUrl'],
  credential: { types: ['slack'] },
  traits: { pure: false },
  retry: { attempts: 3, backoff: 'exponential', delayMs: 1000, maxDelayMs: 60_000, jitter: true },
  outputDescription:
    'One item on `main`: with a bot token `{ ok: true, channel, ts, message }` (`channel` the channel ID, `ts` the message’s timestamp — pass it as threadTs to reply in its thread — and `message` the message as Slack stored it); with a webhook `{ ok: true }`.',
  run: async (ctx) => {
    const { config } = ctx;
    const item = config.mode === 'bot' ? await postWithBot(ctx, config) : await postWithWebhook(ctx, config);
    return { main: [item] };
  },
});
