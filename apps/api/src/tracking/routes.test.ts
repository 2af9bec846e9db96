// The tracking API in-process on real Postgres and Redis: every call type, dedup, clock skew, batches, CORS.
import { schema } from '@tributary/db';
import { asc, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import type { Event } from '../routes/runs.js';
import { type Page, readJson, startTestApp, type TestApp } from '../test-app.js';
import { basicAuth, countRows, createTestSource, post } from './test-tracking.js';

let api: TestApp;
let source: { id: string; writeKey: string };

beforeAll(async () => {
  api = await startTestApp(inject('templateDatabase'));
  source = await createTestSource(api);
});

afterAll(async () => {
  await api?.close();
});

function eventsOf(sourceId: string) {
  return api.t.engine.ctx.db
    .select()
    .from(schema.events)
    .where(eq(schema.events.source, `tracking:${sourceId}`))
    .orderBy(asc(schema.events.id));
}

async function eventByMessageId(messageId: string) {
  const [event] = await api.t.engine.ctx.db
    .select()
    .from(schema.events)
    .where(eq(schema.events.idempotencyKey, messageId));
  return event;
}

let n = 0;
function messageId(): string {
  n += 1;
  return `msg-${n}-${Date.now()}`;
}

const CALLS = [
  {
    type: 'track',
    body: { userId: 'u-track', event: 'Order Completed', properties: { total: 30 } },
    name: 'Order Completed',
  },
  { type: 'identify', body: { userId: 'u-identify', traits: { email: 'ada@example.com' } }, name: null },
  {
    type: 'page',
    body: { anonymousId: 'a-page', name: 'Pricing', properties: { path: '/pricing' } },
    name: 'Pricing',
  },
  { type: 'screen', body: { userId: 'u-screen', name: 'Home' }, name: 'Home' },
  { type: 'group', body: { userId: 'u-group', groupId: 'g-1', traits: { name: 'Initech' } }, name: null },
  { type: 'alias', body: { previousId: 'a-alias', userId: 'u-alias' }, name: null },
] as const;

describe('each call type', () => {
  for (const call of CALLS) {
    for (const path of [`/v1/${call.type}`, `/v1/${call.type.charAt(0)}`]) {
      test(`POST ${path} stores one ${call.type} event with its name, ids and times`, async () => {
        const id = messageId();
        const res = await post(api, path, { ...call.body, messageId: id }, basicAuth(source.writeKey));
        expect(res.status).toBe(200);
        expect(await res.json()).toEqual({ success: true, messageId: id, duplicate: false });
        const event = await eventByMessageId(id);
        expect(event).toMatchObject({
          source: `tracking:${source.id}`,
          type: call.type,
          name: call.name,
          userId: 'userId' in call.body ? call.body.userId : null,
          anonymousId: 'anonymousId' in call.body ? call.body.anonymousId : null,
        });
        expect(event?.occurredAt).toEqual(event?.receivedAt);
        expect(event?.payload).toMatchObject({ ...call.body, type: call.type, messageId: id });
      });
    }
  }
});

describe('authentication and content', () => {
  test('the write key may come in the body instead; it is never stored', async () => {
    const id = messageId();
    const res = await post(api, '/v1/track', {
      writeKey: source.writeKey,
      userId: 'u1',
      event: 'Signed Up',
      messageId: id,
    });
    expect(res.status).toBe(200);
    const event = await eventByMessageId(id);
    expect(event?.payload).not.toHaveProperty('writeKey');
    expect(JSON.stringify(event)).not.toContain(source.writeKey);
  });

  test('text/plain bodies (what analytics.js sends) are read as JSON', async () => {
    const id = messageId();
    const res = await post(
      api,
      '/v1/t',
      JSON.stringify({ writeKey: source.writeKey, anonymousId: 'a1', event: 'Clicked', messageId: id }),
      { 'content-type': 'text/plain;charset=UTF-8' },
    );
    expect(res.status).toBe(200);
    expect(await eventByMessageId(id)).toBeDefined();
  });

  test('browsers get CORS headers on preflight, success and error answers', async () => {
    const preflight = await api.app.request('/v1/batch', {
      method: 'OPTIONS',
      headers: {
        origin: 'https://shop.example.com',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type',
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('*');
    expect(preflight.headers.get('access-control-allow-methods')).toContain('POST');
    const ok = await post(
      api,
      '/v1/page',
      { writeKey: source.writeKey, anonymousId: 'a' },
      { origin: 'https://x.example' },
    );
    expect(ok.headers.get('access-control-allow-origin')).toBe('*');
    const refused = await post(
      api,
      '/v1/page',
      { writeKey: 'nope', anonymousId: 'a' },
      { origin: 'https://x.example' },
    );
    expect(refused.status).toBe(401);
    expect(refused.headers.get('access-control-allow-origin')).toBe('*');
  });
});

describe('messageId dedup', () => {
  test('a repeated messageId is accepted as a duplicate and stores nothing more', async () => {
    const id = messageId();
    const body = { userId: 'u-dup', event: 'Checkout Started', messageId: id };
    expect(await (await post(api, '/v1/track', body, basicAuth(source.writeKey))).json()).toMatchObject({
      duplicate: false,
    });
    const before = await countRows(api.t.engine.ctx.db, 'events');
    const again = await post(api, '/v1/track', { ...body, event: 'Changed' }, basicAuth(source.writeKey));
    expect(again.status).toBe(200);
    expect(await again.json()).toEqual({ success: true, messageId: id, duplicate: true });
    expect(await countRows(api.t.engine.ctx.db, 'events')).toBe(before);
    expect((await eventByMessageId(id))?.name).toBe('Checkout Started');
  });

  test('dedup is per source: the same messageId from another source is a new event', async () => {
    const other = await createTestSource(api, 'Mobile app');
    const id = messageId();
    const body = { userId: 'u-two', event: 'Opened', messageId: id };
    await post(api, '/v1/track', body, basicAuth(source.writeKey));
    const res = await post(api, '/v1/track', body, basicAuth(other.writeKey));
    expect(await res.json()).toMatchObject({ duplicate: false });
    expect(await eventsOf(other.id)).toHaveLength(1);
  });

  test('a batch repeating a messageId stores it once', async () => {
    const id = messageId();
    const item = { type: 'track', userId: 'u-batch-dup', event: 'Tapped', messageId: id };
    const res = await post(api, '/v1/batch', { batch: [item, item] }, basicAuth(source.writeKey));
    expect(await res.json()).toEqual({ success: true, accepted: 2, duplicates: 1, rejected: [] });
    const rows = await api.t.engine.ctx.db
      .select()
      .from(schema.events)
      .where(eq(schema.events.idempotencyKey, id));
    expect(rows).toHaveLength(1);
  });
});

describe('clock skew', () => {
  test('timestamp = receivedAt − (sentAt − timestamp) for a client clock 3 h behind', async () => {
    const id = messageId();
    const clientNow = Date.now() - 3 * 3600_000;
    const res = await post(
      api,
      '/v1/track',
      {
        userId: 'u-skew',
        event: 'Skewed',
        messageId: id,
        timestamp: new Date(clientNow - 60_000).toISOString(),
        sentAt: new Date(clientNow).toISOString(),
      },
      basicAuth(source.writeKey),
    );
    expect(res.status).toBe(200);
    const event = await eventByMessageId(id);
    const receivedAt = event?.receivedAt.getTime() ?? 0;
    expect(event?.occurredAt?.getTime()).toBe(receivedAt - 60_000);
    expect(event?.payload).toMatchObject({
      timestamp: new Date(receivedAt - 60_000).toISOString(),
      originalTimestamp: new Date(clientNow - 60_000).toISOString(),
      receivedAt: new Date(receivedAt).toISOString(),
    });
  });

  test("a batch's sentAt corrects each of its messages", async () => {
    const clientNow = Date.now() + 2 * 3600_000;
    const ids = [messageId(), messageId()];
    const res = await post(
      api,
      '/v1/batch',
      {
        sentAt: new Date(clientNow).toISOString(),
        batch: ids.map((id, i) => ({
          type: 'track',
          userId: 'u-batch-skew',
          event: 'Step',
          messageId: id,
          timestamp: new Date(clientNow - (i + 1) * 1000).toISOString(),
        })),
      },
      basicAuth(source.writeKey),
    );
    expect(await res.json()).toMatchObject({ accepted: 2, rejected: [] });
    for (const [i, id] of ids.entries()) {
      const event = await eventByMessageId(id);
      expect(event?.occurredAt?.getTime()).toBe((event?.receivedAt.getTime() ?? 0) - (i + 1) * 1000);
    }
  });
});

describe('batches', () => {
  test('a mixed batch stores exactly the good messages and reports the bad ones by index', async () => {
    const good = [messageId(), messageId(), messageId()];
    const before = await countRows(api.t.engine.ctx.db, 'events');
    const res = await post(
      api,
      '/v1/batch',
      {
        batch: [
          { type: 'identify', userId: 'u-mixed', traits: { plan: 'pro' }, messageId: good[0] },
          { type: 'track', userId: 'u-mixed', event: 42, messageId: 'bad-event' },
          { type: 'track', event: 'No one', messageId: 'bad-ids' },
          { type: 'page', anonymousId: 'a-mixed', name: 'Home', messageId: good[1] },
          { type: 'unknown', userId: 'u-mixed' },
          {
            type: 'track',
            userId: 'u-mixed',
            event: 'Late',
            timestamp: '2999-01-01T00:00:00Z',
            messageId: 'bad-time',
          },
          { type: 'track', userId: 'u-mixed', event: 'Big', properties: { blob: 'x'.repeat(33 * 1024) } },
          { type: 'alias', previousId: 'a-mixed', userId: 'u-mixed', messageId: good[2] },
        ],
      },
      basicAuth(source.writeKey),
    );
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      success: true,
      accepted: 3,
      duplicates: 0,
      rejected: [
        {
          index: 1,
          messageId: 'bad-event',
          code: 'invalid_field',
          error: 'event must be a non-empty string',
        },
        {
          index: 2,
          messageId: 'bad-ids',
          code: 'missing_id',
          error: 'userId a userId or an anonymousId is required',
        },
        { index: 4, code: 'invalid_type', error: expect.stringContaining('type must be one of') },
        {
          index: 5,
          messageId: 'bad-time',
          code: 'timestamp_in_future',
          error: expect.stringContaining('future'),
        },
        { index: 6, code: 'message_too_large', error: expect.stringContaining('32 KB') },
      ],
    });
    expect(await countRows(api.t.engine.ctx.db, 'events')).toBe(before + 3);
    for (const id of good) expect(await eventByMessageId(id)).toBeDefined();
    for (const id of ['bad-event', 'bad-ids', 'bad-time']) expect(await eventByMessageId(id)).toBeUndefined();
  });

  test('batch-level context and integrations are merged into every message; /v1/b is the same endpoint', async () => {
    const id = messageId();
    const res = await post(api, '/v1/b', {
      writeKey: source.writeKey,
      context: { library: { name: 'analytics.js' }, ip: '1.2.3.4' },
      integrations: { All: false },
      batch: [
        { type: 'track', anonymousId: 'a-ctx', event: 'Seen', messageId: id, context: { ip: '5.6.7.8' } },
      ],
    });
    expect(res.status).toBe(200);
    expect((await eventByMessageId(id))?.payload).toMatchObject({
      context: { library: { name: 'analytics.js' }, ip: '5.6.7.8' },
      integrations: { All: false },
    });
  });
});

describe('the event log', () => {
  test('accepted calls are listed under /api/v1/events by source, type, name, person and since', async () => {
    const fresh = await createTestSource(api, 'Listed');
    const since = new Date(Date.now() - 1000).toISOString();
    await post(
      api,
      '/v1/batch',
      {
        batch: [
          { type: 'track', userId: 'u-list', event: 'A' },
          { type: 'track', userId: 'u-other', event: 'B' },
          { type: 'identify', userId: 'u-list', traits: {} },
          { type: 'track', anonymousId: 'anon-list', event: 'A' },
        ],
      },
      basicAuth(fresh.writeKey),
    );
    const list = async (query: string) => {
      const res = await api.call('GET', `/api/v1/events?${query}`);
      expect(res.status).toBe(200);
      return (await readJson<Page<Event>>(res)).items;
    };
    const bySource = `source=${encodeURIComponent(`tracking:${fresh.id}`)}`;
    expect(await list(bySource)).toHaveLength(4);
    expect((await list(`${bySource}&type=track&userId=u-list`)).map((e) => e.name)).toEqual(['A']);
    // by name, and by person whether they are known by a userId or only an anonymousId
    expect((await list(`${bySource}&name=A`)).map((e) => e.userId ?? 'anonymous')).toEqual([
      'anonymous',
      'u-list',
    ]);
    expect((await list(`${bySource}&person=u-list`)).map((e) => e.type)).toEqual(['identify', 'track']);
    expect((await list(`${bySource}&person=anon-list`)).map((e) => e.name)).toEqual(['A']);
    expect(await list(`${bySource}&name=Nothing`)).toEqual([]);
    expect(await list(`${bySource}&since=${encodeURIComponent(since)}`)).toHaveLength(4);
    expect(
      await list(`${bySource}&since=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`),
    ).toEqual([]);
    expect((await api.call('GET', '/api/v1/events?since=yesterday')).status).toBe(400);
  });
});
