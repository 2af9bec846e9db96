// The ingest time limit never lies: a 503 means nothing was stored, even when the database was only slow.
import { randomUUID } from 'node:crypto';
import { schema } from '@tributary/db';
import { UnavailableError } from '@tributary/flow';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, expect, inject, test } from 'vitest';
import { deployFlow, holdIdempotencyKey, startTestEngine, type TestEngine } from '../testing/index.js';
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

test.skipIf(onPglite)(
  // PGlite has one connection, so a second session cannot hold a lock against the engine: Postgres only
  'a write that outlasts the time limit answers 503 and is rolled back, not committed behind the answer',
  async () => {
    const deployed = await deployFlow(t.engine, {
      name: 'Slow',
      slug: 'slow',
      nodes: [
        { id: 'start', type: 'trigger.manual', name: 'Start', config: {} },
        { id: 'set', type: 'logic.set', name: 'Set', config: { fields: { a: 1 } } },
      ],
      edges: [{ id: 'e1', source: 'start', target: 'set' }],
    });
    const key = randomUUID();
    // another transaction holds the same (source, idempotency key): the engine's insert waits on the unique
    // index, past the time limit
    const held = await holdIdempotencyKey(t.engine.ctx.db, 'slow', key);
    const attempt = ingest(t.engine.ctx, {
      source: 'slow',
      type: 'test',
      idempotencyKey: key,
      payload: {},
      targets: [{ ...deployed, item: {} }],
    });
    await expect(attempt).rejects.toBeInstanceOf(UnavailableError);
    // now the blocker goes away: the engine's insert proceeds, finds the transaction abandoned and rolls back
    await held.release();
    await new Promise((resolve) => setTimeout(resolve, 300));
    const stored = await t.engine.ctx.db
      .select()
      .from(schema.events)
      .where(and(eq(schema.events.source, 'slow'), eq(schema.events.idempotencyKey, key)));
    expect(stored).toEqual([]);
    expect(
      await t.engine.ctx.db.select().from(schema.runs).where(eq(schema.runs.flowId, deployed.flowId)),
    ).toEqual([]);
  },
);
