// The ingest time limit never lies: a 503 means nothing was stored, even when the database was only slow —
// whether the batch went in one statement (Postgres cancels it) or in a transaction (abandoned, rolled back).
import { randomUUID } from 'node:crypto';
import { schema } from '@tributary/db';
import { UnavailableError } from '@tributary/flow';
import { and, eq } from 'drizzle-orm';
import postgres from 'postgres';
import { afterAll, beforeAll, expect, inject, test } from 'vitest';
import { TimeoutError } from '../core/index.js';
import { deployFlow, startTestEngine, type TestEngine } from '../testing/index.js';
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
    // another session inserts the same (source, idempotency key) and keeps its transaction open:
    // the engine's insert waits on the unique index, past the time limit
    const blocker = postgres(t.database.url ?? '', { max: 1, onnotice: () => {} });
    let release = () => {};
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    const holding = blocker.begin(async (tx) => {
      await tx`insert into events (id, source, type, idempotency_key, payload) values (${randomUUID()}, ${source}, 'test', ${key}, '{}')`;
      await released;
      throw new Error('roll back the blocker');
    });
    await new Promise((resolve) => setTimeout(resolve, 100));
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
    release();
    await holding.catch(() => {});
    await blocker.end();
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
