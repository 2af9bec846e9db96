// Webhook triggers whose secret is a credential, over a real HTTP server: Standard Webhooks, Stripe and GitHub
// signatures are accepted and bad ones refused (401, no event stored); a credential that is gone or replaced
// takes effect at once; publish refuses a credential of the wrong type for the auth.
import { createHmac, randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { schema } from '@tributary/db';
import { captureLog } from '@tributary/engine/testing';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import type { Credential } from '../routes/credentials.js';
import type { Flow } from '../routes/flows.js';
import type { Event } from '../routes/runs.js';
import {
  type AcceptedEvent,
  readJson,
  readProblem,
  startTestApp,
  type TestApp,
  type WebhookItem,
} from '../test-app.js';
import { postChunks } from './test-post.js';

const log = captureLog('info');
let api: TestApp;
let server: ReturnType<typeof serve>;
let port = 0;

beforeAll(async () => {
  api = await startTestApp(inject('templateDatabase'), {}, { logger: log.logger });
  server = serve({ fetch: api.app.fetch, port: 0, hostname: '127.0.0.1' });
  await new Promise((resolve) => server.once('listening', resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
  await api?.close();
});

async function credential(name: string, type: string, data: Record<string, unknown>): Promise<string> {
  const res = await api.call('POST', '/api/v1/credentials', { name, type, data });
  expect(res.status).toBe(201);
  return (await readJson<Credential>(res)).id;
}

function webhookFlow(slug: string, auth: Record<string, unknown>) {
  return {
    name: slug,
    slug,
    nodes: [
      { id: 'hook', type: 'trigger.webhook', name: 'Hook', config: { path: slug, auth } },
      { id: 'set', type: 'logic.set', name: 'Set', config: { fields: { seen: true } } },
    ],
    edges: [{ id: 'e1', source: 'hook', target: 'set' }],
  };
}

/** Creates and publishes; the publish answer. */
async function publish(slug: string, auth: Record<string, unknown>): Promise<Response> {
  const created = await readJson<Flow>(await api.call('POST', '/api/v1/flows', webhookFlow(slug, auth)));
  return api.call('POST', `/api/v1/flows/${created.id}/publish`);
}

/** The event a webhook's 202 answer (its text) names, its payload the webhook's item. */
async function storedEvent(answer: string): Promise<Event & { payload: WebhookItem }> {
  const { eventId } = JSON.parse(answer) as AcceptedEvent;
  return readJson<Event & { payload: WebhookItem }>(await api.call('GET', `/api/v1/events/${eventId}`));
}

function post(slug: string, headers: Record<string, string>, body: string) {
  return postChunks({
    port,
    path: `/hooks/${slug}`,
    headers: [['content-type', 'application/json'], ...Object.entries(headers)],
    chunks: [body],
  });
}

function eventsOf(slug: string) {
  return api.t.engine.ctx.db.$count(schema.events, eq(schema.events.source, `webhook:${slug}`));
}

const body = JSON.stringify({ order: { id: 42, note: 'café' } });
const nowS = () => Math.floor(Date.now() / 1000);

describe('Standard Webhooks', () => {
  const secret = `whsec_${randomBytes(24).toString('base64')}`;
  const key = Buffer.from(secret.slice('whsec_'.length), 'base64');
  const sign = (id: string, t: number, content: string, k = key) =>
    `v1,${createHmac('sha256', k).update(`${id}.${t}.${content}`).digest('base64')}`;

  beforeAll(async () => {
    const id = await credential('std signing', 'webhook.signing', { secret });
    expect((await publish('std', { type: 'standard-webhooks', credential: id })).status).toBe(200);
  });

  test('a signed request is accepted, stored without its signature; a bad one gets 401 and no event', async () => {
    const t = nowS();
    const headers = { 'webhook-id': 'msg_1', 'webhook-timestamp': String(t) };
    const good = await post('std', { ...headers, 'webhook-signature': sign('msg_1', t, body) }, body);
    expect(good.status).toBe(202);
    const { payload } = await storedEvent(good.body);
    expect(payload.body).toEqual({ order: { id: 42, note: 'café' } });
    expect(payload.headers).toMatchObject(headers);
    expect(payload.headers).not.toHaveProperty('webhook-signature');

    const before = await eventsOf('std');
    const other = randomBytes(24);
    for (const signature of [sign('msg_2', t, body, other), sign('msg_2', t, '{}'), sign('msg_1', t, body)]) {
      const bad = await post(
        'std',
        { 'webhook-id': 'msg_2', 'webhook-timestamp': String(t), 'webhook-signature': signature },
        body,
      );
      expect(bad.status).toBe(401);
      expect(JSON.parse(bad.body)).toMatchObject({ code: 'unauthorized' });
    }
    const stale = t - 600;
    const old = await post(
      'std',
      {
        'webhook-id': 'msg_3',
        'webhook-timestamp': String(stale),
        'webhook-signature': sign('msg_3', stale, body),
      },
      body,
    );
    expect(old.status).toBe(401);
    expect(await eventsOf('std')).toBe(before);
  });
});

describe('Stripe and GitHub', () => {
  const stripeSecret = 'whsec_stripe_endpoint_7c1d2e';
  const githubSecret = 'github-webhook-secret-91f';

  beforeAll(async () => {
    const stripe = await credential('stripe endpoint', 'webhook.hmac', { secret: stripeSecret });
    const github = await credential('github hook', 'webhook.hmac', { secret: githubSecret });
    expect((await publish('stripe', { type: 'stripe', credential: stripe })).status).toBe(200);
    expect((await publish('github', { type: 'github', credential: github })).status).toBe(200);
  });

  test('Stripe: a Stripe-Signature of the body is accepted; one of another body is refused', async () => {
    const t = nowS();
    const v1 = (content: string) =>
      createHmac('sha256', stripeSecret).update(`${t}.${content}`).digest('hex');
    const good = await post('stripe', { 'stripe-signature': `t=${t},v1=${v1('{}')},v1=${v1(body)}` }, body);
    expect(good.status).toBe(202);
    const before = await eventsOf('stripe');
    expect((await post('stripe', { 'stripe-signature': `t=${t},v1=${v1('{}')}` }, body)).status).toBe(401);
    expect(await eventsOf('stripe')).toBe(before);
  });

  test('GitHub: X-Hub-Signature-256 of the body is accepted; a wrong one is refused', async () => {
    const hex = createHmac('sha256', githubSecret).update(body).digest('hex');
    const good = await post(
      'github',
      { 'x-hub-signature-256': `sha256=${hex}`, 'x-github-event': 'push' },
      body,
    );
    expect(good.status).toBe(202);
    const { payload } = await storedEvent(good.body);
    expect(payload.headers).toMatchObject({ 'x-github-event': 'push' });
    expect(payload.headers).not.toHaveProperty('x-hub-signature-256');
    const before = await eventsOf('github');
    expect((await post('github', { 'x-hub-signature-256': `sha256=${'0'.repeat(64)}` }, body)).status).toBe(
      401,
    );
    expect(await eventsOf('github')).toBe(before);
  });
});

describe('the credential behind a trigger', () => {
  test('a new value takes effect at once, and a deleted credential refuses with 401 and a warning, never 500', async () => {
    const id = await credential('rotating token', 'webhook.header', {
      name: 'x-token',
      value: 'first-value',
    });
    expect((await publish('rotating', { type: 'header', credential: id })).status).toBe(200);
    expect((await post('rotating', { 'x-token': 'first-value' }, body)).status).toBe(202);

    const update = await api.call('PUT', `/api/v1/credentials/${id}`, { data: { value: 'second-value' } });
    expect(update.status).toBe(200);
    expect((await post('rotating', { 'x-token': 'first-value' }, body)).status).toBe(401);
    expect((await post('rotating', { 'x-token': 'second-value' }, body)).status).toBe(202);

    expect((await api.call('DELETE', `/api/v1/credentials/${id}?force=true`)).status).toBe(204);
    const before = await eventsOf('rotating');
    const gone = await post('rotating', { 'x-token': 'second-value' }, body);
    expect(gone.status).toBe(401);
    expect(await eventsOf('rotating')).toBe(before);
    const warning = log.records().find((l) => l.reason === 'credential_not_found');
    expect(warning).toMatchObject({ level: 40, flow: 'rotating', credentialId: id });
    expect(warning?.msg).toContain('flow "rotating"');
    const logs = log.lines.join('');
    expect(logs).not.toContain('first-value');
    expect(logs).not.toContain('second-value');
  });

  test('publish refuses a credential whose type does not fit the auth, on the auth credential field', async () => {
    const hmac = await credential('an hmac secret', 'webhook.hmac', { secret: 'not-a-header-token' });
    const refused = await publish('mismatched', { type: 'header', credential: hmac });
    expect(refused.status).toBe(422);
    expect((await readProblem(refused)).problems).toEqual([
      expect.objectContaining({
        path: 'nodes[0].config.auth.credential',
        code: 'wrong_credential_type',
        message: expect.stringContaining('accepts webhook.header'),
      }),
    ]);
    const signing = await credential('a signing secret', 'webhook.signing', {
      secret: `whsec_${randomBytes(24).toString('base64')}`,
    });
    expect((await publish('mismatched-stripe', { type: 'stripe', credential: signing })).status).toBe(422);
  });
});
