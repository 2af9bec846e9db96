// Postgres unreachable: webhooks and the API answer 503 with Retry-After at once, never hang.
import { captureLog } from '@tributary/engine/testing';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { readProblem } from './test-app.js';
import { type HangingDbApp, startAppOnHangingDb } from './test-hanging-db.js';

let hanging: HangingDbApp;
const log = captureLog('info');

beforeAll(async () => {
  hanging = await startAppOnHangingDb(log.logger);
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
  expect((await readProblem(res)).code).toBe('unavailable');
});

test('a 503 is logged as one warning with its reason, not as an error with a stack', async () => {
  log.lines.length = 0;
  const res = await hanging.app.request('/hooks/logged', { method: 'POST', body: '{}' });
  expect(res.status).toBe(503);
  // the refusal's own reason reaches the caller: nothing of the request was accepted
  expect((await readProblem(res)).detail).toBe(
    'the database is unavailable; nothing was accepted, try again',
  );
  const answered = log.records().filter((l) => l.msg === 'request answered 503');
  expect(answered).toEqual([
    expect.objectContaining({
      level: 40,
      path: '/hooks/logged',
      method: 'POST',
      reason: 'the database is unavailable; nothing was accepted, try again',
      cause: expect.any(String),
    }),
  ]);
  expect(log.records().filter((l) => l.level >= 50)).toEqual([]);
  expect(JSON.stringify(answered)).not.toContain('"stack"');
});

test('readiness reports Postgres down', async () => {
  const res = await hanging.app.request('/readyz');
  expect(res.status).toBe(503);
  expect(await res.json()).toMatchObject({ postgres: false, redis: true });
});
