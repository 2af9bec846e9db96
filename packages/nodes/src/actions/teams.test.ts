import { FatalError, RetryableError } from '@tributary/flow';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { actionHarness, answer, errorOf } from '../../test/action-harness.js';
import { startTeamsPeer, type TeamsPeer } from '../../test/peers/teams-peer.js';
import { onlyObject } from '../logic/test-context.js';
import { teams } from './teams.js';

// The node talks to a Teams peer on 127.0.0.1 through the real guarded client with 127.0.0.1 allowed.
const SECRET = 'c0ffee5ecret0123456789abcdef0123';
const harness = actionHarness();
let peer: TeamsPeer;

beforeAll(async () => {
  peer = await startTeamsPeer(SECRET);
});
afterAll(() => peer.close());
afterEach(() => peer.reset());

type Config = z.input<typeof teams.config>;

const card = {
  type: 'AdaptiveCard' as const,
  version: '1.4',
  body: [{ type: 'TextBlock', text: 'Build failed', weight: 'Bolder' }],
};

const run = (config: Partial<Config>) => harness.run(teams, { webhookUrl: peer.webhookUrl, ...config });
const fails = (config: Partial<Config>) => errorOf(run(config));

/** The next answer, in the plain text an incoming webhook answers with. */
function answerNext(status: number, body: string, headers: Record<string, string> = {}) {
  peer.answerNext(answer(status, body, { 'content-type': 'text/plain; charset=utf-8', ...headers }));
}

describe('action.teams', () => {
  it('posts text to an incoming webhook', async () => {
    expect(onlyObject(await run({ text: 'Deploy **done**' }))).toEqual({ ok: true, status: 200 });
    const [req] = peer.http.requests;
    expect(req?.method).toBe('POST');
    expect(req?.url).toBe(new URL(peer.webhookUrl).pathname);
    expect(req?.headers['content-type']).toBe('application/json');
    expect(JSON.parse(req?.body.toString() ?? '')).toEqual({ text: 'Deploy **done**' });
    expect(harness.redacted).toContain(SECRET);
  });

  it('posts an Adaptive Card as a message attachment to a workflow, which answers 202', async () => {
    const item = onlyObject(await run({ webhookUrl: peer.workflowUrl, card }));
    expect(item).toEqual({ ok: true, status: 202 });
    expect(peer.http.requests[0]?.url).toContain('/triggers/manual/paths/invoke?api-version=1');
    expect(JSON.parse(peer.http.requests[0]?.body.toString() ?? '')).toEqual({
      type: 'message',
      attachments: [
        { contentType: 'application/vnd.microsoft.card.adaptive', contentUrl: null, content: card },
      ],
    });
    expect(peer.posted).toHaveLength(1);
  });

  it('retries a 429 after its Retry-After, and a 5xx', async () => {
    answerNext(429, 'Too Many Requests', { 'retry-after': '12' });
    const limited = await fails({ text: 'hi' });
    expect(limited).toBeInstanceOf(RetryableError);
    expect(limited).toMatchObject({ code: 'teams_rate_limited', retryAfterMs: 12_000 });
    answerNext(503, 'Service Unavailable');
    const down = await fails({ text: 'hi' });
    expect(down).toBeInstanceOf(RetryableError);
    expect(down).toMatchObject({ code: 'teams_unavailable' });
  });

  it('reads a failure an incoming webhook buries in a 200 answer', async () => {
    const buried = (status: number) =>
      `Webhook message delivery failed with error: Microsoft Teams endpoint returned HTTP error ${status} with ContextId tcid=0,server=msgapi-production-eus-azsc2-4-170,cv=deadbeef.0..`;
    answerNext(200, buried(429));
    expect(await fails({ text: 'hi' })).toMatchObject({ name: 'RetryableError', code: 'teams_rate_limited' });
    answerNext(200, buried(413));
    const tooBig = await fails({ text: 'hi' });
    expect(tooBig).toBeInstanceOf(FatalError);
    expect(tooBig).toMatchObject({ code: 'teams_rejected' });
    expect(tooBig.message).toContain('HTTP error 413');
  });

  it('fails a refused payload as fatal with the answer’s text', async () => {
    // what an incoming webhook answers a payload it cannot render (an unknown card element, a bad field)
    answerNext(400, 'Bad payload received by generic incoming webhook.');
    const err = await fails({ text: 'hi' });
    expect(err).toBeInstanceOf(FatalError);
    expect(err).toMatchObject({ code: 'teams_bad_request' });
    expect(err.message).toContain('Bad payload received by generic incoming webhook.');
  });

  it('fails a workflow URL with a wrong signature as fatal, without the signature in the error', async () => {
    const wrongSig = 'WrongSignature0123456789abcdefXYZ';
    const err = await fails({ webhookUrl: peer.workflowUrl.replace(SECRET, wrongSig), text: 'hi' });
    expect(err).toBeInstanceOf(FatalError);
    expect(err).toMatchObject({ code: 'teams_rejected' });
    expect(err.message).toContain('401');
    expect(err.message).toContain('DirectApiInvalidAuthorizationSignature');
    expect(err.message).not.toContain(wrongSig);
  });

  it('keeps the webhook secret out of the error when the peer echoes it back', async () => {
    peer.answerNext((req, res) => {
      res.writeHead(400, { 'content-type': 'text/plain' });
      res.end(`No connector at ${req.url}`);
    });
    const err = await fails({ text: 'hi' });
    expect(err).toMatchObject({ name: 'FatalError', code: 'teams_bad_request' });
    expect(err.message).toContain('No connector at');
    expect(err.message).not.toContain(SECRET);
  });
});

describe('action.teams config', () => {
  const valid = (c: Partial<Config>) =>
    teams.config.safeParse({ webhookUrl: 'https://example.webhook.office.com/webhookb2/x', ...c }).success;

  it('needs text or a card, not both', () => {
    expect(valid({ text: 'hi' })).toBe(true);
    expect(valid({ card })).toBe(true);
    expect(valid({})).toBe(false);
    expect(valid({ text: '' })).toBe(false);
    expect(valid({ text: 'hi', card })).toBe(false);
    expect(valid({ text: 'x'.repeat(28_001) })).toBe(false);
    expect(teams.config.safeParse({ webhookUrl: 'https://x.example/w' }).error?.issues).toMatchObject([
      { path: ['text'], message: 'text or card is required' },
    ]);
  });

  it('takes only an Adaptive Card with a version', () => {
    expect(valid({ card: { type: 'AdaptiveCard', version: '1.5' } })).toBe(true);
    expect(valid({ card: { ...card, $schema: 'http://adaptivecards.io/schemas/adaptive-card.json' } })).toBe(
      true,
    );
    // @ts-expect-error a MessageCard is not an Adaptive Card
    expect(valid({ card: { type: 'MessageCard', version: '1.0' } })).toBe(false);
    // @ts-expect-error the version is required
    expect(valid({ card: { type: 'AdaptiveCard' } })).toBe(false);
    expect(valid({ card: { type: 'AdaptiveCard', version: 'latest' } })).toBe(false);
    // @ts-expect-error body is a list of elements
    expect(valid({ card: { type: 'AdaptiveCard', version: '1.4', body: { type: 'TextBlock' } } })).toBe(
      false,
    );
  });

  it('is an action with I/O that masks the webhook URL', () => {
    expect(teams).toMatchObject({
      type: 'action.teams',
      category: 'action',
      icon: 'users',
      traits: { pure: false },
      secretFields: ['webhookUrl'],
    });
    expect(teams.retry).toMatchObject({ attempts: 3, backoff: 'exponential', delayMs: 1000 });
  });

  it('keeps its JSON Schema for the editor', () => {
    expect(z.toJSONSchema(teams.config, { io: 'input' })).toMatchSnapshot();
  });
});
