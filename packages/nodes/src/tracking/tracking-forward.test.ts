import { FatalError, RetryableError } from '@tributary/flow';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { type HttpPeer, type RecordedRequest, startHttpPeer } from '../../test/peers/http-peer.js';
import type { NodeOutput } from '../define-node.js';
import { parseAllowList } from '../http/address-policy.js';
import { createGuardedHttpClient } from '../http/guarded-http-client.js';
import { onlyObject, runNode } from '../logic/test-context.js';
import { trackingForward } from './tracking-forward.js';

// The node forwards to a real peer on 127.0.0.1, through the real guarded client with 127.0.0.1 allowed.
const http = createGuardedHttpClient({ allow: parseAllowList('127.0.0.1') });
let peer: HttpPeer;

beforeAll(async () => {
  peer = await startHttpPeer();
});
afterAll(async () => {
  await Promise.all([peer.close(), http.close()]);
});
afterEach(() => {
  peer.requests.splice(0);
  peer.handle((_req, res) => res.end('ok'));
});

/** A track call as the tracking trigger emits it: the message as received, plus receivedAt. */
const TRACK = {
  type: 'track',
  event: 'Order Completed',
  userId: 'u-1',
  properties: { total: 40, currency: 'EUR' },
  context: { ip: '203.0.113.9' },
  messageId: 'msg-1',
  timestamp: '2025-01-01T09:59:58.000Z',
  receivedAt: '2025-01-01T10:00:00.000Z',
};

function segmentAnswers(): void {
  peer.handle((_req, res) => {
    res.setHeader('Content-Type', 'application/json');
    res.end('{"success":true}');
  });
}

function forward(config: Record<string, unknown>, input: unknown = TRACK): Promise<NodeOutput> {
  return runNode(trackingForward, { endpoint: peer.url, writeKey: 'wk_123', ...config }, input, { http });
}

async function fails(config: Record<string, unknown>, input: unknown = TRACK): Promise<Error> {
  try {
    await forward(config, input);
  } catch (err) {
    if (err instanceof Error) return err;
  }
  throw new Error('expected the node to fail');
}

function lastRequest(): RecordedRequest {
  const req = peer.requests.at(-1);
  if (!req) throw new Error('the peer got no request');
  return req;
}

function sentBody(): Record<string, unknown> {
  return JSON.parse(lastRequest().body.toString());
}

describe('action.tracking-forward', () => {
  it('posts the message to /v1/<type> with the write key as Basic user and emits the answer', async () => {
    segmentAnswers();
    const item = onlyObject(await forward({}));
    expect(item).toEqual({ status: 200, body: { success: true } });
    expect(lastRequest()).toMatchObject({ method: 'POST', url: '/v1/track' });
    expect(lastRequest().headers.authorization).toBe(`Basic ${Buffer.from('wk_123:').toString('base64')}`);
    expect(lastRequest().headers['content-type']).toBe('application/json');
  });

  it('sends the message without our receivedAt, with its messageId and a fresh sentAt', async () => {
    const before = Date.now();
    await forward({}, { ...TRACK, sentAt: '2024-12-31T00:00:00.000Z' });
    const { receivedAt: _ours, ...rest } = TRACK;
    const body = sentBody();
    expect(body).toEqual({ ...rest, sentAt: expect.any(String) });
    expect(body).not.toHaveProperty('receivedAt');
    expect(body.messageId).toBe('msg-1');
    const sentAt = Date.parse(String(body.sentAt));
    expect(sentAt).toBeGreaterThanOrEqual(before);
    expect(sentAt).toBeLessThanOrEqual(Date.now());
  });

  it.each(['identify', 'page', 'screen', 'group', 'alias'])(
    'posts a %s call to its own path',
    async (type) => {
      await forward({}, { ...TRACK, type });
      expect(lastRequest().url).toBe(`/v1/${type}`);
    },
  );

  it('appends the path to an endpoint with a base path or a trailing slash', async () => {
    await forward({ endpoint: `${peer.url}/segment//` });
    expect(lastRequest().url).toBe('/segment/v1/track');
  });

  it('sends the configured message instead of the input item', async () => {
    const message = { type: 'identify', userId: 'u-1', traits: { plan: 'pro' }, messageId: 'msg-9' };
    await forward({ message });
    expect(lastRequest().url).toBe('/v1/identify');
    expect(sentBody()).toEqual({ ...message, sentAt: expect.any(String) });
  });

  it('gives a message without a messageId the step’s idempotency key, the same on every attempt', async () => {
    const message = { type: 'track', event: 'Trial Ended', userId: 'u-1' };
    await forward({ message });
    await forward({ message });
    const [first, second] = peer.requests.map((r) => JSON.parse(r.body.toString()));
    expect(first.messageId).toBe('step-1');
    expect(second.messageId).toBe('step-1');
  });

  it('fails a 5xx as retryable', async () => {
    peer.handle((_req, res) => {
      res.statusCode = 503;
      res.end('busy');
    });
    const err = await fails({});
    expect(err).toBeInstanceOf(RetryableError);
    expect(err).toMatchObject({ code: 'http_5xx' });
    expect(err.message).toContain('503');
  });

  it('fails a 429 as retryable after the peer’s Retry-After', async () => {
    peer.handle((_req, res) => {
      res.writeHead(429, { 'Retry-After': '3' });
      res.end();
    });
    const err = await fails({});
    expect(err).toBeInstanceOf(RetryableError);
    expect(err).toMatchObject({ code: 'http_429', retryAfterMs: 3000 });
  });

  it('fails a 4xx as fatal, without the write key in the message', async () => {
    peer.handle((_req, res) => {
      res.statusCode = 401;
      res.end('{"error":"invalid write key"}');
    });
    const err = await fails({});
    expect(err).toBeInstanceOf(FatalError);
    expect(err).toMatchObject({ code: 'http_4xx' });
    expect(err.message).toContain('401');
    expect(err.message).not.toContain('wk_123');
  });

  it('fails as retryable when the peer does not answer in time', async () => {
    peer.handle(() => new Promise(() => {}));
    const err = await fails({ timeoutMs: 100 });
    expect(err).toBeInstanceOf(RetryableError);
  });

  it.each([
    ['no type', { event: 'Order Completed', userId: 'u-1' }],
    ['an unknown type', { ...TRACK, type: 'batch' }],
    ['a type that is not a string', { ...TRACK, type: 1 }],
    ['a list', [TRACK]],
    ['a string', 'Order Completed'],
    ['null', null],
  ])('fails fatally with invalid_message, sending nothing, for %s', async (_, input) => {
    const err = await fails({}, input);
    expect(err).toBeInstanceOf(FatalError);
    expect(err).toMatchObject({ code: 'invalid_message' });
    expect(peer.requests).toEqual([]);
  });

  it('checks the configured message, not the input, when one is set', async () => {
    const err = await fails({ message: { event: 'Order Completed' } }, TRACK);
    expect(err).toMatchObject({ code: 'invalid_message' });
    expect(peer.requests).toEqual([]);
  });

  it('refuses private addresses through ctx.http', async () => {
    const err = await fails({ endpoint: 'http://[::1]:9' });
    expect(err).toMatchObject({ code: 'ssrf_blocked' });
  });

  it('validates its config', () => {
    const parse = (c: unknown) => trackingForward.config.safeParse(c).success;
    expect(parse({ endpoint: 'https://api.segment.io', writeKey: 'wk' })).toBe(true);
    expect(parse({ endpoint: 'ftp://api.segment.io', writeKey: 'wk' })).toBe(false);
    expect(parse({ endpoint: 'api.segment.io', writeKey: 'wk' })).toBe(false);
    expect(parse({ endpoint: 'https://api.segment.io' })).toBe(false);
    expect(parse({ endpoint: 'https://api.segment.io', writeKey: '' })).toBe(false);
    expect(parse({ endpoint: 'https://api.segment.io', writeKey: 'wk', timeoutMs: 60_001 })).toBe(false);
    expect(parse({ endpoint: 'https://api.segment.io', writeKey: 'wk', extra: 1 })).toBe(false);
    expect(trackingForward.config.parse({ endpoint: 'https://api.segment.io', writeKey: 'wk' })).toEqual({
      endpoint: 'https://api.segment.io',
      writeKey: 'wk',
      timeoutMs: 10_000,
    });
  });

  it('is an action that masks the write key and retries five times', () => {
    expect(trackingForward).toMatchObject({ category: 'action', traits: { pure: false }, canFail: true });
    expect(trackingForward.secretFields).toEqual(['writeKey']);
    expect(trackingForward.retry.attempts).toBe(5);
  });

  it('keeps its JSON Schema for the editor', () => {
    expect(z.toJSONSchema(trackingForward.config, { io: 'input' })).toMatchSnapshot();
  });
});
