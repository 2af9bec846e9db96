// /api/v1/sources in-process: the write key is answered only on create and rotate; roles; bad input.
import { createApiKey } from '@tributary/engine';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { type OpenApiDoc, readJson, startTestApp, type TestApp } from '../test-app.js';
import type { Source, SourceWithWriteKey } from './sources.js';

let api: TestApp;

beforeAll(async () => {
  api = await startTestApp(inject('templateDatabase'));
});

afterAll(async () => {
  await api?.close();
});

async function created(name = 'Website') {
  const res = await api.call('POST', '/api/v1/sources', { name });
  expect(res.status).toBe(201);
  return readJson<SourceWithWriteKey>(res);
}

describe('sources', () => {
  test('POST /sources answers 201 with the id, name, status and the write key', async () => {
    const source = await created('  Marketing site  ');
    expect(source).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      name: 'Marketing site',
      status: 'active',
      writeKey: expect.stringMatching(/^trw_/),
      writeKeyPrefix: source.writeKey.slice(0, 12),
      createdAt: expect.any(String),
      rotatedAt: null,
      lastEventAt: null,
      planMode: 'off',
      unplannedEvents: 'allow',
      planRevision: 0,
    });
  });

  test('GET /sources and GET /sources/:id never answer the write key', async () => {
    const source = await created('Listed');
    const list = await api.call('GET', '/api/v1/sources');
    expect(list.status).toBe(200);
    const text = await list.text();
    expect(text).not.toContain(source.writeKey);
    expect(JSON.parse(text).items).toContainEqual({
      id: source.id,
      name: 'Listed',
      status: 'active',
      writeKeyPrefix: source.writeKeyPrefix,
      createdAt: source.createdAt,
      rotatedAt: null,
      lastEventAt: null,
      planMode: 'off',
      unplannedEvents: 'allow',
      planRevision: 0,
    });
    const one = await api.call('GET', `/api/v1/sources/${source.id}`);
    expect(await one.json()).not.toHaveProperty('writeKey');
  });

  test('a source says when an event last came in through it', async () => {
    const source = await created('Seen');
    const before = Date.now();
    const sent = await api.app.request('/v1/track', {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Basic ${Buffer.from(`${source.writeKey}:`).toString('base64')}`,
      },
      body: JSON.stringify({ userId: 'seen-1', event: 'Page Viewed' }),
    });
    expect(sent.status).toBe(200);
    const seen = await readJson<Source>(await api.call('GET', `/api/v1/sources/${source.id}`));
    expect(Date.parse(seen.lastEventAt ?? '')).toBeGreaterThanOrEqual(before - 1000);
    expect(Date.parse(seen.lastEventAt ?? '')).toBeLessThanOrEqual(Date.now() + 1000);
  });

  test('rotate answers a new write key once; disable and enable switch the status', async () => {
    const source = await created('Switching');
    const rotated = await readJson<SourceWithWriteKey>(
      await api.call('POST', `/api/v1/sources/${source.id}/rotate`),
    );
    expect(rotated.writeKey).not.toBe(source.writeKey);
    expect(rotated.rotatedAt).toEqual(expect.any(String));
    const disabled = await api.call('POST', `/api/v1/sources/${source.id}/disable`);
    expect(disabled.status).toBe(200);
    expect(await disabled.json()).toMatchObject({ status: 'disabled' });
    expect(await (await api.call('POST', `/api/v1/sources/${source.id}/enable`)).json()).toMatchObject({
      status: 'active',
    });
  });

  test('an unknown source is 404; a bad id is 400; an empty or missing name is 422', async () => {
    const missing = await api.call('POST', '/api/v1/sources/01937a4e-6f1a-7c3b-9a2e-1b2c3d4e5f60/rotate');
    expect(missing.status).toBe(404);
    expect((await api.call('POST', '/api/v1/sources/not-a-uuid/disable')).status).toBe(400);
    expect((await api.call('POST', '/api/v1/sources', { name: '   ' })).status).toBe(422);
    expect((await api.call('POST', '/api/v1/sources', {})).status).toBe(422);
    expect((await api.call('POST', '/api/v1/sources', { name: 'x', writeKey: 'chosen' })).status).toBe(422);
  });

  test('needs an API key; a viewer may list but not create, rotate or disable', async () => {
    const noKey = await api.app.request('/api/v1/sources');
    expect(noKey.status).toBe(401);
    const viewer = await createApiKey(api.t.engine.ctx.db, 'viewer', 'viewer', 'test');
    const headers = { authorization: `Bearer ${viewer.key}` };
    expect((await api.call('GET', '/api/v1/sources', undefined, headers)).status).toBe(200);
    expect((await api.call('POST', '/api/v1/sources', { name: 'V' }, headers)).status).toBe(403);
    const source = await created('Guarded');
    expect((await api.call('POST', `/api/v1/sources/${source.id}/rotate`, undefined, headers)).status).toBe(
      403,
    );
    expect((await api.call('POST', `/api/v1/sources/${source.id}/disable`, undefined, headers)).status).toBe(
      403,
    );
  });

  test('the OpenAPI document lists the source and profile routes', async () => {
    const doc = await readJson<OpenApiDoc>(await api.app.request('/api/v1/openapi.json'));
    for (const path of [
      '/sources',
      '/sources/{id}',
      '/sources/{id}/rotate',
      '/sources/{id}/disable',
      '/sources/{id}/enable',
      '/profiles/{id}',
    ]) {
      expect(doc.paths).toHaveProperty([path]);
    }
    expect(doc.paths['/events']?.get?.parameters?.map((p) => p.name)).toEqual(
      expect.arrayContaining(['userId', 'since']),
    );
  });
});
