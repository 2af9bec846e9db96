// /api/v1/profiles/:id in-process: identify and alias calls over HTTP build one profile, read by any of its ids.
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { type Page, readJson, readProblem, startTestApp, type TestApp } from '../test-app.js';
import { basicAuth, createTestSource, post } from '../tracking/test-tracking.js';
import type { Profile, ProfileSummary } from './profiles.js';

let api: TestApp;
let source: { id: string; writeKey: string };

beforeAll(async () => {
  api = await startTestApp(inject('templateDatabase'));
  source = await createTestSource(api);
});

afterAll(async () => {
  await api?.close();
});

describe('profiles', () => {
  test('identify and alias over HTTP build one profile with traits, ids and recent events', async () => {
    await post(
      api,
      '/v1/identify',
      { anonymousId: 'anon-p', traits: { utm: 'mail' } },
      basicAuth(source.writeKey),
    );
    await post(api, '/v1/track', { anonymousId: 'anon-p', event: 'Browsed' }, basicAuth(source.writeKey));
    await post(
      api,
      '/v1/identify',
      { userId: 'user-p', traits: { email: 'p@example.com' } },
      basicAuth(source.writeKey),
    );
    await post(api, '/v1/alias', { previousId: 'anon-p', userId: 'user-p' }, basicAuth(source.writeKey));
    const res = await api.call('GET', '/api/v1/profiles/user-p');
    expect(res.status).toBe(200);
    const profile = await readJson<Profile>(res);
    expect(profile.traits).toEqual({ utm: 'mail', email: 'p@example.com' });
    expect(profile.identities).toEqual([
      { kind: 'userId', value: 'user-p' },
      { kind: 'anonymousId', value: 'anon-p' },
    ]);
    expect(profile.recentEvents.map((e) => e.type)).toEqual(['alias', 'identify', 'track', 'identify']);
    const byId = await api.call('GET', `/api/v1/profiles/${profile.id}`);
    expect((await readJson<Profile>(byId)).id).toBe(profile.id);
    const byAnon = await api.call('GET', '/api/v1/profiles/anon-p?events=1');
    expect((await readJson<Profile>(byAnon)).recentEvents).toHaveLength(1);
    const missing = await api.call('GET', '/api/v1/profiles/nobody');
    expect(missing.status).toBe(404);
    expect((await readProblem(missing)).code).toBe('not_found');
  });

  test('finds people by the start of an id or by text inside a trait value, not by trait names', async () => {
    const identify = (body: Record<string, unknown>) =>
      post(api, '/v1/identify', body, basicAuth(source.writeKey));
    await identify({
      userId: 'finder-ada',
      traits: { email: 'ada.lovelace@example.com', name: 'Ada Lovelace' },
    });
    await identify({ userId: 'finder-bob', traits: { email: 'bob@example.com', discount: 'pro_50%' } });
    await identify({ anonymousId: 'finder-visitor-1', traits: { utm: 'newsletter' } });
    const find = async (query: string) => {
      const res = await api.call('GET', `/api/v1/profiles?${query}`);
      expect(res.status).toBe(200);
      const { items } = await readJson<Page<ProfileSummary>>(res);
      return items.map((p) => p.identities.map((i) => i.value).join(','));
    };
    expect(await find('q=finder-a')).toEqual(['finder-ada']);
    expect(await find('q=LOVELACE')).toEqual(['finder-ada']);
    expect(await find('q=finder-visitor')).toEqual(['finder-visitor-1']);
    // the person's own characters, not patterns
    expect(await find(`q=${encodeURIComponent('50%')}`)).toEqual(['finder-bob']);
    expect(await find('q=_50')).toEqual(['finder-bob']);
    expect(await find('q=discount')).toEqual([]);
    // newest first, and the list is bounded
    expect((await find('q=finder')).slice(0, 3)).toEqual(['finder-visitor-1', 'finder-bob', 'finder-ada']);
    expect(await find('q=finder&limit=1')).toEqual(['finder-visitor-1']);
    const bad = await api.call('GET', '/api/v1/profiles?limit=0');
    expect(bad.status).toBe(400);
    expect((await readProblem(bad)).code).toBe('invalid_request');
  });

  test('names of recent events, most recently seen first, by source and type', async () => {
    const own = await createTestSource(api, 'Names');
    const track = (event: string) =>
      post(api, '/v1/track', { userId: 'namer', event }, basicAuth(own.writeKey));
    await track('Cart Viewed');
    await track('Checkout Started');
    await track('Cart Viewed');
    await post(api, '/v1/page', { userId: 'namer', name: 'Pricing' }, basicAuth(own.writeKey));
    const names = async (query: string) => {
      const res = await api.call(
        'GET',
        `/api/v1/event-names?source=${encodeURIComponent(`tracking:${own.id}`)}${query}`,
      );
      expect(res.status).toBe(200);
      const { items } = await readJson<Page<{ name: string; count: number; lastAt: string }>>(res);
      return items.map((i) => `${i.name}×${i.count}`);
    };
    expect(await names('')).toEqual(['Pricing×1', 'Cart Viewed×2', 'Checkout Started×1']);
    expect(await names('&type=track')).toEqual(['Cart Viewed×2', 'Checkout Started×1']);
    expect(await names('&type=track&limit=1')).toEqual(['Cart Viewed×2']);
    expect((await api.call('GET', '/api/v1/event-names?type=identify')).status).toBe(400);
  });
});
