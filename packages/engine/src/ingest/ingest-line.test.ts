// The group commit's line on a slow database that keeps committing: events that wait their turn longer than
// the ingest time limit are accepted while commits succeed, up to ingestMaxWaitMs; past it they are refused
// with 503 and nothing of them is stored.
import { schema } from '@tributary/db';
import { UnavailableError } from '@tributary/flow';
import { eq, sql } from 'drizzle-orm';
import { expect, inject, test } from 'vitest';
import { deployFlow, manualFlow, startTestEngine } from '../testing/index.js';
import { ingest } from './ingest.js';

/** A manual flow whose runs finish while accepted. */
const flow = manualFlow(
  [{ id: 'set', type: 'logic.set', name: 'Set', config: { fields: { a: 1 } } }],
  [{ id: 'e1', source: 'trigger', target: 'set' }],
);

const EVENTS = 16;
/** What each commit takes at least (a trigger sleeps in every insert of events). */
const COMMIT_MS = 100;
const TIMEOUT_MS = 1_000;

/**
 * Ingests EVENTS events at once into an engine whose every commit takes COMMIT_MS and holds one event: the
 * last waits ~EVENTS × COMMIT_MS (1.6 s), past the ingest time limit (1 s), while the line moves every 100 ms.
 */
async function burst(ingestMaxWaitMs: number) {
  const t = await startTestEngine(inject('templateDatabase'), {
    worker: false,
    // one event per commit: every event's payload is over the bytes a commit takes
    settings: { ingestTimeoutMs: TIMEOUT_MS, ingestMaxWaitMs, ingestBatchBytes: 1 },
  });
  try {
    const db = t.engine.ctx.db;
    await db.execute(
      sql.raw(`create function slow_insert() returns trigger language plpgsql as $$
        begin perform pg_sleep(${COMMIT_MS / 1000}); return null; end $$`),
    );
    await db.execute(
      sql`create trigger slow_insert after insert on events for each statement execute function slow_insert()`,
    );
    const deployed = await deployFlow(t.engine, flow);
    const outcomes = await Promise.allSettled(
      Array.from({ length: EVENTS }, (_, seq) =>
        ingest(t.engine.ctx, {
          source: 'line',
          type: 'test',
          payload: { seq },
          payloadBytes: 100,
          targets: [{ ...deployed, item: { seq } }],
        }),
      ),
    );
    const stored = await db
      .select({ seq: sql<number>`(${schema.events.payload}->>'seq')::int`.mapWith(Number) })
      .from(schema.events)
      .where(eq(schema.events.source, 'line'));
    return { outcomes, stored: stored.map((r) => r.seq).sort((a, b) => a - b) };
  } finally {
    await t.close();
  }
}

test('while commits succeed, events wait their turn past the ingest time limit and are all accepted', async () => {
  const { outcomes, stored } = await burst(10_000);
  expect(outcomes.map((o) => o.status)).toEqual(Array.from({ length: EVENTS }, () => 'fulfilled'));
  expect(stored).toEqual(Array.from({ length: EVENTS }, (_, i) => i));
});

test('past ingestMaxWaitMs an event is refused with 503 however the line moves, and nothing of it is stored', async () => {
  // the limit no longer than the time limit: the tail of the 1.6 s line is refused
  const { outcomes, stored } = await burst(TIMEOUT_MS);
  const accepted = outcomes.flatMap((o, seq) => (o.status === 'fulfilled' ? [seq] : []));
  const refused = outcomes.filter((o) => o.status === 'rejected');
  expect(refused.length).toBeGreaterThan(0);
  expect(refused.every((o) => o.reason instanceof UnavailableError)).toBe(true);
  // the first come are taken first: the accepted ones are the head of the line
  expect(accepted).toEqual(Array.from({ length: accepted.length }, (_, i) => i));
  expect(stored).toEqual(accepted);
});
