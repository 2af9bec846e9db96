// Webhooks over a real HTTP server: behind @hono/node-server the body and headers are read from Node's
// request, not a web Request — the same answers and the same stored event as in-process.
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { afterAll, beforeAll, expect, inject, test } from 'vitest';
import type { Credential } from '../routes/credentials.js';
import type { Flow } from '../routes/flows.js';
import type { Event } from '../routes/runs.js';
import { readJson, startTestApp, type TestApp, type WebhookItem } from '../test-app.js';
import { postChunks } from './test-post.js';

let api: TestApp;
let server: ReturnType<typeof serve>;
let port = 0;

beforeAll(async () => {
  api = await startTestApp(inject('templateDatabase'), { TRIBUTARY_MAX_BODY: '1024' });
  server = serve({ fetch: api.app.fetch, port: 0, hostname: '127.0.0.1' });
  await new Promise((resolve) => server.once('listening', resolve));
  port = (server.address() as AddressInfo).port;
  const credential = await api.call('POST', '/api/v1/credentials', {
    name: 'over-http token',
    type: 'webhook.header',
    data: { name: 'X-Token', value: 'token-over-http' },
  });
  expect(credential.status).toBe(201);
  const { id: tokenId } = await readJson<Credential>(credential);
  const flow = {
    name: 'Over HTTP',
    slug: 'over-http',
    nodes: [
      {
        id: 'hook',
        type: 'trigger.webhook',
        name: 'Hook',
        config: { path: 'over-http', auth: { type: 'header', credential: tokenId } },
      },
      { id: 'set', type: 'logic.set', name: 'Set', config: { fields: { seen: true } } },
    ],
    edges: [{ id: 'e1', source: 'hook', target: 'set' }],
  };
  const created = await readJson<Flow>(await api.call('POST', '/api/v1/flows', flow));
  expect((await api.call('POST', `/api/v1/flows/${created.id}/publish`)).status).toBe(200);
});

afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
  await api?.close();
});

/** Sends raw header pairs (repeats kept) and the body in the given chunks. */
function post(headers: Array<[string, string]>, chunks: string[]) {
  return postChunks({ port, path: '/hooks/over-http?x=1', headers, chunks });
}

test('an event sent in chunks is stored with its headers; credentials and cookies are not', async () => {
  const answer = await post(
    [
      ['content-type', 'application/json'],
      ['x-token', 'token-over-http'],
      ['authorization', 'Bearer not-stored'],
      ['cookie', 'session=not-stored'],
      ['x-tag', 'a'],
      ['x-tag', 'b'],
    ],
    ['{"order":', '{"id":7,"note":"café"}}'],
  );
  expect(answer.status).toBe(202);
  const { eventId } = JSON.parse(answer.body);
  const event = await readJson<Event>(await api.call('GET', `/api/v1/events/${eventId}`));
  const payload = event.payload as WebhookItem;
  expect(payload.body).toEqual({ order: { id: 7, note: 'café' } });
  expect(payload.query).toEqual({ x: '1' });
  expect(payload.headers).toMatchObject({ 'content-type': 'application/json', 'x-tag': 'a, b' });
  for (const name of ['x-token', 'authorization', 'cookie']) expect(payload.headers).not.toHaveProperty(name);

  expect(JSON.stringify(event)).not.toContain('token-over-http');
});

test('a wrong token is refused, and a body past the limit gets 413 while streaming; neither is stored', async () => {
  const before = await (await api.call('GET', '/api/v1/events?source=webhook:over-http')).json();
  const refused = await post(
    [
      ['content-type', 'application/json'],
      ['x-token', 'wrong'],
    ],
    ['{}'],
  );
  expect(refused.status).toBe(401);
  const big = await post(
    [
      ['content-type', 'application/json'],
      ['x-token', 'token-over-http'],
    ],
    ['{"pad":"', 'x'.repeat(800), 'y'.repeat(800), '"}'],
  );
  expect(big.status).toBe(413);
  expect(JSON.parse(big.body)).toMatchObject({ code: 'payload_too_large' });
  const after = await (await api.call('GET', '/api/v1/events?source=webhook:over-http')).json();
  expect(after).toEqual(before);
});
