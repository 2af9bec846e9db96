// Postgres unreachable: webhooks and the API answer 503 with Retry-After at once, never hang.
import { afterAll, beforeAll, expect, test } from 'vitest';
import { type HangingDbApp, startAppOnHangingDb } from './test-hanging-db.js';

let hanging: HangingDbApp;

beforeAll(async () => {
  hanging = await startAppOnHangingDb();
});

afterAll(async () => {
  await hanging?.close();
});

test('a webhook gets 503 with Retry-After within 2 s when Postgres does not answer', async () => {
  const started = Date.now();
  const res = await hanging.app.request('/hooks/anything', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{"a":1}',
  });
  expect(Date.now() - started).toBeLessThan(2_500);
  expect(res.status).toBe(503);
  expect(res.headers.get('retry-after')).toBe('5');
  expect((await res.json()).code).toBe('unavailable');
});

test('readiness reports Postgres down', async () => {
  const res = await hanging.app.request('/readyz');
  expect(res.status).toBe(503);
  expect(await res.json()).toMatchObject({ postgres: false, redis: true });
});
