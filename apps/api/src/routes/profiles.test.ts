// /api/v1/profiles/:id in-process: identify and alias calls over HTTP build one profile, read by any of its ids.
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { startTestApp, type TestApp } from '../test-app.js';
import { basicAuth, createTestSource, post } from '../tracking/test-tracking.js';

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
    const profile = await res.json();
    expect(profile.traits).toEqual({ utm: 'mail', email: 'p@example.com' });
    expect(profile.identities).toEqual([
      { kind: 'userId', value: 'user-p' },
      { kind: 'anonymousId', value: 'anon-p' },
    ]);
    expect(profile.recentEvents.map((e: { type: string }) => e.type)).toEqual([
      'alias',
      'identify',
      'track',
      'identify',
    ]);
    const byId = await api.call('GET', `/api/v1/profiles/${profile.id}`);
    expect((await byId.json()).id).toBe(profile.id);
    const byAnon = await api.call('GET', '/api/v1/profiles/anon-p?events=1');
    expect((await byAnon.json()).recentEvents).toHaveLength(1);
    const missing = await api.call('GET', '/api/v1/profiles/nobody');
    expect(missing.status).toBe(404);
    expect((await missing.json()).code).toBe('not_found');
  });
});
