// A connection cut as it starts — Postgres stopping, a failover, a proxy dropping it just after the
// handshake — fails the statements that waited for it, and leaves no rejection with nobody listening but the
// one the server knows to survive. (postgres.js 3.4.9 reads the database's array types as each connection
// starts, in a promise nobody awaits: cut in that moment, it rejects unhandled, on a reserved connection at
// once, on another once Postgres refuses the reconnect. The main pool skips the read; the ingest pool needs it.)
import { CuttableProxy, createTestDatabase, type TestDatabase } from '@tributary/db/testing';
import { sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, beforeEach, expect, inject, test } from 'vitest';
import { type DbHandle, openDb, selectRows } from './client.js';
import { isArrayTypesReadFailure } from './driver-faults.js';

let tdb: TestDatabase;
let proxy: CuttableProxy;
let handle: DbHandle;
let unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);

beforeAll(async () => {
  tdb = await createTestDatabase(inject('templateDatabase'), 'postgres');
  const url = new URL(tdb.url ?? '');
  proxy = new CuttableProxy({ host: url.hostname, port: Number(url.port || 5432) });
  await proxy.open();
});

beforeEach(async () => {
  unhandled = [];
  process.on('unhandledRejection', onUnhandled);
  // a fresh handle each time: its connections all start under the test
  handle = await openDb({
    url: proxy.urlFor(tdb.url ?? ''),
    maxConnections: 2,
    ingestConnections: 2,
    ingestStatementTimeoutMs: 2_000,
    connectTimeoutSeconds: 1,
  });
});

afterEach(async () => {
  process.off('unhandledRejection', onUnhandled);
  await handle.close().catch(() => {});
});

afterAll(async () => {
  await proxy?.cut();
  await tdb?.dispose();
});

/** Long enough for a reconnect (at most 1 s apart) and any rejection left behind to surface. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 1_500));

test('an ingest connection cut as it starts leaves only the known rejection behind; the next reservation works', async () => {
  const reserve = handle.reserveIngest;
  if (!reserve) throw new Error('a postgres:// handle reserves ingest connections');
  // the ingest pool reads array types as a connection starts (its reservations need it): that read is what
  // is cut, and the reservation waiting for it is never handed over (the caller's time limit ends the wait)
  const cut = proxy.cutNextAtFirstStatement({ thenRefuse: false });
  const lost = reserve();
  await cut;
  await settle();
  void lost.then((r) => r.release()).catch(() => {});
  const next = await reserve();
  const rows = await selectRows(next.db, sql`select 2 as two`);
  next.release();
  expect(rows).toEqual([{ two: 2 }]);
  expect(unhandled.length, 'the cut read rejected with nobody listening').toBeGreaterThan(0);
  for (const reason of unhandled) expect(isArrayTypesReadFailure(reason), String(reason)).toBe(true);
});

test('a connection cut at its first statement, with Postgres refusing the reconnect, fails that statement only', async () => {
  const cut = proxy.cutNextAtFirstStatement({ thenRefuse: true });
  await expect(handle.db.execute(sql`select 1 as one`)).rejects.toThrow();
  await cut;
  await settle();
  await proxy.open();
  const rows = await selectRows(handle.db, sql`select 2 as two`);
  expect(rows).toEqual([{ two: 2 }]);
  expect(unhandled, 'rejections nobody listened to').toEqual([]);
});
