// Flow control through the HTTP API (app.request, real Postgres and Redis): bad concurrency, partition key,
// throttle and debounce settings are refused with a 422 naming the path and change nothing; a webhook flow with a partition key
// records each run's key, and GET /api/v1/runs?key= finds the runs of one key.
import { waitFor } from '@tributary/engine/testing';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { startTestApp, type TestApp } from './test-app.js';

let api: TestApp;

beforeAll(async () => {
  api = await startTestApp(inject('templateDatabase'));
});

afterAll(async () => {
  await api?.close();
});

let n = 0;
function hookFlow(settings: unknown) {
  n += 1;
  return {
    name: `Per customer ${n}`,
    slug: `per-customer-${n}`,
    settings,
    nodes: [
      { id: 'hook', type: 'trigger.webhook', name: 'Order', config: { path: `per-customer-${n}` } },
      { id: 'set', type: 'logic.set', name: 'Shape', config: { fields: { seen: true } } },
    ],
    edges: [{ id: 'e1', source: 'hook', target: 'set' }],
  };
}

async function flowCount(): Promise<number> {
  const res = await api.call('GET', '/api/v1/flows?limit=200');
  expect(res.status).toBe(200);
  return ((await res.json()) as { items: unknown[] }).items.length;
}

describe('flow control settings', () => {
  test.each([
    ['zero', { concurrency: 0 }, 'settings.concurrency'],
    ['negative', { concurrency: -3 }, 'settings.concurrency'],
    ['not an integer', { concurrency: 1.5 }, 'settings.concurrency'],
    ['a string', { concurrency: '2' }, 'settings.concurrency'],
    ['an unknown setting', { concurency: 2 }, 'settings'],
    ['a partition key that is no expression', { partitionKey: '{{ $json.body. }}' }, 'settings.partitionKey'],
    ['an empty partition key', { partitionKey: '  ' }, 'settings.partitionKey'],
    ['a partition key that is not text', { partitionKey: 7 }, 'settings.partitionKey'],
    ['a throttle limit of zero', { throttle: { limit: 0, periodMs: 1000 } }, 'settings.throttle.limit'],
    ['a negative throttle period', { throttle: { limit: 1, periodMs: -5 } }, 'settings.throttle.periodMs'],
    [
      'a throttle field nobody knows',
      { throttle: { limit: 1, periodMs: 1000, burst: 2 } },
      'settings.throttle',
    ],
    [
      'a throttle key that is no expression',
      { throttle: { limit: 1, periodMs: 9, key: '{{ ) }}' } },
      'settings.throttle.key',
    ],
    ['a debounce without a key', { debounce: { windowMs: 500 } }, 'settings.debounce.key'],
    [
      'a fractional debounce window',
      { debounce: { windowMs: 1.5, key: '{{ $json.id }}' } },
      'settings.debounce.windowMs',
    ],
  ])('%s is refused with a 422 naming the path, and nothing is saved', async (_, settings, path) => {
    const before = await flowCount();
    const res = await api.call('POST', '/api/v1/flows', hookFlow(settings));
    expect(res.status).toBe(422);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    const body = (await res.json()) as { problems: Array<{ path: string; message: string }> };
    // the problem names the setting (an unknown field: the object that holds it, or the field itself)
    expect(body.problems.some((p) => p.path === path || p.path.startsWith(`${path}.`))).toBe(true);
    expect(await flowCount()).toBe(before);
  });

  test('a time zone that is no IANA zone is refused with a 422 naming it, and nothing is saved', async () => {
    const before = await flowCount();
    const res = await api.call('POST', '/api/v1/flows', hookFlow({ timezone: 'Europe/Atlantis' }));
    expect(res.status).toBe(422);
    const body = (await res.json()) as { problems: Array<{ path: string; message: string }> };
    expect(body.problems).toContainEqual(
      expect.objectContaining({
        path: 'settings.timezone',
        message: expect.stringContaining('an IANA time zone such as Europe/Berlin'),
      }),
    );
    expect(await flowCount()).toBe(before);
  });

  test('each run records its key, and GET /api/v1/runs?key= finds the runs of one key', async () => {
    const def = hookFlow({ partitionKey: '{{ $json.body.customerId }}', concurrency: 2 });
    const created = await api.call('POST', '/api/v1/flows', def);
    expect(created.status).toBe(201);
    const flow = (await created.json()) as { id: string };
    expect((await api.call('POST', `/api/v1/flows/${flow.id}/publish`)).status).toBe(200);
    const fire = async (body: unknown) => {
      const res = await api.app.request(`/hooks/${def.slug}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      expect(res.status).toBe(202);
      return ((await res.json()) as { runs: Array<{ id: string }> }).runs[0]?.id;
    };
    const ann1 = await fire({ customerId: 'ann' });
    await fire({ customerId: 'bob' });
    const ann2 = await fire({ customerId: 'ann' });
    const keyless = await fire({ other: true });
    const runsOfKey = async (key: string) => {
      const res = await api.call('GET', `/api/v1/runs?flowId=${flow.id}&key=${encodeURIComponent(key)}`);
      expect(res.status).toBe(200);
      return ((await res.json()) as { items: Array<Record<string, unknown>> }).items;
    };
    const ann = await waitFor(
      async () => {
        const items = await runsOfKey('ann');
        return items.length === 2 && items.every((r) => r.status === 'succeeded') ? items : undefined;
      },
      { what: "ann's runs to finish" },
    );
    expect(ann.map((r) => r.id).sort()).toEqual([ann1, ann2].sort());
    expect(ann[0]).toMatchObject({ partitionKey: 'ann', keyError: null, admission: 'admitted' });
    // the event without a customer ran under the fallback key '', and says why
    const fallback = await runsOfKey('');
    expect(fallback.map((r) => r.id)).toEqual([keyless]);
    expect(fallback[0]?.keyError).toBe('the partition key expression gave no value');
    expect(await runsOfKey('nobody')).toEqual([]);
  });
});
