// A pool that lost Postgres reconnects soon after it is back: postgres.js's own backoff, grown by every failed
// attempt of the pool during the outage, kept a server refusing work for 10–20 s after a few seconds of it.
// The outage here is a cut connection: a loopback proxy in front of the test database drops every socket
// and refuses new ones, then lets them through again.
import { CuttableProxy, createTestDatabase, type TestDatabase } from '@tributary/db/testing';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, expect, inject, test } from 'vitest';
import { type DbHandle, MAX_RECONNECT_DELAY_SECONDS, openDb, reconnectDelaySeconds } from './client.js';

let tdb: TestDatabase;
let proxy: CuttableProxy;
let handle: DbHandle;

beforeAll(async () => {
  tdb = await createTestDatabase(inject('templateDatabase'), 'postgres');
  const url = new URL(tdb.url ?? '');
  proxy = new CuttableProxy({ host: url.hostname, port: Number(url.port || 5432) });
  await proxy.open();
  handle = await openDb({ url: proxy.urlFor(url.toString()), maxConnections: 10, connectTimeoutSeconds: 1 });
});

afterAll(async () => {
  await proxy?.cut();
  await handle?.close().catch(() => {});
  await tdb?.dispose();
});

test('the reconnect delay starts small, grows, and never passes its bound', () => {
  expect(reconnectDelaySeconds(0)).toBeLessThanOrEqual(0.05);
  expect(reconnectDelaySeconds(0)).toBeGreaterThan(0);
  for (let failures = 0; failures <= 40; failures++) {
    expect(reconnectDelaySeconds(failures)).toBeLessThanOrEqual(MAX_RECONNECT_DELAY_SECONDS);
  }
  expect(reconnectDelaySeconds(30)).toBeGreaterThanOrEqual(MAX_RECONNECT_DELAY_SECONDS / 2);
});

test('after a cut of a few seconds with queries failing throughout, the pool answers within seconds of the way being open again', async () => {
  const select = () => handle.db.execute(sql`select 1 as one`);
  await select();
  await proxy.cut();
  // callers keep trying through the outage, as a server under load would (each failed connect counts);
  // a query waits in the pool for a connection, so they are not awaited one by one
  let failed = 0;
  const tries: Promise<unknown>[] = [];
  const until = Date.now() + 5_000;
  while (Date.now() < until) {
    tries.push(
      select().catch(() => {
        failed++;
      }),
    );
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  expect(failed, 'the outage was felt').toBeGreaterThan(0);
  await proxy.open();
  const reopened = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const answered = await Promise.race([
    select().then(() => performance.now() - reopened),
    new Promise<string>((resolve) => {
      timer = setTimeout(() => resolve('no answer within 2.5 s'), 2_500);
    }),
  ]);
  clearTimeout(timer);
  // the bound is the reconnect delay's (1 s) with room for a loaded machine; with postgres.js's default
  // backoff this took 4–20 s
  expect(
    answered,
    `ms from the way open again to an answer (${failed} queries failed in the outage)`,
  ).toBeTypeOf('number');
  await Promise.all(tries);
});
