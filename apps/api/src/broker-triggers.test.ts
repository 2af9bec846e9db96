// Publishing flows with a broker trigger through the API: a config the consumer could not use is refused with
// 422 on its field, and the draft names the problem before publish does; a sound one publishes.
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import type { Credential } from './routes/credentials.js';
import type { Flow } from './routes/flows.js';
import { readJson, startTestApp, type TestApp } from './test-app.js';

let api: TestApp;
let credentialId: string;

beforeAll(async () => {
  api = await startTestApp(inject('templateDatabase'));
  const res = await api.call('POST', '/api/v1/credentials', {
    name: 'RabbitMQ',
    type: 'amqp',
    data: { url: 'amqp://guest:guest@127.0.0.1:5672' },
  });
  expect(res.status).toBe(201);
  credentialId = (await readJson<Credential>(res)).id;
});

afterAll(async () => {
  await api?.close();
});

let flows = 0;
async function draft(config: Record<string, unknown>) {
  flows += 1;
  const res = await api.call('POST', '/api/v1/flows?allowInvalid=true', {
    name: `Orders ${flows}`,
    slug: `orders-${flows}`,
    nodes: [
      { id: 'in', type: 'trigger.amqp', name: 'Order', config: { credential: credentialId, ...config } },
    ],
    edges: [],
  });
  expect(res.status).toBe(201);
  return (await res.json()) as { id: string; problems: Array<{ path: string; code: string }> };
}

describe('publishing a broker trigger', () => {
  test.each([
    ['a queue name computed by an expression', { queue: '{{ $json.queue }}' }, 'nodes[0].config.queue'],
    ['a queue name the broker reserves', { queue: 'amq.orders' }, 'nodes[0].config.queue'],
    ['a prefetch out of range', { queue: 'orders', prefetch: 0 }, 'nodes[0].config.prefetch'],
  ])('%s is refused with 422 on that field, and shown on the draft', async (_, config, path) => {
    const flow = await draft(config);
    expect(flow.problems).toEqual([expect.objectContaining({ path })]);
    const res = await api.call('POST', `/api/v1/flows/${flow.id}/publish`);
    expect(res.status).toBe(422);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    expect(JSON.stringify(await res.json())).toContain(path);
    expect((await readJson<Flow>(await api.call('GET', `/api/v1/flows/${flow.id}`))).status).not.toBe(
      'published',
    );
  });

  test('a sound config publishes', async () => {
    const flow = await draft({ queue: 'orders', prefetch: 5 });
    expect(flow.problems).toEqual([]);
    expect((await api.call('POST', `/api/v1/flows/${flow.id}/publish`)).status).toBe(200);
  });
});
