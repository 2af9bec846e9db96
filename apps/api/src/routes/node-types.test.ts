// /api/v1/node-types in-process: every type's traits, and example items for a config with their error answers.
import { createApiKey } from '@tributary/engine';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { type OpenApiDoc, readJson, startTestApp, type TestApp } from '../test-app.js';
import { basicAuth, createTestSource, post } from '../tracking/test-tracking.js';
import type { NodeSample } from './node-types.js';
import type { Event } from './runs.js';

let api: TestApp;

beforeAll(async () => {
  api = await startTestApp(inject('templateDatabase'));
});

afterAll(async () => {
  await api?.close();
});

interface Described {
  type: string;
  category: string;
  dynamicOutputs: boolean;
  traits: Record<string, unknown>;
  credentialTypes: string[];
  configSchema: { properties?: Record<string, Record<string, unknown>> };
}

async function catalogue(): Promise<Map<string, Described>> {
  const res = await api.call('GET', '/api/v1/node-types');
  expect(res.status).toBe(200);
  const { items } = (await res.json()) as { items: Described[] };
  return new Map(items.map((t) => [t.type, t]));
}

function sample(type: string, body: unknown, headers?: Record<string, string>) {
  return api.call('POST', `/api/v1/node-types/${type}/sample`, body, headers);
}

async function expectProblem(res: Response, status: number, code: string) {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toContain('application/problem+json');
  expect(await res.json()).toMatchObject({ status, code });
}

describe('GET /node-types traits', () => {
  test('every node type has all seven traits, and triggers say how their events arrive', async () => {
    const types = await catalogue();
    for (const t of types.values()) {
      expect(Object.keys(t.traits).sort(), t.type).toEqual(
        ['callsFlow', 'dynamicOutputs', 'join', 'pure', 'split', 'trigger', 'waitsForEvent'].sort(),
      );
      expect(t.traits.trigger !== null, t.type).toBe(t.category === 'trigger');
      // kept at the top level for clients written before traits
      expect(t.dynamicOutputs, t.type).toBe(t.traits.dynamicOutputs);
    }
    expect(types.get('trigger.webhook')?.traits).toEqual({
      pure: false,
      join: false,
      split: false,
      dynamicOutputs: false,
      waitsForEvent: false,
      callsFlow: false,
      trigger: 'webhook',
    });
    expect(types.get('trigger.tracking')?.traits.trigger).toBe('tracking');
    expect(types.get('trigger.sub-flow')?.traits.trigger).toBe('sub-flow');
    expect(types.get('logic.sub-flow')?.traits).toMatchObject({ callsFlow: true, pure: false });
    expect(types.get('trigger.schedule')?.traits.trigger).toBe('schedule');
    expect(types.get('trigger.manual')?.traits.trigger).toBe('manual');
  });

  test('joins, splits, dynamic ports, waits and pure nodes are marked as such', async () => {
    const types = await catalogue();
    expect(types.get('logic.merge')?.traits).toMatchObject({ join: true, split: false });
    expect(types.get('logic.split')?.traits).toMatchObject({ split: true, join: false });
    expect(types.get('logic.switch')?.traits).toMatchObject({ dynamicOutputs: true });
    expect(types.get('logic.switch')?.dynamicOutputs).toBe(true);
    expect(types.get('logic.wait-for-event')?.traits).toMatchObject({ waitsForEvent: true, pure: false });
    expect(types.get('logic.set')?.traits).toMatchObject({ pure: true, trigger: null });
    expect(types.get('action.http')?.traits).toMatchObject({ pure: false, waitsForEvent: false });
  });
});

describe('POST /node-types/{type}/sample', () => {
  test('nodes that take a credential name its types, and the config field carries them for the picker', async () => {
    const types = await catalogue();
    const http = types.get('action.http');
    expect(http?.credentialTypes).toEqual([
      'http.bearer',
      'http.header',
      'http.basic',
      'oauth2.client-credentials',
    ]);
    expect(http?.configSchema.properties?.credential?.['x-credential-types']).toEqual(http?.credentialTypes);
    expect(types.get('action.slack')?.credentialTypes).toContain('slack');
    expect(types.get('logic.set')?.credentialTypes).toEqual([]);
  });

  test("a webhook trigger's item uses the method and path of the config", async () => {
    const res = await sample('trigger.webhook', { config: { path: 'orders/created', method: 'PUT' } });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      item: {
        body: { email: 'ada@example.com', plan: 'pro' },
        headers: { 'content-type': 'application/json' },
        query: {},
        method: 'PUT',
        path: 'orders/created',
      },
      from: null,
    });
  });

  test("a tracking trigger's item passes its type and event filter", async () => {
    const res = await sample('trigger.tracking', { config: { type: 'page', events: ['Checkout'] } });
    expect(res.status).toBe(200);
    expect((await readJson<NodeSample>(res)).item).toMatchObject({ type: 'page', name: 'Checkout' });
  });

  test("a manual trigger's item is its config's sample, and a partial config still gets an item", async () => {
    const given = await sample('trigger.manual', { config: { sample: { orderId: 7 } } });
    expect(await given.json()).toEqual({ item: { orderId: 7 }, from: null });
    const schedule = await sample('trigger.schedule', {});
    expect(schedule.status).toBe(200);
    expect((await readJson<NodeSample>(schedule)).item).toMatchObject({ cron: '', timezone: 'UTC' });
  });

  test('a node type that declares no example answers an empty item', async () => {
    const res = await sample('logic.set', { config: {} });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ item: {}, from: null });
  });

  test('an unknown node type is a 404', async () => {
    await expectProblem(await sample('trigger.nope', { config: {} }), 404, 'not_found');
  });

  test('a body that is not an object, or a config that is not one, is a 400', async () => {
    for (const body of [
      [],
      '"text"',
      '42',
      'null',
      { config: 5 },
      { config: [] },
      { config: {}, extra: 1 },
    ]) {
      await expectProblem(await sample('trigger.webhook', body), 400, 'invalid_request');
    }
    await expectProblem(await sample('trigger.webhook', '{"config":'), 400, 'malformed_request');
  });

  test('needs an API key like every other route', async () => {
    const res = await api.app.request('/api/v1/node-types/trigger.webhook/sample', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ config: {} }),
    });
    await expectProblem(res, 401, 'unauthorized');
  });

  test('only reads, so a viewer key gets a sample too, while it still cannot write', async () => {
    const viewer = await createApiKey(api.t.engine.ctx.db, 'sample viewer', 'viewer', 'test');
    const headers = { authorization: `Bearer ${viewer.key}` };
    const res = await sample('trigger.manual', { config: { sample: { orderId: 7 } } }, headers);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ item: { orderId: 7 }, from: null });
    await expectProblem(await api.call('POST', '/api/v1/flows', {}, headers), 403, 'forbidden');
  });

  test('is in the OpenAPI document with its 400 and 404 answers', async () => {
    const doc = await readJson<OpenApiDoc>(await api.app.request('/api/v1/openapi.json'));
    const operation = doc.paths['/node-types/{type}/sample']?.post;
    expect(operation?.requestBody?.content?.['application/json']?.schema).toMatchObject({
      type: 'object',
      properties: { config: { type: 'object' } },
    });
    expect(Object.keys(operation?.responses ?? {})).toEqual(expect.arrayContaining(['200', '400', '404']));
  });
});

describe("a tracking trigger's sample from the event log", () => {
  test('is the newest logged event its type, names, sources and condition let through, with where it came from', async () => {
    const site = await createTestSource(api, 'Site for samples');
    const app = await createTestSource(api, 'App for samples');
    const track = (key: string, event: string, userId: string, total: number) =>
      post(api, '/v1/track', { event, userId, properties: { total } }, basicAuth(key));
    for (const sent of [
      await track(site.writeKey, 'Sample Checkout', 'cheap-buyer', 50),
      await track(site.writeKey, 'Sample Checkout', 'big-buyer', 500),
      await track(site.writeKey, 'Sample Other', 'someone', 1),
    ]) {
      expect(sent.status).toBe(200);
    }

    const newest = await sample('trigger.tracking', { config: { events: ['Sample Checkout'] } });
    expect(newest.status).toBe(200);
    const answer = await readJson<NodeSample>(newest);
    expect(answer.item).toMatchObject({
      type: 'track',
      event: 'Sample Checkout',
      userId: 'big-buyer',
      properties: { total: 500 },
    });
    expect(answer.from).toEqual({
      eventId: expect.any(String),
      type: 'track',
      name: 'Sample Checkout',
      source: `tracking:${site.id}`,
      receivedAt: expect.any(String),
    });
    const stored = await api.call('GET', `/api/v1/events/${answer.from?.eventId}`);
    expect((await readJson<Event>(stored)).payload).toMatchObject({ userId: 'big-buyer' });

    // the condition is tried too
    const cheap = await sample('trigger.tracking', {
      config: { events: ['Sample Checkout'], condition: '{{ $json.properties.total < 100 }}' },
    });
    expect((await readJson<NodeSample>(cheap)).item).toMatchObject({ userId: 'cheap-buyer' });

    // nothing from the other source, or of another type: the made-up example, named after the filter
    for (const config of [
      { events: ['Sample Checkout'], sources: [app.id] },
      { type: 'page', events: ['Sample Checkout'] },
    ]) {
      const made = await readJson<NodeSample>(await sample('trigger.tracking', { config }));
      expect(made.from).toBeNull();
      expect(made.item).toMatchObject({ userId: 'user-1', messageId: 'sample-message-1' });
    }
    // a config the trigger refuses cannot say what it lets through: the example
    const invalid = await readJson<NodeSample>(
      await sample('trigger.tracking', { config: { type: 'nope' } }),
    );
    expect(invalid.from).toBeNull();
  });

  test('a key that may not read runs gets the made-up example, never a logged event', async () => {
    const site = await createTestSource(api, 'Site for scoped samples');
    expect(
      (
        await post(
          api,
          '/v1/track',
          { event: 'Scoped Sample', userId: 'private-person' },
          basicAuth(site.writeKey),
        )
      ).status,
    ).toBe(200);
    const made = await api.call('POST', '/api/v1/api-keys', { name: 'flows only', scopes: ['flows:read'] });
    expect(made.status).toBe(201);
    const { key } = await readJson<{ key: string }>(made);
    const res = await sample(
      'trigger.tracking',
      { config: { events: ['Scoped Sample'] } },
      { authorization: `Bearer ${key}` },
    );
    expect(res.status).toBe(200);
    const answer = await readJson<NodeSample>(res);
    expect(answer.from).toBeNull();
    expect(answer.item).toMatchObject({ event: 'Scoped Sample', userId: 'user-1' });
    // the owner's key may read runs: it gets the logged one
    const owner = await readJson<NodeSample>(
      await sample('trigger.tracking', { config: { events: ['Scoped Sample'] } }),
    );

    expect(owner.item).toMatchObject({ userId: 'private-person' });
  });
});
