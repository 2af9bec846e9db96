// Every bad tracking call gets its documented status and problem code, and stores nothing (rows are counted).
import { afterAll, beforeAll, beforeEach, describe, expect, inject, test } from 'vitest';
import type { SourceWithWriteKey } from '../routes/sources.js';
import { readJson, readProblem, startTestApp, type TestApp } from '../test-app.js';
import { basicAuth, countRows, createTestSource, post } from './test-tracking.js';

let api: TestApp;
let source: { id: string; writeKey: string };
let counts: { events: number; profiles: number; identities: number };

async function rowCounts() {
  const db = api.t.engine.ctx.db;
  return {
    events: await countRows(db, 'events'),
    profiles: await countRows(db, 'profiles'),
    identities: await countRows(db, 'profile_identities'),
  };
}

beforeAll(async () => {
  api = await startTestApp(inject('templateDatabase'));
  source = await createTestSource(api);
});

beforeEach(async () => {
  counts = await rowCounts();
});

afterAll(async () => {
  await api?.close();
});

/** Checks the problem answer and that nothing was stored; returns the problem body. */
async function refused(res: Response, status: number, code: string) {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toContain('application/problem+json');
  const body = await readProblem(res);
  expect(body).toMatchObject({
    status,
    code,
    type: `urn:tributary:problem:${code}`,
    detail: expect.any(String),
  });
  expect(await rowCounts()).toEqual(counts);
  return body;
}

const auth = () => basicAuth(source.writeKey);

describe('bodies', () => {
  test('malformed JSON is 400 malformed_json', async () => {
    const body = await refused(
      await post(api, '/v1/track', '{"userId": "u", ', auth()),
      400,
      'malformed_json',
    );
    expect(body.detail).toBe('the body is not valid JSON');
  });

  test('an empty body is 400 malformed_json', async () => {
    await refused(await post(api, '/v1/identify', '', auth()), 400, 'malformed_json');
  });

  test('a JSON array or string instead of an object is 400 invalid_body', async () => {
    await refused(await post(api, '/v1/track', '[{"userId":"u","event":"E"}]', auth()), 400, 'invalid_body');
    await refused(await post(api, '/v1/batch', '"hello"', auth()), 400, 'invalid_body');
  });

  test('bytes that are not UTF-8 are 400 invalid_encoding', async () => {
    const res = await api.app.request('/v1/track', {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...auth() },
      body: new Uint8Array([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]),
    });
    await refused(res, 400, 'invalid_encoding');
  });

  test('a content type other than JSON or text/plain is 415', async () => {
    const res = await post(api, '/v1/track', 'userId=u&event=E', {
      ...auth(),
      'content-type': 'application/x-www-form-urlencoded',
    });
    await refused(res, 415, 'unsupported_media_type');
  });
});

describe('write keys', () => {
  test('no write key is 401 missing_write_key', async () => {
    const body = await refused(
      await post(api, '/v1/track', { userId: 'u', event: 'E' }),
      401,
      'missing_write_key',
    );
    expect(body.detail).toContain('Basic auth username');
  });

  test('an unknown write key, in the header or the body, is 401 invalid_write_key and is not echoed', async () => {
    const wrong = `${source.writeKey.slice(0, -4)}AAAA`;
    const viaHeader = await refused(
      await post(api, '/v1/track', { userId: 'u', event: 'E' }, basicAuth(wrong)),
      401,
      'invalid_write_key',
    );
    expect(JSON.stringify(viaHeader)).not.toContain(wrong);
    await refused(await post(api, '/v1/batch', { writeKey: wrong, batch: [] }), 401, 'invalid_write_key');
  });

  test('a Basic header that holds no key is 401 invalid_write_key even with a good key in the body', async () => {
    const res = await post(
      api,
      '/v1/track',
      { writeKey: source.writeKey, userId: 'u', event: 'E' },
      { authorization: 'Basic %%%' },
    );
    await refused(res, 401, 'invalid_write_key');
  });

  test('a disabled source is 403 source_disabled until it is enabled again', async () => {
    const paused = await createTestSource(api, 'Paused');
    expect((await api.call('POST', `/api/v1/sources/${paused.id}/disable`)).status).toBe(200);
    await refused(
      await post(api, '/v1/track', { userId: 'u', event: 'E' }, basicAuth(paused.writeKey)),
      403,
      'source_disabled',
    );
    await refused(
      await post(api, '/v1/batch', {
        writeKey: paused.writeKey,
        batch: [{ type: 'track', userId: 'u', event: 'E' }],
      }),
      403,
      'source_disabled',
    );
    expect((await api.call('POST', `/api/v1/sources/${paused.id}/enable`)).status).toBe(200);
    const res = await post(api, '/v1/track', { userId: 'u', event: 'E' }, basicAuth(paused.writeKey));
    expect(res.status).toBe(200);
  });

  test('after rotation the old key is 401 and the new one works', async () => {
    const rotating = await createTestSource(api, 'Rotating');
    const rotated = await readJson<SourceWithWriteKey>(
      await api.call('POST', `/api/v1/sources/${rotating.id}/rotate`),
    );
    await refused(
      await post(api, '/v1/track', { userId: 'u', event: 'E' }, basicAuth(rotating.writeKey)),
      401,
      'invalid_write_key',
    );
    const res = await post(api, '/v1/track', { userId: 'u', event: 'E' }, basicAuth(rotated.writeKey));
    expect(res.status).toBe(200);
  });
});

describe('sizes', () => {
  test('a single call over 32 KB is 400 message_too_large', async () => {
    const big = { userId: 'u', event: 'E', properties: { blob: 'x'.repeat(32 * 1024) } };
    const body = await refused(await post(api, '/v1/track', big, auth()), 400, 'message_too_large');
    expect(body.detail).toBe('the message is larger than 32 KB');
  });

  test('a batch over 500 KB is 400 batch_too_large, even when each message is small', async () => {
    const batch = Array.from({ length: 26 }, (_, i) => ({
      type: 'track',
      userId: 'u',
      event: 'E',
      messageId: `big-${i}`,
      properties: { blob: 'x'.repeat(20 * 1024) },
    }));
    const body = await refused(await post(api, '/v1/batch', { batch }, auth()), 400, 'batch_too_large');
    expect(body.detail).toBe('the batch is larger than 500 KB');
  });

  test('more than 2500 messages, no messages or no batch array is 400 invalid_batch', async () => {
    const many = Array.from({ length: 2501 }, () => ({ type: 'page', userId: 'u' }));
    const tooMany = await refused(
      await post(api, '/v1/batch', { batch: many }, auth()),
      400,
      'invalid_batch',
    );
    expect(tooMany.problems).toEqual([
      { path: 'batch', message: 'must hold at most 2500 messages', code: 'invalid_batch' },
    ]);
    await refused(await post(api, '/v1/batch', { batch: [] }, auth()), 400, 'invalid_batch');
    await refused(await post(api, '/v1/batch', { batch: { type: 'track' } }, auth()), 400, 'invalid_batch');
    await refused(await post(api, '/v1/batch', { events: [] }, auth()), 400, 'invalid_batch');
  });

  test("a batch's own invalid sentAt or context refuses the whole batch", async () => {
    const items = [{ type: 'track', userId: 'u', event: 'E' }];
    const badTime = await refused(
      await post(api, '/v1/batch', { batch: items, sentAt: 'soon' }, auth()),
      400,
      'invalid_batch',
    );
    expect(badTime.problems?.[0]).toMatchObject({ path: 'sentAt', code: 'invalid_timestamp' });
    await refused(await post(api, '/v1/batch', { batch: items, context: [1] }, auth()), 400, 'invalid_batch');
  });
});

describe('messages', () => {
  test.each([
    ['/v1/track', { event: 'E' }, 'missing_id', 'userId'],
    ['/v1/identify', { traits: { a: 1 } }, 'missing_id', 'userId'],
    ['/v1/page', { userId: '', name: 'Home' }, 'invalid_field', 'userId'],
    ['/v1/track', { userId: { id: 1 }, event: 'E' }, 'invalid_field', 'userId'],
    ['/v1/track', { userId: 'u' }, 'invalid_field', 'event'],
    ['/v1/track', { userId: 'u', event: 42 }, 'invalid_field', 'event'],
    ['/v1/track', { userId: 'u', event: ['A'] }, 'invalid_field', 'event'],
    ['/v1/track', { userId: 'u', event: '' }, 'invalid_field', 'event'],
    ['/v1/identify', { userId: 'u', traits: 'vip' }, 'invalid_field', 'traits'],
    ['/v1/track', { userId: 'u', event: 'E', properties: [] }, 'invalid_field', 'properties'],
    ['/v1/track', { userId: 'u', event: 'E', integrations: 'all' }, 'invalid_field', 'integrations'],
    ['/v1/group', { userId: 'u' }, 'invalid_field', 'groupId'],
    ['/v1/alias', { userId: 'u' }, 'invalid_field', 'previousId'],
    ['/v1/track', { type: 'page', userId: 'u', event: 'E' }, 'invalid_type', 'type'],
    ['/v1/track', { userId: 'u', event: 'E', timestamp: 'yesterday' }, 'invalid_timestamp', 'timestamp'],
    [
      '/v1/track',
      { userId: 'u', event: 'E', timestamp: '2024-02-30T10:00:00Z' },
      'invalid_timestamp',
      'timestamp',
    ],
    ['/v1/track', { userId: 'u', event: 'E', sentAt: 1714558830000 }, 'invalid_timestamp', 'sentAt'],
    [
      '/v1/track',
      { userId: 'u', event: 'E', timestamp: '2099-01-01T00:00:00Z' },
      'timestamp_in_future',
      'timestamp',
    ],
    ['/v1/identify', { userId: 'u', timestamp: '1900-01-01T00:00:00Z' }, 'timestamp_too_old', 'timestamp'],
  ])('POST %s %j is 400 %s', async (path, message, code, field) => {
    const body = await refused(await post(api, path, message, auth()), 400, code);
    expect(body.problems?.[0]).toMatchObject({ path: field, code });

    expect(body.detail).toContain(field);
  });

  test('a batch whose every message is bad is accepted as a request but stores nothing', async () => {
    const res = await post(
      api,
      '/v1/batch',
      {
        batch: [
          { type: 'identify', traits: { a: 1 } },
          { type: 'track', userId: 'u', event: null },
        ],
      },
      auth(),
    );
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      success: true,
      accepted: 0,
      duplicates: 0,
      rejected: [
        { index: 0, code: 'missing_id', error: 'userId a userId or an anonymousId is required' },
        { index: 1, code: 'invalid_field', error: 'event must be a non-empty string' },
      ],
    });
    expect(await rowCounts()).toEqual(counts);
  });

  test('methods other than POST find no tracking route', async () => {
    const res = await api.app.request('/v1/track', { method: 'GET' });
    expect(res.status).toBe(404);
    expect(await rowCounts()).toEqual(counts);
  });
});
