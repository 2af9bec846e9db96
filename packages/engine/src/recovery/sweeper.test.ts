// The recovery sweeper's walk over open steps: a pass examines a bounded number of them, and the next pass
// goes on where it stopped, so every open step whose job Redis lost is found, however many open steps come
// before it (parked journeys).
import { schema } from '@tributary/db';
import { asc, inArray, sql } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import { afterAll, beforeAll, expect, inject, test } from 'vitest';
import { ingest } from '../ingest/index.js';
import { deployFlow, genericPlan, joblessSteps, startTestEngine, type TestEngine } from '../testing/index.js';
import { openStepsQuery, type SweepCursor, sweep } from './sweeper.js';

let t: TestEngine;

beforeAll(async () => {
  // no worker and no sweeper of its own: the test's passes are the only ones
  t = await startTestEngine(inject('templateDatabase'), { worker: false });
});
afterAll(async () => {
  await t?.close();
});

test('each pass goes on where the one before stopped, and wraps round at the end of the open steps', async () => {
  const deployed = await deployFlow(t.engine, {
    name: 'Open steps',
    slug: 'open-steps',
    nodes: [
      { id: 'start', type: 'trigger.manual', name: 'Start', config: {} },
      {
        id: 'call',
        type: 'action.http',
        name: 'Call',
        config: { method: 'GET', url: 'http://127.0.0.1:9/' },
      },
    ],
    edges: [{ id: 'e1', source: 'start', target: 'call' }],
  });
  // five runs whose step waits for a worker: queued in Postgres, with a job each
  for (let i = 0; i < 5; i++) {
    await ingest(t.engine.ctx, {
      source: 'test',
      type: 'open',
      payload: { i },
      targets: [{ ...deployed, item: {} }],
    });
  }
  const steps = await t.engine.ctx.db
    .select({ id: schema.steps.id })
    .from(schema.steps)
    .where(inArray(schema.steps.status, ['queued']))
    .orderBy(asc(schema.steps.id));
  const ids = steps.map((s) => s.id);
  expect(ids).toHaveLength(5);
  expect(await joblessSteps(t.engine.ctx.queue, ids)).toEqual([]);
  // then Redis loses every job
  await t.engine.ctx.queue.queue.obliterate({ force: true });
  expect(await joblessSteps(t.engine.ctx.queue, ids)).toEqual(ids);

  // at most 2 steps a pass
  const options = { minAgeMs: 0, batchSize: 2, maxBatches: 1 };
  const cursor: SweepCursor = { after: '00000000-0000-0000-0000-000000000000' };
  expect(await sweep(t.engine.ctx, options, cursor)).toBe(2);
  expect(await joblessSteps(t.engine.ctx.queue, ids)).toEqual(ids.slice(2));
  expect(cursor.after).toBe(ids[1]);
  expect(await sweep(t.engine.ctx, options, cursor)).toBe(2);
  expect(await joblessSteps(t.engine.ctx.queue, ids)).toEqual(ids.slice(4));
  // the last one, and the end: the next pass starts again from the first
  expect(await sweep(t.engine.ctx, options, cursor)).toBe(1);
  expect(await joblessSteps(t.engine.ctx.queue, ids)).toEqual([]);
  expect(cursor.after).toBe('00000000-0000-0000-0000-000000000000');
  // a pass from the first step finds every job in place now
  expect(await sweep(t.engine.ctx, options, cursor)).toBe(0);
  expect(cursor.after).toBe(ids[1]);

  // started from the first every time, passes of 2 would never reach the steps past the second
  await t.engine.ctx.queue.queue.obliterate({ force: true });
  for (let pass = 0; pass < 3; pass++) await sweep(t.engine.ctx, options);
  expect(await joblessSteps(t.engine.ctx.queue, ids)).toEqual(ids.slice(2));
});

test.skipIf(process.env.TEST_DB === 'pglite')(
  // the plan Postgres keeps for a prepared statement; PGlite's planner is Postgres's too, but its plan cache
  // and settings are not what a server's connections see
  "the open steps are read through the partial index of open steps, also in a prepared statement's generic plan — not by walking every step ever stored",
  async () => {
    const planOf = (text: string, params: readonly unknown[]) => genericPlan(t.engine.ctx.db, text, params);
    // the history of a running installation: open steps a few among many finished ones (copies of one of
    // the first test's steps), with statistics that say so
    await t.engine.ctx.db.execute(sql`
      insert into ${schema.steps}
      select (jsonb_populate_record(null::steps,
        to_jsonb(s) || jsonb_build_object('id', gen_random_uuid(), 'status', 'succeeded'))).*
      from (select * from ${schema.steps} limit 1) s, generate_series(1, 2000)`);
    await t.engine.ctx.db.execute(sql`analyze ${schema.steps}`);
    // both walks: over every open step (a full check) and over the due and new ones (every pass)
    for (const scope of ['due', 'all'] as const) {
      const query = new PgDialect().sqlToQuery(
        openStepsQuery('00000000-0000-0000-0000-000000000000', 5000, 10_000, scope, 60_000),
      );
      const plan = await planOf(query.sql, query.params);
      expect(plan).toContain('steps_runnable_idx');
      expect(plan).not.toContain('steps_pkey');
    }
    const { sql: text, params } = new PgDialect().sqlToQuery(
      openStepsQuery('00000000-0000-0000-0000-000000000000', 5000, 10_000),
    );
    // the same with the statuses as parameters (as the query was): Postgres cannot tell that the partial
    // index holds every row it asks for, and walks the primary key instead
    const asParameters = text
      .replace("in ('queued', 'waiting')", `in ($${params.length + 1}, $${params.length + 2})`)
      .replace("= 'running'", `= $${params.length + 3}`);
    const before = await planOf(asParameters, [...params, 'queued', 'waiting', 'running']);
    expect(before).not.toContain('steps_runnable_idx');
  },
);
