// Back-pressure: while Postgres is slow, the events waiting for a commit are bounded in bytes; past the bound
// ingest answers 503 at once (nothing stored, counted in /metrics) instead of gathering load in memory.
import { randomUUID } from 'node:crypto';
import { schema } from '@tributary/db';
import { UnavailableError } from '@tributary/flow';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, expect, inject, test } from 'vitest';
import { deployFlow, holdIdempotencyKey, startTestEngine, type TestEngine } from '../testing/index.js';
import { ingest } from './ingest.js';

const onPglite = process.env.TEST_DB === 'pglite';
let t: TestEngine;

beforeAll(async () => {
  t = await startTestEngine(inject('templateDatabase'), {
    worker: false,
    // 4 KiB may wait for a commit; the time limit is long enough that nothing expires while the test holds it
    settings: { ingestTimeoutMs: 10_000, ingestBacklogBytes: 4 * 1024 },
  });
});
afterAll(async () => {
  await t?.close();
});

test.skipIf(onPglite)(
  // PGlite has one connection, so a second session cannot hold a lock against the engine: Postgres only
  'with a commit held up, events past the backlog bound are refused at once; the ones within it are stored',
  { timeout: 30_000 },
  async () => {
    const deployed = await deployFlow(t.engine, {
      name: 'Backlog',
      slug: 'backlog',
      nodes: [
        { id: 'start', type: 'trigger.manual', name: 'Start', config: {} },
        { id: 'set', type: 'logic.set', name: 'Set', config: { fields: { a: 1 } } },
      ],
      edges: [{ id: 'e1', source: 'start', target: 'set' }],
    });
    const send = (key: string, bytes: number) =>
      ingest(t.engine.ctx, {
        source: 'backlog',
        type: 'test',
        idempotencyKey: key,
        payload: { key },
        payloadBytes: bytes,
        targets: [{ ...deployed, item: {} }],
      });
    // another transaction holds the first event's idempotency key: its commit waits
    const key = randomUUID();
    const held = await holdIdempotencyKey(t.engine.ctx.db, 'backlog', key);
    const first = send(key, 100);
    await new Promise((resolve) => setTimeout(resolve, 100));

    // 2 KiB + 2 KiB wait behind it; the next 1 KiB (at least 1 KiB counts, however small) does not fit
    const waiting = [send('w1', 2048), send('w2', 2048)];
    const refused = await Promise.allSettled([send('r1', 10), send('r2', 3000)]);
    expect(refused.map((o) => o.status === 'rejected' && o.reason instanceof UnavailableError)).toEqual([
      true,
      true,
    ]);
    expect((refused[0] as PromiseRejectedResult).reason).toMatchObject({ retryAfterSeconds: 1 });
    const shed = await t.engine.ctx.metrics.ingestShed.get();
    expect(shed.values.find((v) => v.labels.reason === 'backlog')?.value).toBe(2);

    await held.release();
    const accepted = await Promise.all([first, ...waiting]);
    expect(accepted.map((r) => r.duplicate)).toEqual([false, false, false]);
    const stored = await t.engine.ctx.db
      .select({ key: schema.events.idempotencyKey })
      .from(schema.events)
      .where(eq(schema.events.source, 'backlog'));
    expect(stored.map((e) => e.key).sort()).toEqual([key, 'w1', 'w2'].sort());
    // and with the backlog drained, events are taken again
    expect((await send('after', 2048)).duplicate).toBe(false);
  },
);
