import { FatalError, RetryableError } from '@tributary/flow';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { actionHarness, answer, errorOf } from '../../test/action-harness.js';
import { type DiscordPeer, startDiscordPeer } from '../../test/peers/discord-peer.js';
import { onlyObject } from '../logic/test-context.js';
import { discord } from './discord.js';

// The node talks to a Discord peer on 127.0.0.1 through the real guarded client with 127.0.0.1 allowed.
const TOKEN = 'dQw4w9WgXcQ-SecretWebhookToken_0123456789abcdefABCDEF';
const harness = actionHarness();
let peer: DiscordPeer;

beforeAll(async () => {
  peer = await startDiscordPeer(TOKEN);
});
afterAll(() => peer.close());
afterEach(() => peer.reset());

type Config = z.input<typeof discord.config>;

const run = (config: Partial<Config>) => harness.run(discord, { webhookUrl: peer.webhookUrl, ...config });
const fails = (config: Partial<Config>) => errorOf(run(config));

describe('action.discord', () => {
  it('executes the webhook, waiting for the message, and emits its id and channel', async () => {
    const embeds = [{ title: 'Build failed', color: 15158332, fields: [{ name: 'Branch', value: 'main' }] }];
    const item = onlyObject(
      await run({
        content: 'Deploy **done**',
        embeds,
        username: 'Tributary',
        avatarUrl: 'https://example.com/a.png',
      }),
    );
    expect(item).toEqual({ id: peer.posted[0]?.id, channelId: peer.channelId });
    const [req] = peer.http.requests;
    expect(req).toMatchObject({ method: 'POST', url: `/api/webhooks/${peer.webhookId}/${TOKEN}?wait=true` });
    expect(req?.headers['content-type']).toBe('application/json');
    expect(JSON.parse(req?.body.toString() ?? '')).toEqual({
      content: 'Deploy **done**',
      embeds,
      username: 'Tributary',
      avatar_url: 'https://example.com/a.png',
    });
    expect(harness.redacted).toContain(TOKEN);
  });

  it('keeps the query a webhook URL already has (a thread), and sends embeds alone', async () => {
    peer.answerNext((req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ id: '42', channel_id: '77', url: req.url }));
    });
    const item = onlyObject(
      await run({
        webhookUrl: `${peer.webhookUrl}?thread_id=555`,
        embeds: [{ description: 'only an embed' }],
      }),
    );
    expect(item).toEqual({ id: '42', channelId: '77' });
    expect(peer.http.requests[0]?.url).toBe(
      `/api/webhooks/${peer.webhookId}/${TOKEN}?thread_id=555&wait=true`,
    );
    expect(JSON.parse(peer.http.requests[0]?.body.toString() ?? '')).toEqual({
      embeds: [{ description: 'only an embed' }],
    });
  });

  it('emits null ids when the webhook answers 204 without the message', async () => {
    peer.answerNext(answer(204));
    expect(onlyObject(await run({ content: 'hi' }))).toEqual({ id: null, channelId: null });
  });

  it('retries a 429 after the retry_after of its JSON body', async () => {
    peer.answerNext(
      answer(
        429,
        { message: 'You are being rate limited.', retry_after: 1.337, global: false },
        { 'retry-after': '2', 'x-ratelimit-scope': 'shared' },
      ),
    );
    const err = await fails({ content: 'hi' });
    expect(err).toBeInstanceOf(RetryableError);
    expect(err).toMatchObject({ code: 'discord_rate_limited', retryAfterMs: 1337 });
    expect(err.message).toContain('You are being rate limited.');
  });

  it('falls back to the Retry-After header when a 429 has no JSON body', async () => {
    peer.answerNext(
      answer(429, '<html>error code: 1015</html>', { 'content-type': 'text/html', 'retry-after': '9' }),
    );
    const err = await fails({ content: 'hi' });
    expect(err).toMatchObject({ name: 'RetryableError', code: 'discord_rate_limited', retryAfterMs: 9000 });
  });

  it('retries a 5xx', async () => {
    peer.answerNext(answer(502, { message: '502: Bad Gateway', code: 0 }));
    const err = await fails({ content: 'hi' });
    expect(err).toBeInstanceOf(RetryableError);
    expect(err).toMatchObject({ code: 'discord_unavailable' });
  });

  it('fails a refused message as fatal with Discord’s message and the field it points at', async () => {
    peer.answerNext(
      answer(400, {
        code: 50035,
        message: 'Invalid Form Body',
        errors: {
          embeds: {
            '0': {
              title: {
                _errors: [{ code: 'BASE_TYPE_MAX_LENGTH', message: 'Must be 256 or fewer in length.' }],
              },
            },
          },
        },
      }),
    );
    const err = await fails({ content: 'hi' });
    expect(err).toBeInstanceOf(FatalError);
    expect(err).toMatchObject({ code: 'discord_bad_request' });
    expect(err.message).toContain('Invalid Form Body');
    expect(err.message).toContain('embeds.0.title: Must be 256 or fewer in length.');
  });

  it('fails an unknown webhook and a wrong token as fatal', async () => {
    const unknown = await fails({
      content: 'hi',
      webhookUrl: peer.webhookUrl.replace(peer.webhookId, '1111111111111111111'),
    });
    expect(unknown).toBeInstanceOf(FatalError);
    expect(unknown).toMatchObject({ code: 'discord_unknown_webhook' });
    expect(unknown.message).toContain('Unknown Webhook');
    const wrong = await fails({
      content: 'hi',
      webhookUrl: peer.webhookUrl.replace(TOKEN, 'not-the-token-but-long-enough'),
    });
    expect(wrong).toBeInstanceOf(FatalError);
    expect(wrong).toMatchObject({ code: 'discord_unauthorized' });
    expect(wrong.message).toContain('Invalid Webhook Token');
    peer.answerNext(answer(403, { message: 'Missing Access', code: 50001 }));
    expect(await fails({ content: 'hi' })).toMatchObject({
      name: 'FatalError',
      code: 'discord_unauthorized',
    });
    expect(peer.posted).toHaveLength(0);
  });

  it('keeps the webhook token out of the error when Discord echoes it back', async () => {
    peer.answerNext((req, res) => {
      res.writeHead(400, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ code: 50035, message: `Invalid Form Body for ${req.url}` }));
    });
    const err = await fails({ content: 'hi' });
    expect(err).toMatchObject({ name: 'FatalError', code: 'discord_bad_request' });
    expect(err.message).toContain('Invalid Form Body');
    expect(err.message).not.toContain(TOKEN);
  });

  it('does not follow a redirect with the secret URL', async () => {
    peer.answerNext(answer(307, undefined, { location: 'http://127.0.0.1:9/elsewhere' }));
    const err = await fails({ content: 'hi' });
    expect(err).toMatchObject({ name: 'FatalError', code: 'discord_rejected' });
    expect(peer.http.requests).toHaveLength(1);
  });
});

describe('action.discord config', () => {
  const valid = (c: Partial<Config>) =>
    discord.config.safeParse({ webhookUrl: 'https://discord.com/api/webhooks/1/t', ...c }).success;

  it('needs content or embeds, within Discord’s limits', () => {
    expect(valid({ content: 'hi' })).toBe(true);
    expect(valid({ embeds: [{ title: 't' }] })).toBe(true);
    expect(valid({})).toBe(false);
    expect(valid({ content: '' })).toBe(false);
    expect(valid({ content: 'x'.repeat(2000) })).toBe(true);
    expect(valid({ content: 'x'.repeat(2001) })).toBe(false);
    expect(valid({ embeds: [] })).toBe(false);
    expect(valid({ embeds: Array.from({ length: 11 }, () => ({ title: 't' })) })).toBe(false);
    expect(valid({ embeds: [{ title: 'x'.repeat(257) }] })).toBe(false);
    expect(valid({ embeds: [{ color: 0x1000000 }] })).toBe(false);
    expect(valid({ content: 'hi', username: 'x'.repeat(81) })).toBe(false);
    expect(valid({ content: 'hi', avatarUrl: 'not a url' })).toBe(false);
    expect(discord.config.safeParse({ content: 'hi' }).success).toBe(false);
    const missing = discord.config.safeParse({ webhookUrl: 'https://discord.com/api/webhooks/1/t' });
    expect(missing.error?.issues).toMatchObject([
      { path: ['content'], message: 'content is required unless embeds are given' },
    ]);
  });

  it('is an action with I/O that masks the webhook URL', () => {
    expect(discord).toMatchObject({
      type: 'action.discord',
      category: 'action',
      icon: 'message-circle',
      traits: { pure: false },
      secretFields: ['webhookUrl'],
    });
    expect(discord.retry).toMatchObject({ attempts: 3, backoff: 'exponential', delayMs: 1000 });
  });

  it('keeps its JSON Schema for the editor', () => {
    expect(z.toJSONSchema(discord.config, { io: 'input' })).toMatchSnapshot();
  });
});
