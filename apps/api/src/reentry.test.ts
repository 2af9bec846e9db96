// Journey rules over the API (settings.reentry): bad rules are 422s that change nothing, and an event a rule
// kept out shows its refusal in GET /api/v1/events, the event's detail and /metrics.

import type { FlowDefinition } from '@tributary/flow';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import type { Flow } from './routes/flows.js';
import type { Event, RunSummary } from './routes/runs.js';
import { type Page, readJson, readProblem, scrapeMetrics, startTestApp, type TestApp } from './test-app.js';
import { basicAuth, createTestSource, post } from './tracking/test-tracking.js';

let api: TestApp;
let source: { id: string; writeKey: string };

beforeAll(async () => {
  api = await startTestApp(inject('templateDatabase'));
  source = await createTestSource(api);
});

afterAll(async () => {
  await api?.close();
});

function trackingFlow(slug: string, reentry: unknown) {
  return {
    name: `Cart ${slug}`,
    slug,
    nodes: [
      {
        id: 'start',
        type: 'trigger.tracking',
        name: 'Checkout',
        config: { type: 'track', events: [`Checkout Started ${slug}`] },
      },
      {
        id: 'wait',
        type: 'logic.wait-for-event',
        name: 'Wait order',
        config: { event: 'Order Completed', timeoutMs: 600_000 },
      },
    ],
    edges: [{ id: 'e1', source: 'start', target: 'wait' }],
    settings: { reentry },
  };
}

async function flowCount(): Promise<number> {
  const res = await api.call('GET', '/api/v1/flows?limit=100');
  return (await readJson<Page<Flow>>(res)).items.length;
}

describe('settings.reentry validation', () => {
  test.each([
    ['sometimes', 'settings.reentry', 'use "always", "once", "one-at-a-time" or { "minIntervalMs"'],
    [{ minIntervalMs: 0 }, 'settings.reentry.minIntervalMs', 'at least 1 ms'],
    [{ minIntervalMs: 1.5 }, 'settings.reentry', 'whole milliseconds'],
    [{ every: 3600 }, 'settings.reentry', 'use "always"'],
  ])('%j is refused with a 422 naming the setting, and no flow is made', async (reentry, path, words) => {
    const before = await flowCount();
    const res = await api.call('POST', '/api/v1/flows', trackingFlow('bad-rule', reentry));
    expect(res.status).toBe(422);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    const problem = await readProblem(res);
    const found = problem.problems?.find((p) => p.path === path);
    expect(found?.message).toContain(words);
    expect(await flowCount()).toBe(before);
  });

  test('a rule on a flow whose trigger gives runs no person (a webhook) is refused, "always" is not', async () => {
    const webhookFlow = (reentry: string) => ({
      name: 'Hook',
      slug: 'hook-rule',
      nodes: [{ id: 'in', type: 'trigger.webhook', name: 'In', config: { path: 'rule-hook' } }],
      edges: [],
      settings: { reentry },
    });
    const refused = await api.call('POST', '/api/v1/flows', webhookFlow('once'));
    expect(refused.status).toBe(422);
    const problem = await readProblem(refused);
    expect(problem.problems).toEqual([
      expect.objectContaining({
        path: 'settings.reentry',
        code: 'reentry_without_person',
        message: expect.stringContaining('tracking event trigger'),
      }),
    ]);
    expect((await api.call('POST', '/api/v1/flows', webhookFlow('always'))).status).toBe(201);
  });
});

describe('refused entries in the event log', () => {
  test('the second "Checkout Started" of one person starts no run and its event says why', async () => {
    const created = await api.call('POST', '/api/v1/flows', trackingFlow('cart-once', 'once'));
    expect(created.status).toBe(201);
    const flow = await readJson<Flow>(created);
    expect((flow.draft as FlowDefinition).settings?.reentry).toBe('once');
    expect((await api.call('POST', `/api/v1/flows/${flow.id}/publish`)).status).toBe(200);
    const auth = basicAuth(source.writeKey);
    for (const messageId of ['m-1', 'm-2']) {
      const res = await post(
        api,
        '/v1/track',
        { userId: 'ada', event: 'Checkout Started cart-once', messageId },
        auth,
      );
      expect(res.status).toBe(200);
    }
    const runs = await readJson<Page<RunSummary>>(await api.call('GET', `/api/v1/runs?flowId=${flow.id}`));
    expect(runs.items).toHaveLength(1);
    const heldBy = runs.items[0]?.id;
    const page = await readJson<Page<Event>>(await api.call('GET', `/api/v1/events?flowId=${flow.id}`));
    expect(page.items).toHaveLength(2);
    const [second, first] = page.items;
    expect(first?.refusals).toEqual([]);
    expect(second?.refusals).toEqual([
      { flowId: flow.id, flowName: 'Cart cart-once', rule: 'once', heldBy, at: expect.any(String) },
    ]);
    const detail = await readJson<Event>(await api.call('GET', `/api/v1/events/${second?.id}`));
    expect(detail.runs).toEqual([]);
    expect(detail.refusals).toEqual(second?.refusals);

    const metrics = await scrapeMetrics(api.app);
    expect(metrics.value('tributary_reentry_refused_total', { flow: 'cart-once', rule: 'once' })).toBe(1);
  });
});
