// Postgres unreachable: a tracking call answers 503 with Retry-After at once (Segment SDKs retry 5xx), never hangs.
import { afterAll, beforeAll, expect, test } from 'vitest';
import { readProblem } from '../test-app.js';
import { type HangingDbApp, startAppOnHangingDb } from '../test-hanging-db.js';
import { basicAuth } from './test-tracking.js';

let hanging: HangingDbApp;

beforeAll(async () => {
  hanging = await startAppOnHangingDb();
});

afterAll(async () => {
  await hanging?.close();
});

test('a tracking call gets 503 with Retry-After within the ingest time limit when Postgres does not answer', async () => {
  const started = Date.now();
  const res = await hanging.app.request('/v1/batch', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...basicAuth('trw_some-key') },
    body: JSON.stringify({ batch: [{ type: 'track', userId: 'u', event: 'E' }] }),
  });
  expect(Date.now() - started).toBeLessThan(2_500);
  expect(res.status).toBe(503);
  expect(res.headers.get('retry-after')).toBe('5');
  expect((await readProblem(res)).code).toBe('unavailable');
});
