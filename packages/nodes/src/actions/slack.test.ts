import { FatalError, RetryableError } from '@tributary/flow';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { actionHarness, answer, errorOf, storedCredential } from '../../test/action-harness.js';
import { type SlackPeer, startSlackPeer } from '../../test/peers/slack-peer.js';
import { onlyObject } from '../logic/test-context.js';
import { slack } from './slack.js';

// The node talks to a Slack peer on 127.0.0.1 through the real guarded client with 127.0.0.1 allowed.
const TOKEN = 'xoxb-1111-2222-SecretBotToken0123';
const WEBHOOK_SECRET = 'Zx9SecretWebhookPart0042';
const CREDENTIAL_ID = '0f8e3a52-2c4b-4d1e-9a7f-3b6c5d4e2f10';
const harness = actionHarness();
let peer: SlackPeer;

beforeAll(async () => {
  peer = await startSlackPeer({
    token: TOKEN,
    webhookSecret: WEBHOOK_SECRET,
    channels: [
      { id: 'C0ALERTS', name: 'alerts', member: true },
      { id: 'C0SECRET', name: 'secret', member: false },
      { id: 'C0OLD', name: 'old', member: true, archived: true },
    ],
  });
});
afterAll(() => peer.close());
afterEach(() => peer.reset());

function credential(data: Record<string, unknown> = { token: TOKEN }, allowedHosts: string[] = []) {
  return storedCredential({ id: CREDENTIAL_ID, name: 'Slack bot', type: 'slack', data, allowedHosts });
}

const run = (config: z.input<typeof slack.config>, cred = credential()) =>
  harness.run(slack, config, { credential: cred });
const fails = (config: z.input<typeof slack.config>, cred = credential()) => errorOf(run(config, cred));

/** A Web API answer: JSON as Slack sends it. */
function apiAnswer(status: number, body: unknown, headers: Record<string, string> = {}) {
  return answer(status, body, { 'content-type': 'application/json; charset=utf-8', ...headers });
}

/** An incoming webhook's answer (or a gateway's): a word or a page of HTML. */
function htmlAnswer(status: number, body: string, headers: Record<string, string> = {}) {
  return answer(status, body, { 'content-type': 'text/html', ...headers });
}

type BotConfig = Extract<z.input<typeof slack.config>, { mode: 'bot' }>;

function bot(extra: Partial<BotConfig> = {}): BotConfig {
  return { mode: 'bot', credential: CREDENTIAL_ID, channel: 'C0ALERTS', text: 'Order 42 shipped', ...extra };
}

describe('action.slack with a bot token', () => {
  it('posts with chat.postMessage and emits the channel, ts and message', async () => {
    const item = onlyObject(
      await run({
        ...bot({ threadTs: '1712345678.000001', blocks: [{ type: 'divider' }] }),
        baseUrl: peer.apiUrl,
      }),
    );
    expect(item).toMatchObject({
      ok: true,
      channel: 'C0ALERTS',
      ts: '1712345678.000001',
      message: { type: 'message', text: 'Order 42 shipped', thread_ts: '1712345678.000001' },
    });
    const [req] = peer.http.requests;
    expect(req).toMatchObject({ method: 'POST', url: '/api/chat.postMessage' });
    expect(req?.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(req?.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(JSON.parse(req?.body.toString() ?? '')).toEqual({
      channel: 'C0ALERTS',
      text: 'Order 42 shipped',
      blocks: [{ type: 'divider' }],
      thread_ts: '1712345678.000001',
    });
    expect(JSON.stringify(item)).not.toContain(TOKEN);
    expect(harness.redacted).toContain(TOKEN);
  });

  it("uses the credential's base URL when the config names none", async () => {
    const item = onlyObject(
      await run(bot({ channel: '#alerts' }), credential({ token: TOKEN, baseUrl: peer.apiUrl })),
    );
    expect(item).toMatchObject({ ok: true, channel: 'C0ALERTS' });
    expect(peer.posted).toHaveLength(1);
  });

  it('sends blocks without text when only blocks are given', async () => {
    const blocks = [{ type: 'section', text: { type: 'mrkdwn', text: '*Shipped*' } }];
    await run({ mode: 'bot', credential: CREDENTIAL_ID, channel: 'C0ALERTS', blocks, baseUrl: peer.apiUrl });
    expect(JSON.parse(peer.http.requests[0]?.body.toString() ?? '')).toEqual({ channel: 'C0ALERTS', blocks });
  });

  it.each([
    ['channel_not_found', 'C0NOWHERE', 'invite it to a private channel'],
    ['not_in_channel', '#secret', 'invite it first'],
    ['is_archived', 'C0OLD', 'archived'],
  ])('fails %s from an ok:false answer as fatal', async (error, channel, hint) => {
    const err = await fails({ ...bot({ channel }), baseUrl: peer.apiUrl });
    expect(err).toBeInstanceOf(FatalError);
    expect(err).toMatchObject({ code: `slack_${error}` });
    expect(err.message).toContain(error);
    expect(err.message).toContain(hint);
    expect(peer.posted).toHaveLength(0);
  });

  it('fails msg_too_long as fatal', async () => {
    // Slack counts its limit after expanding mentions and entities, so text within the schema's limit can fail
    peer.answerNext(apiAnswer(200, { ok: false, error: 'msg_too_long' }));
    const err = await fails({ ...bot({ text: 'x'.repeat(40_000) }), baseUrl: peer.apiUrl });
    expect(err).toBeInstanceOf(FatalError);
    expect(err).toMatchObject({ code: 'slack_msg_too_long' });
    expect(err.message).toContain('too long');
  });

  it('fails a token Slack does not accept as fatal invalid_auth', async () => {
    const err = await fails(
      { ...bot(), baseUrl: peer.apiUrl },
      credential({ token: 'xoxb-wrong-token-000' }),
    );
    expect(err).toBeInstanceOf(FatalError);
    expect(err).toMatchObject({ code: 'slack_invalid_auth' });
    expect(err.message).toContain('check the credential');
  });

  it('names the scope a token lacks', async () => {
    peer.answerNext(
      apiAnswer(200, { ok: false, error: 'missing_scope', needed: 'chat:write', provided: 'users:read' }),
    );
    const err = await fails({ ...bot(), baseUrl: peer.apiUrl });
    expect(err).toMatchObject({ name: 'FatalError', code: 'slack_missing_scope' });
    expect(err.message).toContain('needs chat:write');
  });

  it('fails an error Slack has not documented as fatal, with its name', async () => {
    peer.answerNext(apiAnswer(200, { ok: false, error: 'brand_new_error' }));
    const err = await fails({ ...bot(), baseUrl: peer.apiUrl });
    expect(err).toBeInstanceOf(FatalError);
    expect(err).toMatchObject({ code: 'slack_brand_new_error' });
  });

  it('retries a 429 ratelimited after the Retry-After Slack asks for', async () => {
    peer.answerNext(apiAnswer(429, { ok: false, error: 'ratelimited' }, { 'retry-after': '30' }));
    const err = await fails({ ...bot(), baseUrl: peer.apiUrl });
    expect(err).toBeInstanceOf(RetryableError);
    expect(err).toMatchObject({ code: 'slack_ratelimited', retryAfterMs: 30_000 });
  });

  it('retries a 200 ok:false ratelimited and Slack’s transient errors', async () => {
    for (const error of ['ratelimited', 'internal_error', 'service_unavailable']) {
      peer.answerNext(apiAnswer(200, { ok: false, error }, { 'retry-after': '3' }));
      const err = await fails({ ...bot(), baseUrl: peer.apiUrl });
      expect(err).toBeInstanceOf(RetryableError);
      expect(err).toMatchObject({ code: `slack_${error}`, retryAfterMs: 3000 });
    }
  });

  it('retries a 5xx', async () => {
    peer.answerNext(htmlAnswer(503, '<html>Service Unavailable</html>'));
    const err = await fails({ ...bot(), baseUrl: peer.apiUrl });
    expect(err).toBeInstanceOf(RetryableError);
    expect(err).toMatchObject({ code: 'slack_unavailable' });
    expect(err.message).toContain('503');
  });

  it('keeps the token out of the error when Slack echoes it back', async () => {
    peer.answerNext((req, res) => {
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
      res.end(
        JSON.stringify({
          ok: false,
          error: `invalid_auth for ${req.headers.authorization}`,
          response_metadata: { messages: [`[ERROR] token ${TOKEN} is not valid`] },
        }),
      );
    });
    const err = await fails({ ...bot(), baseUrl: peer.apiUrl });
    expect(err).toBeInstanceOf(FatalError);
    expect(err).toMatchObject({ code: 'slack_error' });
    expect(err.message).toContain('invalid_auth');
    expect(err.message).not.toContain(TOKEN);
  });

  it('fails a 200 that is not a Slack answer as fatal', async () => {
    peer.answerNext(htmlAnswer(200, '<html>a proxy login page</html>'));
    const err = await fails({ ...bot(), baseUrl: peer.apiUrl });
    expect(err).toMatchObject({ name: 'FatalError', code: 'slack_unexpected_answer' });
  });

  it("sends the token only to the credential's allowed hosts", async () => {
    const err = await fails({ ...bot(), baseUrl: peer.apiUrl }, credential({ token: TOKEN }, ['slack.com']));
    expect(err).toMatchObject({ code: 'host_not_allowed' });
    expect(peer.http.requests).toHaveLength(0);
  });

  it('refuses a credential without a token', async () => {
    const err = await fails({ ...bot(), baseUrl: peer.apiUrl }, credential({ baseUrl: peer.apiUrl }));
    expect(err).toMatchObject({ name: 'FatalError', code: 'invalid_credential' });
  });
});

describe('action.slack with an incoming webhook', () => {
  it('posts the text and blocks as JSON to the webhook URL', async () => {
    const blocks = [{ type: 'section', text: { type: 'mrkdwn', text: 'hi' } }];
    const item = onlyObject(
      await run({ mode: 'webhook', webhookUrl: peer.webhookUrl, text: 'Deploy done', blocks }),
    );
    expect(item).toEqual({ ok: true });
    const [req] = peer.http.requests;
    expect(req).toMatchObject({ method: 'POST', url: `/services/T0001/B0001/${WEBHOOK_SECRET}` });
    expect(req?.headers.authorization).toBeUndefined();
    expect(req?.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(JSON.parse(req?.body.toString() ?? '')).toEqual({ text: 'Deploy done', blocks });
    expect(harness.redacted).toContain(WEBHOOK_SECRET);
  });

  it('fails a refused webhook post as fatal with Slack’s error name', async () => {
    const err = await fails({ mode: 'webhook', webhookUrl: `${peer.webhookUrl}X`, text: 'hi' });
    expect(err).toBeInstanceOf(FatalError);
    expect(err).toMatchObject({ code: 'slack_invalid_token' });
    for (const [status, name] of [
      [404, 'channel_not_found'],
      [403, 'action_prohibited'],
      [400, 'invalid_payload'],
    ] as const) {
      peer.answerNext(htmlAnswer(status, name));
      const refused = await fails({ mode: 'webhook', webhookUrl: peer.webhookUrl, text: 'hi' });
      expect(refused).toBeInstanceOf(FatalError);
      expect(refused).toMatchObject({ code: `slack_${name}` });
    }
  });

  it('retries a rate-limited webhook post after its Retry-After, and a 500 rollup_error', async () => {
    peer.answerNext(htmlAnswer(429, 'rate_limited', { 'retry-after': '7' }));
    const limited = await fails({ mode: 'webhook', webhookUrl: peer.webhookUrl, text: 'hi' });
    expect(limited).toBeInstanceOf(RetryableError);
    expect(limited).toMatchObject({ code: 'slack_ratelimited', retryAfterMs: 7000 });
    peer.answerNext(htmlAnswer(500, 'rollup_error'));
    const broken = await fails({ mode: 'webhook', webhookUrl: peer.webhookUrl, text: 'hi' });
    expect(broken).toBeInstanceOf(RetryableError);
    expect(broken).toMatchObject({ code: 'slack_rollup_error' });
  });

  it('keeps the webhook URL out of the error when the peer echoes it back', async () => {
    peer.answerNext((req, res) => {
      res.writeHead(400, { 'content-type': 'text/html' });
      res.end(`bad post to ${req.url}`);
    });
    const err = await fails({ mode: 'webhook', webhookUrl: peer.webhookUrl, text: 'hi' });
    expect(err).toMatchObject({ name: 'FatalError', code: 'slack_rejected' });
    expect(err.message).toContain('400');
    expect(err.message).not.toContain(WEBHOOK_SECRET);
  });
});

describe('action.slack config', () => {
  const valid = (c: unknown) => slack.config.safeParse(c).success;

  it('needs text unless blocks are given, within Slack’s limits', () => {
    expect(valid(bot())).toBe(true);
    expect(valid({ ...bot(), text: undefined })).toBe(false);
    expect(valid({ ...bot(), text: '' })).toBe(false);
    expect(valid({ ...bot(), text: undefined, blocks: [{ type: 'divider' }] })).toBe(true);
    expect(valid({ ...bot(), text: 'x'.repeat(40_000) })).toBe(true);
    expect(valid({ ...bot(), text: 'x'.repeat(40_001) })).toBe(false);
    expect(valid({ ...bot(), blocks: Array.from({ length: 51 }, () => ({ type: 'divider' })) })).toBe(false);
    expect(valid({ ...bot(), blocks: [] })).toBe(false);
    expect(valid({ ...bot(), blocks: [{ text: 'no type' }] })).toBe(false);
    const missing = slack.config.safeParse({ ...bot(), text: undefined });
    expect(missing.error?.issues).toMatchObject([
      { path: ['text'], message: 'text is required unless blocks are given' },
    ]);
  });

  it('needs a channel and a credential in bot mode, a webhook URL in webhook mode', () => {
    expect(valid({ mode: 'bot', credential: CREDENTIAL_ID, text: 'hi' })).toBe(false);
    expect(valid({ mode: 'bot', channel: 'C1', text: 'hi' })).toBe(false);
    expect(valid({ ...bot(), threadTs: 'yesterday' })).toBe(false);
    expect(valid({ mode: 'webhook', text: 'hi' })).toBe(false);
    expect(valid({ mode: 'webhook', webhookUrl: 'ftp://hooks.example/x', text: 'hi' })).toBe(false);
    expect(valid({ mode: 'webhook', webhookUrl: 'https://hooks.slack.com/services/T/B/x', text: 'hi' })).toBe(
      true,
    );
    expect(
      valid({ mode: 'webhook', webhookUrl: 'https://hooks.slack.com/x', text: 'hi', channel: 'C1' }),
    ).toBe(false);
    expect(valid({ mode: 'email', text: 'hi' })).toBe(false);
  });

  it('is an action with I/O that masks the webhook URL and takes a slack credential', () => {
    expect(slack).toMatchObject({
      type: 'action.slack',
      category: 'action',
      icon: 'message-square',
      traits: { pure: false },
      canFail: true,
      secretFields: ['webhookUrl'],
      credentialTypes: ['slack'],
    });
    expect(slack.retry).toEqual({
      attempts: 3,
      backoff: 'exponential',
      delayMs: 1000,
      maxDelayMs: 60_000,
      jitter: true,
    });
  });

  it('keeps its JSON Schema for the editor', () => {
    expect(z.toJSONSchema(slack.config, { io: 'input' })).toMatchSnapshot();
  });
});
