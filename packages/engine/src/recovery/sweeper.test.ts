// The recovery sweeper's walk over open steps: a pass examines a bounded number of them, and the next pass
// goes on where it stopped, so every open step whose job Redis lost is found, however many open steps come
// before it (parked journeys).
import { schema } from '@tributary/db';
import { asc, inArray } from 'drizzle-orm';
import { afterAll, beforeAll, expect, inject, test } from 'vitest';
import { ingest } from '../ingest/index.js';
import { deployFlow, startTestEngine, type TestEngine } from '../testing/index.js';
import { type SweepCursor, sweep } from './sweeper.js';

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
  expect(await t.engine.ctx.queue.missing(ids)).toEqual([]);
  // then Redis loses every job
  await t.engine.ctx.queue.queue.obliterate({ force: true });
  expect(await t.engine.ctx.queue.missing(ids)).toEqual(ids);

  // at most 2 steps a pass
  const options = { minAgeMs: 0, batchSize: 2, maxBatches: 1 };
  const cursor: SweepCursor = { after: '00000000-0000-0000-0000-000000000000' };
  expect(await sweep(t.engine.ctx, options, cursor)).toBe(2);
  expect(await t.engine.ctx.queue.missing(ids)).toEqual(ids.slice(2));
  expect(cursor.after).toBe(ids[1]);
  expect(await sweep(t.engine.ctx, options, cursor)).toBe(2);
  expect(await t.engine.ctx.queue.missing(ids)).toEqual(ids.slice(4));
  // the last one, and the end: the next pass starts again from the first
  expect(await sweep(t.engine.ctx, options, cursor)).toBe(1);
  expect(await t.engine.ctx.queue.missing(ids)).toEqual([]);
  expect(cursor.after).toBe('00000000-0000-0000-0000-000000000000');
  // a pass from the first step finds every job in place now
  expect(await sweep(t.engine.ctx, options, cursor)).toBe(0);
  expect(cursor.after).toBe(ids[1]);

  // started from the first every time, passes of 2 would never reach the steps past the second
  await t.engine.ctx.queue.queue.obliterate({ force: true });
  for (let pass = 0; pass < 3; pass++) await sweep(t.engine.ctx, options);
  expect(await t.engine.ctx.queue.missing(ids)).toEqual(ids.slice(2));
});
