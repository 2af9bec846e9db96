// The ingest time limit never lies: a 503 means nothing was stored, even when the database was only slow —
// whether the batch went in one statement (Postgres cancels it) or in a transaction (abandoned, rolled back).
// A one-statement batch waits for its own connection within the limit, and a connection lost under it — or
// one whose answer never comes — is left to the pool, which goes on without it. A transaction whose COMMIT
// gets no answer is answered 503 at a bound too, one that says its outcome is unknown.
import { randomUUID } from 'node:crypto';
import { openDb, schema, selectRows } from '@tributary/db';
import { CuttableProxy } from '@tributary/db/testing';
import { UnavailableError } from '@tributary/flow';
import { and, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, expect, inject, test } from 'vitest';
import { type EngineContext, TimeoutError } from '../core/index.js';
import {
  deployFlow,
  holdIdempotencyKey,
  startTestEngine,
  type TestEngine,
  waitFor,
} from '../testing/index.js';
import { statementAnswerLimitMs, UnansweredCommit } from './accept.js';
import { ingest } from './ingest.js';

const onPglite = process.env.TEST_DB === 'pglite';
let t: TestEngine;

beforeAll(async () => {
  t = await startTestEngine(inject('templateDatabase'), {
    worker: false,
    settings: { ingestTimeoutMs: 400 },
  });
});
afterAll(async () => {
  await t?.close();
});

/** The `code` of each error down the cause chain (drizzle wraps postgres.js's error). */
function codesOf(err: unknown): string[] {
  const codes: string[] = [];
  for (let cur = err; typeof cur === 'object' && cur !== null; cur = (cur as { cause?: unknown }).cause) {
    const code = (cur as { code?: unknown }).code;
    if (typeof code === 'string') codes.push(code);
  }
  return codes;
}

/** A manual flow whose runs finish while accepted: its batches go in one statement, without a transaction. */
const pureFlow = {
  name: 'Slow',
  slug: 'slow',
  nodes: [
    { id: 'start', type: 'trigger.manual', name: 'Start', config: {} },
    { id: 'set', type: 'logic.set', name: 'Set', config: { fields: { a: 1 } } },
  ],
  edges: [{ id: 'e1', source: 'start', target: 'set' }],
};

/** One run at a time, and a step left to a worker: its runs wait for admission, in a transaction. */
const gatedFlow = {
  name: 'Slow gated',
  slug: 'slow-gated',
  settings: { concurrency: 1 },
  nodes: [
    { id: 'start', type: 'trigger.manual', name: 'Start', config: {} },
    { id: 'call', type: 'action.http', name: 'Call', config: { method: 'GET', url: 'http://127.0.0.1:9/' } },
  ],
  edges: [{ id: 'e1', source: 'start', target: 'call' }],
};

/**
 * The engine's context with its ingest pool (two connections) going through a CuttableProxy in front of the
 * test's Postgres, the rest of the engine as it is; close() cuts the proxy and closes the pool.
 */
async function ingestThroughProxy() {
  const url = t.database.url ?? '';
  const proxy = new CuttableProxy({ host: new URL(url).hostname, port: Number(new URL(url).port || 5432) });
  await proxy.open();
  const handle = await openDb({
    url: proxy.urlFor(url),
    maxConnections: 1,
    ingestConnections: 2,
    ingestStatementTimeoutMs: t.engine.ctx.ingestStatementTimeoutMs,
  });
  const ctx: EngineContext = {
    ...t.engine.ctx,
    ingestDb: handle.ingestDb,
    reserveIngest: handle.reserveIngest,
  };
  return {
    proxy,
    ctx,
    close: async () => {
      await proxy.cut();
      await handle.close().catch(() => {});
    },
  };
}

/** Deploys the pure flow as `source` and gives a function that ingests one of its events with a key. */
async function eventsOf(engine: TestEngine, source: string) {
  const deployed = await deployFlow(engine.engine, { ...pureFlow, slug: source });
  return keyedEvents(engine.engine.ctx, deployed, source);
}

/** A function that ingests, through `ctx`, one event of `source` with a key that starts a run of `deployed`. */
function keyedEvents(ctx: EngineContext, deployed: { flowId: string; version: number }, source: string) {
  return (idempotencyKey: string) =>
    ingest(ctx, {
      source,
      type: 'test',
      idempotencyKey,
      payload: {},
      targets: [{ ...deployed, item: {} }],
    });
}

test.skipIf(onPglite).each([
  // Postgres cancels the statement at the ingest pool's statement_timeout (the time limit): 57014
  { path: 'one statement', flow: pureFlow, canceled: true },
  // the transaction is abandoned at the time limit and rolls back once its statement returns
  { path: 'a transaction', flow: gatedFlow, canceled: false },
])(
  // PGlite has one connection, so a second session cannot hold a lock against the engine: Postgres only
  'a write that outlasts the time limit answers 503 and is not committed behind the answer ($path)',
  async ({ flow, canceled }) => {
    const deployed = await deployFlow(t.engine, flow);
    const key = randomUUID();
    const source = flow.slug;
    // another transaction holds the same (source, idempotency key): the engine's insert waits on the unique
    // index, past the time limit
    const held = await holdIdempotencyKey(t.engine.ctx.db, source, key);
    const attempt = ingest(t.engine.ctx, {
      source,
      type: 'test',
      idempotencyKey: key,
      payload: {},
      targets: [{ ...deployed, item: {} }],
    });
    const refused = await attempt.then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(refused).toBeInstanceOf(UnavailableError);
    // which way it went: Postgres's cancel, or the engine's own timer
    const cause = (refused as Error).cause;
    expect(cause).toBeInstanceOf(TimeoutError);
    expect(codesOf(cause).includes('57014')).toBe(canceled);
    // now the blocker goes away: a canceled statement is gone; an abandoned transaction's insert proceeds,
    // finds itself abandoned and rolls back
    await held.release();
    await new Promise((resolve) => setTimeout(resolve, 300));
    const stored = await t.engine.ctx.db
      .select()
      .from(schema.events)
      .where(and(eq(schema.events.source, source), eq(schema.events.idempotencyKey, key)));
    expect(stored).toEqual([]);
    expect(
      await t.engine.ctx.db.select().from(schema.runs).where(eq(schema.runs.flowId, deployed.flowId)),
    ).toEqual([]);
    // and the next event goes in
    const next = await ingest(t.engine.ctx, {
      source,
      type: 'test',
      payload: {},
      targets: [{ ...deployed, item: {} }],
    });
    expect(next).toMatchObject({ duplicate: false, runs: [{ flowId: deployed.flowId }] });
  },
);

test.skipIf(onPglite)(
  // PGlite has one connection and no pool to run out of: Postgres only
  'with every ingest connection taken, a one-statement batch answers 503 at the time limit, writes nothing, and the connection it was waiting for goes back to the pool',
  async () => {
    const reserve = t.database.handle.reserveIngest;
    if (!reserve) throw new Error('the test database reserves no connections');
    const event = await eventsOf(t, 'pool-drained');
    // take every connection of the ingest pool (the test database's has 4)
    const held = [];
    for (let i = 0; i < 4; i++) held.push(await reserve());
    const key = randomUUID();
    const refused = await event(key).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(refused).toBeInstanceOf(UnavailableError);
    expect((refused as Error).cause).toBeInstanceOf(TimeoutError);
    expect(String((refused as Error).cause)).toContain('a connection for writing the events took longer');
    // the connections come back: the refused batch's reservation gets one and gives it back unused
    for (const conn of held.splice(0)) conn.release();
    await new Promise((resolve) => setTimeout(resolve, 100));
    const stored = await t.engine.ctx.db
      .select()
      .from(schema.events)
      .where(and(eq(schema.events.source, 'pool-drained'), eq(schema.events.idempotencyKey, key)));
    expect(stored).toEqual([]);
    // had it kept the connection, three taken would leave none and the next event would be refused too
    for (let i = 0; i < 3; i++) held.push(await reserve());
    try {
      expect(await event(randomUUID())).toMatchObject({
        duplicate: false,
        runs: [{ flowId: expect.any(String) }],
      });
    } finally {
      for (const conn of held) conn.release();
    }
  },
);

test.skipIf(onPglite)(
  // PGlite has one connection and no server process to end: Postgres only
  'a connection lost under a one-statement batch answers 503, and the pool goes on without it',
  { timeout: 60_000 },
  async () => {
    // a time limit long enough to end the engine's connection while its statement waits
    const patient = await startTestEngine(inject('templateDatabase'), {
      worker: false,
      settings: { ingestTimeoutMs: 10_000 },
    });
    try {
      const event = await eventsOf(patient, 'lost-connection');
      // the engine's insert waits on the unique index behind another transaction
      const key = randomUUID();
      const held = await holdIdempotencyKey(patient.engine.ctx.db, 'lost-connection', key);
      const attempt = event(key).then(
        () => undefined,
        (err: unknown) => err,
      );
      // then Postgres ends the waiting backend (57P01), as a restart or an administrator would
      await waitFor(
        async () => {
          const ended = await selectRows(
            patient.engine.ctx.db,
            sql`select pg_terminate_backend(pid) from pg_stat_activity
              where datname = current_database() and wait_event_type = 'Lock' and pid <> pg_backend_pid()`,
          );
          return ended.length > 0;
        },
        { what: "the engine's statement to wait for the lock" },
      );
      const refused = await attempt;
      expect(refused).toBeInstanceOf(UnavailableError);
      await held.release();
      // every connection of the pool (4) comes round in turn: had the lost one been given back among the
      // open ones, a statement on it would never return
      for (let i = 0; i < 8; i++) {
        let timer: NodeJS.Timeout | undefined;
        const answer = await Promise.race([
          event(randomUUID()),
          new Promise<string>((resolve) => {
            timer = setTimeout(() => resolve(`event ${i} got no answer within 5 s`), 5_000);
          }),
        ]);
        clearTimeout(timer);
        expect(answer).toMatchObject({ duplicate: false, runs: [{ flowId: expect.any(String) }] });
      }
    } finally {
      await patient.close();
    }
  },
);

test.skipIf(onPglite)(
  // PGlite has no connection to lose: Postgres only
  'a one-statement batch whose statement is lost on the way answers 503 at a bound past the statement_timeout, writes nothing, and the next batch goes on another connection',
  { timeout: 30_000 },
  async () => {
    const { proxy, ctx, close } = await ingestThroughProxy();
    try {
      const deployed = await deployFlow(t.engine, { ...pureFlow, slug: 'lost-statement' });
      const event = keyedEvents(ctx, deployed, 'lost-statement');
      // a connection of the ingest pool is started and open
      await event(randomUUID());
      // then what it sends is lost, and nothing says so: no answer, no close
      proxy.dropStatements();
      const key = randomUUID();
      const started = performance.now();
      const refused = await event(key).then(
        () => undefined,
        (err: unknown) => err,
      );
      const waited = performance.now() - started;
      expect(refused).toBeInstanceOf(UnavailableError);
      // the statement was sent: whether it committed is unknown, and the 503 says so
      expect((refused as Error).cause).toBeInstanceOf(UnansweredCommit);
      expect(String((refused as Error).cause)).toContain('the answer to writing the events took longer');
      expect((refused as Error).message).toContain('may or may not have been stored');
      // answered at the bound past its statement_timeout, not minutes later when TCP keepalive would end it
      expect(waited).toBeGreaterThanOrEqual(statementAnswerLimitMs(ctx) - 50);
      proxy.passStatements();
      const stored = await t.engine.ctx.db
        .select()
        .from(schema.events)
        .where(and(eq(schema.events.source, 'lost-statement'), eq(schema.events.idempotencyKey, key)));
      expect(stored).toEqual([]);
      // the connection without an answer was given up, not handed to the next batch (which would wait on it)
      for (let i = 0; i < 3; i++) {
        expect(await event(randomUUID())).toMatchObject({
          duplicate: false,
          runs: [{ flowId: deployed.flowId }],
        });
      }
    } finally {
      await close();
    }
  },
);

test.skipIf(onPglite)(
  // PGlite has no connection to lose: Postgres only
  'a batch in a transaction whose COMMIT gets no answer is answered 503 at a bound, saying its outcome is unknown, and the next batch goes on another connection',
  { timeout: 30_000 },
  async () => {
    const { proxy, ctx, close } = await ingestThroughProxy();
    try {
      // its runs wait for admission: each batch goes in a transaction
      const deployed = await deployFlow(t.engine, { ...gatedFlow, slug: 'commit-unanswered' });
      const event = keyedEvents(ctx, deployed, 'commit-unanswered');
      // the pool's connections are started and open (a one-statement batch each: no COMMIT sent yet)
      const pure = await deployFlow(t.engine, { ...pureFlow, slug: 'unanswered-warm-up' });
      const warm = () =>
        ingest(ctx, {
          source: 'unanswered-warm-up',
          type: 'test',
          payload: {},
          targets: [{ ...pure, item: {} }],
        });
      await Promise.all([warm(), warm()]);
      // then a connection's COMMIT is lost on the way, and nothing says so: no answer, no close
      proxy.dropFromCommit();
      const key = randomUUID();
      const started = performance.now();
      const refused = await event(key).then(
        () => undefined,
        (err: unknown) => err,
      );
      const waited = performance.now() - started;
      expect(refused).toBeInstanceOf(UnavailableError);
      expect((refused as Error).cause).toBeInstanceOf(UnansweredCommit);
      expect((refused as Error).message).toContain('may or may not have been stored');
      // answered at the bound once the COMMIT was sent, not minutes later when TCP keepalive would end it
      expect(waited).toBeGreaterThanOrEqual(statementAnswerLimitMs(ctx) - 50);
      expect(waited).toBeLessThan(statementAnswerLimitMs(ctx) + ctx.settings.ingestTimeoutMs + 2_000);
      proxy.passStatements();
      // Postgres never saw the COMMIT: nothing of it is stored, and it ends the transaction that waits for it
      // (the ingest pool's idle_in_transaction_session_timeout), giving up its locks — the admission lock of the
      // flow among them, which every next batch of the flow would otherwise wait on
      const stored = () =>
        t.engine.ctx.db
          .select()
          .from(schema.events)
          .where(and(eq(schema.events.source, 'commit-unanswered'), eq(schema.events.idempotencyKey, key)));
      expect(await stored()).toEqual([]);
      await waitFor(
        async () => {
          const idle = await selectRows(
            t.engine.ctx.db,
            sql`select pid from pg_stat_activity
              where datname = current_database() and state = 'idle in transaction' and pid <> pg_backend_pid()`,
          );
          return idle.length === 0;
        },
        { what: 'Postgres to end the transaction whose COMMIT never came' },
      );
      // the next batches go on (a connection of the pool, new or not)
      for (let i = 0; i < 3; i++) {
        expect(await event(randomUUID())).toMatchObject({
          duplicate: false,
          runs: [{ flowId: deployed.flowId }],
        });
      }
      // sent again with its key, it is stored once
      expect(await event(key)).toMatchObject({ duplicate: false });
      expect(await stored()).toHaveLength(1);
    } finally {
      await close();
    }
  },
);
