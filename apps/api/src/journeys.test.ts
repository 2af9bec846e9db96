// The three example journeys end to end: the official Segment client sends events to a real server, the
// shipped example flows (examples/*.json, timers shortened) run, and a local HTTP peer stands for the
// e-mail / chat service — checking exactly the right people were contacted, once each.
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { serve } from '@hono/node-server';
import { Analytics } from '@segment/analytics-node';
import { waitFor } from '@tributary/engine/testing';
import { type HttpPeer, startHttpPeer } from '@tributary/nodes/testing';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import type { SourceWithWriteKey } from './routes/sources.js';
import { readJson, startTestApp, type TestApp } from './test-app.js';

type Flow = {
  nodes: Array<{ id: string; type: string; config: Record<string, unknown> }>;
  [key: string]: unknown;
};

let api: TestApp;
let peer: HttpPeer;
let server: ReturnType<typeof serve>;
let host = '';
let writeKey = '';

function example(name: string): Flow {
  return JSON.parse(
    readFileSync(fileURLToPath(new URL(`../../../examples/${name}.json`, import.meta.url)), 'utf8'),
  );
}

/** Points every HTTP node at the local peer (keeping the path) and applies per-node config changes. */
function localised(flow: Flow, changes: Record<string, Record<string, unknown>> = {}): Flow {
  for (const node of flow.nodes) {
    if (node.type === 'action.http' && typeof node.config.url === 'string') {
      node.config.url = `${peer.url}${new URL(node.config.url).pathname}`;
    }
    Object.assign(node.config, changes[node.id] ?? {});
  }
  return flow;
}

async function deploy(flow: Flow): Promise<string> {
  const created = await api.call('POST', '/api/v1/flows', flow);
  expect(created.status).toBe(201);
  const { id } = await readJson<{ id: string }>(created);
  expect((await api.call('POST', `/api/v1/flows/${id}/publish`)).status).toBe(200);
  return id;
}

function sent(path: string): Array<Record<string, unknown>> {
  return peer.requests.filter((r) => r.url === path).map((r) => JSON.parse(r.body.toString()));
}

async function send(calls: (analytics: Analytics) => void) {
  const analytics = new Analytics({ writeKey, host, flushAt: 1, maxRetries: 1 });
  calls(analytics);
  await analytics.closeAndFlush({ timeout: 10_000 });
}

beforeAll(async () => {
  api = await startTestApp(inject('templateDatabase'), {}, { sweepMs: 300 });
  peer = await startHttpPeer({
    handler: (_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end('{"ok":true}');
    },
  });
  server = serve({ fetch: api.app.fetch, port: 0, hostname: '127.0.0.1' });
  await new Promise((resolve) => server.once('listening', resolve));
  host = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const source = await readJson<SourceWithWriteKey>(
    await api.call('POST', '/api/v1/sources', { name: 'Website' }),
  );

  writeKey = source.writeKey;
});

afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
  await peer?.close();
  await api?.close();
});

describe('example journeys with the Segment client', () => {
  test('cart abandonment: only the shopper who did not complete the order gets the reminder, once', async () => {
    await deploy(localised(example('cart-abandonment'), { wait: { timeoutMs: 1_500 } }));
    await send((a) => {
      a.identify({ userId: 'cart-ann', traits: { email: 'ann@example.com' } });
      a.identify({ userId: 'cart-cid', traits: { email: 'cid@example.com' } });
      for (const userId of ['cart-ann', 'cart-bob', 'cart-cid']) {
        a.track({ userId, event: 'Checkout Started', properties: { total: 42 } });
      }
      // Bob completes at once, Ann a little later while her wait is parked; Cid never does
      a.track({ userId: 'cart-bob', event: 'Order Completed' });
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    await send((a) => a.track({ userId: 'cart-ann', event: 'Order Completed' }));
    const reminders = await waitFor(
      () => (sent('/v1/send').some((m) => m.template === 'cart-reminder') ? sent('/v1/send') : undefined),
      {
        timeoutMs: 20_000,
        what: 'the reminder',
      },
    );
    // give any wrong extra reminder time to show up
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const all = sent('/v1/send').filter((m) => m.template === 'cart-reminder');
    expect(all).toEqual([
      { to: 'cid@example.com', template: 'cart-reminder', userId: 'cart-cid', cartValue: 42 },
    ]);
    expect(reminders.length).toBeGreaterThan(0);
  });

  test('welcome series: a new e-mail gets a welcome now and tips later, unless the user activates first', async () => {
    await deploy(localised(example('welcome-series'), { later: { ms: 1_500 } }));
    await send((a) => {
      a.identify({ userId: 'w-uma', traits: { email: 'uma@example.com', plan: 'free' } });
      a.identify({ userId: 'w-vic', traits: { email: 'vic@example.com' } });
    });
    await waitFor(() => sent('/v1/send').filter((m) => m.template === 'welcome').length === 2, {
      what: 'two welcomes',
    });
    await send((a) => {
      // the same e-mail again is not new: no second welcome
      a.identify({ userId: 'w-uma', traits: { email: 'uma@example.com', plan: 'pro' } });
      // Vic activates before the tips are due: the exit goal ends his run
      a.track({ userId: 'w-vic', event: 'Activated' });
    });
    await waitFor(() => sent('/v1/send').some((m) => m.template === 'tips'), {
      timeoutMs: 20_000,
      what: 'tips',
    });
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const mails = sent('/v1/send').filter((m) => m.template === 'welcome' || m.template === 'tips');
    expect(mails.map((m) => `${m.template}:${m.userId}`).sort()).toEqual([
      'tips:w-uma',
      'welcome:w-uma',
      'welcome:w-vic',
    ]);
    expect(mails.find((m) => m.template === 'tips')?.to).toBe('uma@example.com');
  });

  test('daily digest: the schedule counts the logged events and posts a summary', async () => {
    await send((a) => {
      a.track({ userId: 'd-1', event: 'Digest Probe' });
      a.page({ userId: 'd-1', name: 'Pricing' });
    });
    await deploy(localised(example('daily-digest'), { morning: { cron: '* * * * * *', timezone: 'UTC' } }));
    const [post] = await waitFor(
      () => (sent('/hooks/marketing').length > 0 ? sent('/hooks/marketing') : undefined),
      {
        timeoutMs: 20_000,
        what: 'a digest post',
      },
    );
    expect(post?.text).toMatch(/^Yesterday: \d+ events from \d+ users\. Top: .*Digest Probe/);
    expect(post?.summary).toMatchObject({
      byName: { 'Digest Probe': 1, Pricing: 1 },
      byType: { track: expect.any(Number) },
    });
  });
});
