import { FatalError, RetryableError } from '@tributary/flow';
import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  actionHarness,
  answer,
  errorOf,
  lastRequest,
  storedCredential,
  withPeer,
} from '../../test/action-harness.js';
import { type HttpPeer, type RecordedRequest, startHttpPeer } from '../../test/peers/http-peer.js';
import type { NodeCredential } from '../credentials/http-auth.js';
import type { NodeOutput } from '../define-node.js';
import { onlyObject } from '../logic/test-context.js';
import { httpRequest } from './http-request.js';
import { signStandardWebhook, webhookOut } from './webhook-out.js';

// A receiver on 127.0.0.1 checks each request with the official Standard Webhooks library.
const harness = actionHarness();
const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const CREDENTIAL_ID = '5f0c1c1e-8d4f-4b7a-9a3e-2c6d7e8f9a10';
let peer: HttpPeer;

beforeAll(async () => {
  peer = await startHttpPeer();
});
afterAll(() => peer.close());
afterEach(() => peer.reset());

function credential(allowedHosts: string[] = []): NodeCredential {
  const data = { secret: SECRET };
  return storedCredential({
    id: CREDENTIAL_ID,
    name: 'partner hooks',
    type: 'webhook.signing',
    data,
    allowedHosts,
  });
}

interface RunOptions {
  idempotencyKey?: string;
  credential?: NodeCredential;
}

function run(config: Record<string, unknown>, options: RunOptions = {}): Promise<NodeOutput> {
  const full = { credential: CREDENTIAL_ID, url: `${peer.url}/hooks`, body: { orderId: 42 }, ...config };
  // the tests build configs the schema parses: runNode checks them
  return harness.run(webhookOut, full as z.input<typeof webhookOut.config>, {
    idempotencyKey: options.idempotencyKey ?? 'step-9',
    credential: options.credential ?? credential(),
  });
}

const fails = (config: Record<string, unknown>, options: RunOptions = {}) => errorOf(run(config, options));

function signatureHeaders(req: RecordedRequest): Record<string, string> {
  const pick = (name: string) => {
    const value = req.headers[name];
    if (typeof value !== 'string') throw new Error(`no ${name} header`);
    return value;
  };
  return {
    'webhook-id': pick('webhook-id'),
    'webhook-timestamp': pick('webhook-timestamp'),
    'webhook-signature': pick('webhook-signature'),
  };
}

describe('action.webhook-out', () => {
  it('sends a body the official Standard Webhooks library verifies', async () => {
    const body = { orderId: 42, total: 19.9, items: [{ sku: 'ä-1' }] };
    const before = Math.floor(Date.now() / 1000);
    await run({ body });
    const req = lastRequest(peer);
    expect(req).toMatchObject({ method: 'POST', url: '/hooks' });
    expect(req.headers['content-type']).toBe('application/json');
    expect(req.body.toString()).toBe(JSON.stringify(body));
    const headers = signatureHeaders(req);
    expect(headers['webhook-id']).toBe('msg_step-9');
    expect(headers['webhook-timestamp']).toMatch(/^\d+$/);
    expect(Number(headers['webhook-timestamp'])).toBeGreaterThanOrEqual(before);
    expect(Number(headers['webhook-timestamp'])).toBeLessThanOrEqual(Math.floor(Date.now() / 1000));
    expect(new Webhook(SECRET).verify(req.body.toString(), headers)).toEqual(body);
  });

  it('fails verification under another secret', async () => {
    await run({});
    const req = lastRequest(peer);
    const other = new Webhook('whsec_QW5vdGhlclNlY3JldEFub3RoZXJTZWNyZXQ=');
    expect(() => other.verify(req.body.toString(), signatureHeaders(req))).toThrow(WebhookVerificationError);
  });

  it('fails verification when the body was changed on the way', async () => {
    await run({});
    const req = lastRequest(peer);
    const tampered = req.body.toString().replace('42', '43');
    expect(() => new Webhook(SECRET).verify(tampered, signatureHeaders(req))).toThrow(
      WebhookVerificationError,
    );
  });

  it('sends the same webhook-id when a step is retried, each attempt signed on its own', async () => {
    peer.handle(answer(503));
    await expect(run({}, { idempotencyKey: 'step-retried' })).rejects.toBeInstanceOf(RetryableError);
    peer.handle(answer(200, 'ok'));
    await run({}, { idempotencyKey: 'step-retried' });
    expect(peer.requests).toHaveLength(2);
    const [first, second] = peer.requests.map(signatureHeaders);
    expect(first?.['webhook-id']).toBe('msg_step-retried');
    expect(second?.['webhook-id']).toBe('msg_step-retried');
    for (const req of peer.requests) {
      expect(new Webhook(SECRET).verify(req.body.toString(), signatureHeaders(req))).toEqual({ orderId: 42 });
    }
  });

  it('signs as the Standard Webhooks library does', () => {
    const at = new Date('2024-05-01T12:00:00Z');
    const payload = '{"a":1}';
    expect(signStandardWebhook(SECRET, 'msg_1', at.getTime() / 1000, payload)).toBe(
      new Webhook(SECRET).sign('msg_1', at, payload),
    );
  });

  it('wraps the body in the { type, timestamp, data } envelope when given an event type', async () => {
    await run({ eventType: 'order.paid', body: { orderId: 7 } });
    const req = lastRequest(peer);
    const headers = signatureHeaders(req);
    const sent = new Webhook(SECRET).verify(req.body.toString(), headers);
    expect(sent).toEqual({
      type: 'order.paid',
      timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      data: { orderId: 7 },
    });
    const { timestamp } = sent as { timestamp: string };
    expect(Math.floor(Date.parse(timestamp) / 1000)).toBe(Number(headers['webhook-timestamp']));
  });

  it('sends any JSON value as the body, a string included', async () => {
    await run({ body: 'hello' });
    expect(lastRequest(peer).body.toString()).toBe('"hello"');
    await run({ body: [1, null, true] });
    expect(lastRequest(peer).body.toString()).toBe('[1,null,true]');
  });

  it('sends the flow’s headers, and lets a Content-Type replace application/json', async () => {
    await run({ headers: { 'X-Tenant': 'acme', 'Content-Type': 'application/cloudevents+json' } });
    const req = lastRequest(peer);
    expect(req.headers['x-tenant']).toBe('acme');
    expect(req.headers['content-type']).toBe('application/cloudevents+json');
    expect(new Webhook(SECRET).verify(req.body.toString(), signatureHeaders(req))).toEqual({ orderId: 42 });
  });

  it('refuses headers that would replace the signature', () => {
    for (const name of ['webhook-id', 'Webhook-Timestamp', 'WEBHOOK-SIGNATURE']) {
      const result = webhookOut.config.safeParse({
        credential: CREDENTIAL_ID,
        url: 'https://hooks.example.com/x',
        body: {},
        headers: { [name]: 'forged' },
      });
      expect(result.success).toBe(false);
      expect(result.error?.issues.map((i) => i.message)).toEqual([
        'webhook-id, webhook-timestamp and webhook-signature are set by the signature and cannot be given',
      ]);
    }
  });

  it('emits the receiver’s status and decoded answer with the webhook-id', async () => {
    peer.handle(answer(202, { received: true }));
    expect(onlyObject(await run({}))).toEqual({
      status: 202,
      webhookId: 'msg_step-9',
      body: { received: true },
    });
  });

  it('retries 408, 429 and 5xx, after the receiver’s Retry-After', async () => {
    peer.handle(answer(429, undefined, { 'retry-after': '7' }));
    const limited = await fails({});
    expect(limited).toBeInstanceOf(RetryableError);
    expect(limited).toMatchObject({ code: 'http_429', retryAfterMs: 7000 });
    for (const [status, code] of [
      [408, 'http_408'],
      [500, 'http_5xx'],
      [503, 'http_5xx'],
    ] as const) {
      peer.handle(answer(status));
      const err = await fails({});
      expect(err).toBeInstanceOf(RetryableError);
      expect(err).toMatchObject({ code });
    }
  });

  it('fails other 4xx answers and redirects at once', async () => {
    peer.handle(answer(410, 'subscription gone'));
    const gone = await fails({});
    expect(gone).toBeInstanceOf(FatalError);
    expect(gone).toMatchObject({ code: 'http_4xx' });
    expect(gone.message).toContain('subscription gone');
    peer.requests.splice(0);
    peer.handle((req, res) => {
      if (req.url === '/hooks') res.writeHead(308, { location: '/moved' });
      res.end();
    });
    const moved = await fails({});
    expect(moved).toBeInstanceOf(FatalError);
    expect(moved).toMatchObject({ code: 'http_3xx' });
    expect(peer.requests.map((r) => r.url)).toEqual(['/hooks']);
  });

  it('sends nothing to a host outside the credential’s allowedHosts', async () => {
    await withPeer(async (fresh) => {
      const err = await fails({ url: `${fresh.url}/hooks` }, { credential: credential(['example.com']) });
      expect(err).toBeInstanceOf(FatalError);
      expect(err).toMatchObject({ code: 'host_not_allowed' });
      expect(fresh.requests.length).toBe(0);
      expect(fresh.connections).toBe(0);
    });
  });

  it('validates its config', () => {
    const parse = (config: Record<string, unknown>) =>
      webhookOut.config.safeParse({
        credential: CREDENTIAL_ID,
        url: 'https://hooks.example.com/x',
        ...config,
      }).success;
    expect(parse({ body: { a: 1 } })).toBe(true);
    expect(parse({ body: null })).toBe(true);
    expect(parse({})).toBe(false);
    expect(parse({ body: {}, url: 'ftp://hooks.example.com/x' })).toBe(false);
    expect(parse({ body: {}, eventType: '' })).toBe(false);
    expect(parse({ body: {}, headers: { 'x-a': 'one\r\nx-b: two' } })).toBe(false);
    expect(parse({ body: {}, secret: SECRET })).toBe(false);
  });

  it('is an action with I/O that takes a signing secret, retried like action.http', () => {
    expect(webhookOut).toMatchObject({
      type: 'action.webhook-out',
      category: 'action',
      icon: 'send',
      credentialTypes: ['webhook.signing'],
      traits: { pure: false },
      canFail: true,
    });
    expect(webhookOut.retry).toEqual(httpRequest.retry);
  });

  it('keeps its JSON Schema for the editor', () => {
    expect(z.toJSONSchema(webhookOut.config, { io: 'input' })).toMatchSnapshot();
  });
});
