// The official Segment Node client (@segment/analytics-node) against a real server port: every call type lands
// as an event with the right fields, batches, messageId dedup, clock-skew correction, profiles, refusals.
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { Analytics } from '@segment/analytics-node';
import { schema } from '@tributary/db';
import { and, asc, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import type { Profile } from '../routes/profiles.js';
import { readJson, startTestApp, type TestApp } from '../test-app.js';
import { countRows, createTestSource } from './test-tracking.js';

let api: TestApp;
let server: ReturnType<typeof serve>;
let host = '';
let source: { id: string; writeKey: string };

beforeAll(async () => {
  api = await startTestApp(inject('templateDatabase'));
  server = serve({ fetch: api.app.fetch, port: 0, hostname: '127.0.0.1' });
  await new Promise((resolve) => server.once('listening', resolve));
  host = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  source = await createTestSource(api, 'Node backend');
});

afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
  await api?.close();
});

/** A client like an app would configure it, recording the HTTP statuses it got. */
function client(writeKey = source.writeKey, flushAt = 1) {
  const analytics = new Analytics({ writeKey, host, flushAt, maxRetries: 0, flushInterval: 50 });
  const statuses: number[] = [];
  const bodies: string[] = [];
  analytics.on('http_response', (res) => statuses.push(res.status));
  analytics.on('http_request', (req) => bodies.push(req.body));
  return { analytics, statuses, bodies };
}

function eventsOf(userId: string) {
  return api.t.engine.ctx.db
    .select()
    .from(schema.events)
    .where(and(eq(schema.events.source, `tracking:${source.id}`), eq(schema.events.userId, userId)))
    .orderBy(asc(schema.events.id));
}

describe('the official client', () => {
  test('track, identify, page, screen, group and alias each land as an event with the right fields', async () => {
    const { analytics, statuses } = client();
    const userId = 'client-user-1';
    analytics.identify({
      userId,
      anonymousId: 'client-anon-1',
      traits: { email: 'ada@example.com', plan: 'pro' },
    });
    analytics.track({ userId, event: 'Order Completed', properties: { total: 42, currency: 'EUR' } });
    analytics.page({ userId, name: 'Pricing', category: 'Docs', properties: { path: '/pricing' } });
    analytics.screen({ userId, name: 'Home', properties: { tab: 'feed' } });
    analytics.group({ userId, groupId: 'org-7', traits: { name: 'Initech', employees: 420 } });
    analytics.alias({ userId, previousId: 'old-client-user-1' });
    await analytics.closeAndFlush({ timeout: 10_000 });
    expect(statuses.length).toBeGreaterThan(0);
    expect(statuses.every((s) => s === 200)).toBe(true);

    const events = await eventsOf(userId);
    const byType = new Map(events.map((e) => [e.type, e]));
    expect([...byType.keys()].sort()).toEqual(['alias', 'group', 'identify', 'page', 'screen', 'track']);
    expect(byType.get('identify')).toMatchObject({
      anonymousId: 'client-anon-1',
      payload: { traits: { email: 'ada@example.com', plan: 'pro' } },
    });
    expect(byType.get('track')).toMatchObject({
      name: 'Order Completed',
      payload: { event: 'Order Completed', properties: { total: 42, currency: 'EUR' } },
    });
    expect(byType.get('page')).toMatchObject({
      name: 'Pricing',
      payload: { category: 'Docs', properties: { path: '/pricing', category: 'Docs' } },
    });
    expect(byType.get('screen')).toMatchObject({ name: 'Home', payload: { properties: { tab: 'feed' } } });
    expect(byType.get('group')).toMatchObject({ payload: { groupId: 'org-7', traits: { name: 'Initech' } } });
    expect(byType.get('alias')).toMatchObject({ payload: { previousId: 'old-client-user-1' } });
    for (const event of events) {
      expect(event.idempotencyKey).toBe((event.payload as { messageId: string }).messageId);
      expect(event.payload).toMatchObject({
        context: { library: { name: '@segment/analytics-node' } },
        sentAt: expect.any(String),
        originalTimestamp: expect.any(String),
        receivedAt: event.receivedAt.toISOString(),
      });
      expect(event.payload).not.toHaveProperty('writeKey');
      // the client's clock is this machine's: the corrected time is within a few seconds of receipt
      expect(Math.abs((event.occurredAt?.getTime() ?? 0) - event.receivedAt.getTime())).toBeLessThan(5_000);
    }

    const profile = await readJson<Profile>(await api.call('GET', `/api/v1/profiles/${userId}`));

    expect(profile.traits).toEqual({ email: 'ada@example.com', plan: 'pro' });
    // an unseen previousId is recorded as an anonymousId
    expect(profile.identities).toEqual([
      { kind: 'userId', value: 'client-user-1' },
      { kind: 'anonymousId', value: 'client-anon-1' },
      { kind: 'anonymousId', value: 'old-client-user-1' },
    ]);
  });

  test('several calls go out as one batch request and all are stored', async () => {
    const { analytics, statuses, bodies } = client(source.writeKey, 20);
    const userId = 'client-batch-user';
    for (let i = 0; i < 12; i++) analytics.track({ userId, event: `Step ${i}`, properties: { i } });
    await analytics.closeAndFlush({ timeout: 10_000 });
    expect(statuses).toEqual([200]);
    expect(JSON.parse(bodies[0] ?? '{}').batch).toHaveLength(12);
    const events = await eventsOf(userId);
    expect(events.map((e) => e.name).sort()).toEqual(
      Array.from({ length: 12 }, (_, i) => `Step ${i}`).sort(),
    );
  });

  test('the same messageId sent twice is stored once', async () => {
    const userId = 'client-dedup-user';
    for (let round = 0; round < 2; round++) {
      const { analytics, statuses } = client();
      analytics.track({ userId, event: 'Checkout Started', messageId: 'client-fixed-message-id' });
      await analytics.closeAndFlush({ timeout: 10_000 });
      expect(statuses).toEqual([200]);
    }
    expect(await eventsOf(userId)).toHaveLength(1);
  });

  test('a historical timestamp passed to the client is kept, corrected by the sentAt it adds', async () => {
    const { analytics } = client();
    const userId = 'client-history-user';
    const dayAgo = new Date(Date.now() - 24 * 3600_000);
    analytics.track({ userId, event: 'Imported', timestamp: dayAgo });
    await analytics.closeAndFlush({ timeout: 10_000 });
    const [event] = await eventsOf(userId);
    expect(event?.payload).toMatchObject({ originalTimestamp: dayAgo.toISOString() });
    expect(Math.abs((event?.occurredAt?.getTime() ?? 0) - dayAgo.getTime())).toBeLessThan(5_000);
  });

  test('a wrong write key is refused with 401 and a disabled source with 403; nothing is stored', async () => {
    const before = await countRows(api.t.engine.ctx.db, 'events');
    const wrong = client('trw_not-a-real-key');
    wrong.analytics.track({ userId: 'client-refused', event: 'Nope' });
    await wrong.analytics.closeAndFlush({ timeout: 10_000 });
    expect(wrong.statuses).toEqual([401]);

    const paused = await createTestSource(api, 'Paused backend');
    await api.call('POST', `/api/v1/sources/${paused.id}/disable`);
    const disabled = client(paused.writeKey);
    disabled.analytics.track({ userId: 'client-refused', event: 'Nope' });
    await disabled.analytics.closeAndFlush({ timeout: 10_000 });
    expect(disabled.statuses).toEqual([403]);
    expect(await countRows(api.t.engine.ctx.db, 'events')).toBe(before);
  });
});
