// Backfills on real Postgres and Redis: stored events of a range replayed into a published version — each event
// its trigger takes once, linked to the event and the backfill; the filter; at most maxInFlight runs open; the
// flow's concurrency limit; cancel; a restart and two processes at once neither losing nor doubling runs;
// retention leaving a running backfill's events alone; bad requests refused with nothing written.
import { randomUUID } from 'node:crypto';
import { newId, schema } from '@tributary/db';
import { ConflictError, NotFoundError, ValidationError } from '@tributary/flow';
import { and, asc, count, eq, inArray } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { createLogger } from '../core/index.js';
import type { Engine } from '../engine.js';
import { createEngine } from '../engine.js';
import { createFlow, deleteFlow } from '../flows/index.js';
import { applyRetention } from '../retention/index.js';
import { cancelRun } from '../runs/index.js';
import {
  deployFlow,
  genericPlan,
  manualFlow,
  startTestEngine,
  TEST_KEYRING,
  TEST_REDIS_URL,
  type TestEngine,
  waitFor,
} from '../testing/index.js';
import { advanceBackfill, advanceBackfills, runningBackfillsQuery } from './advance.js';
import { cancelBackfill, getBackfill, startBackfill } from './backfills.js';

let t: TestEngine;

beforeAll(async () => {
  t = await startTestEngine(inject('templateDatabase'));
});

afterAll(async () => {
  await t?.close();
});

const HOUR = 3_600_000;
/** A range in the past every test's events sit in: [base, base + 1 h). */
const base = Date.now() - 3 * HOUR;
const from = new Date(base);
const to = new Date(base + HOUR);

function webhookFlow(path: string, after: unknown[], settings: Record<string, unknown> = {}) {
  const nodes = [{ id: 'hook', type: 'trigger.webhook', name: 'Hook', config: { path } }, ...after];
  const edges = after.map((node, i) => ({
    id: `e${i}`,
    source: i === 0 ? 'hook' : (after[i - 1] as { id: string }).id,
    target: (node as { id: string }).id,
  }));
  return { name: `Flow ${path}`, slug: path, settings, nodes, edges };
}

const mark = {
  id: 'mark',
  type: 'logic.set',
  name: 'Mark',
  config: { fields: { seen: '{{ $json.body.i }}' } },
};
const delay = (ms: number) => ({ id: 'wait', type: 'logic.delay', name: 'Wait', config: { ms } });

/** Stores webhook events on `path`, received at the given times; returns their ids in that order. */
async function storeHooks(path: string, times: readonly number[]): Promise<string[]> {
  const rows = times.map((at, i) => ({
    id: newId(),
    source: `webhook:${path}`,
    type: 'webhook',
    receivedAt: new Date(at),
    payload: { body: { i }, headers: {}, query: {}, method: 'POST', path },
  }));
  if (rows.length > 0) await t.engine.ctx.db.insert(schema.events).values(rows);
  return rows.map((r) => r.id);
}

/** `n` times inside the range, a minute apart. */
const inRange = (n: number) => Array.from({ length: n }, (_, i) => base + (i + 1) * 60_000);

async function runsOf(backfillId: string) {
  return t.engine.ctx.db
    .select()
    .from(schema.runs)
    .where(eq(schema.runs.backfillId, backfillId))
    .orderBy(asc(schema.runs.id));
}

/** Advances the backfill pass by pass (as the job does) until it is done. */
async function driveToEnd(id: string, engine: Engine = t.engine) {
  return waitFor(
    async () => {
      await advanceBackfills(engine.ctx, { batchSize: 4, maxBackfills: 20, batchesPerPass: 3 });
      const view = await getBackfill(engine.ctx.db, id);
      return view.status === 'done' ? view : undefined;
    },
    { timeoutMs: 30_000, intervalMs: 20, what: `backfill ${id} to be done` },
  );
}

describe('replaying a range', () => {
  test('starts one run per event its trigger takes in the range, linked to the event and the backfill', {
    timeout: 60_000,
  }, async () => {
    const deployed = await deployFlow(t.engine, webhookFlow('bf-range', [mark]));
    const wanted = await storeHooks('bf-range', inRange(9));
    // outside the range, and another path's events inside it: not replayed
    await storeHooks('bf-range', [base - 1, base + HOUR, base + HOUR + 5]);
    await storeHooks('bf-other', inRange(3));
    // the routing trims slashes, so a request to /hooks/bf-range/ reached the flow too
    const [slashed] = await storeHooks('bf-range/', [base + 30 * 60_000 + 1]);

    const started = await startBackfill(t.engine.ctx, deployed.flowId, { from, to }, 'test');
    expect(started).toMatchObject({ status: 'running', version: deployed.version, total: 10, started: 0 });
    const done = await driveToEnd(started.id);

    const runs = await runsOf(started.id);
    expect(runs.map((r) => r.eventId).sort()).toEqual([...wanted, slashed].sort());
    expect(runs.every((r) => r.flowId === deployed.flowId && r.version === deployed.version)).toBe(true);
    expect(runs.every((r) => r.status === 'succeeded')).toBe(true);
    // each run ran on its own event's item
    const marks = await t.engine.ctx.db
      .select({ runId: schema.steps.runId, output: schema.steps.output })
      .from(schema.steps)
      .where(
        and(
          eq(schema.steps.nodeId, 'mark'),
          inArray(
            schema.steps.runId,
            runs.map((r) => r.id),
          ),
        ),
      );
    expect(marks).toHaveLength(10);
    expect(done).toMatchObject({
      total: 10,
      scanned: 10,
      started: 10,
      skipped: 0,
      succeeded: 10,
      failed: 0,
      open: 0,
    });
    expect(done.finishedAt).not.toBeNull();
    // a finished backfill starts nothing more
    expect(await advanceBackfill(t.engine.ctx, started.id)).toBe(0);
    expect(await runsOf(started.id)).toHaveLength(10);
  });

  test('replays into an older published version when asked', { timeout: 30_000 }, async () => {
    const deployed = await deployFlow(t.engine, webhookFlow('bf-older', [mark]));
    const { publishFlow } = await import('../flows/index.js');
    await publishFlow(t.engine.ctx.db, deployed.flowId, 'test');
    await storeHooks('bf-older', inRange(2));
    const started = await startBackfill(t.engine.ctx, deployed.flowId, { from, to, version: 1 }, 'test');
    await driveToEnd(started.id);
    const runs = await runsOf(started.id);
    expect(runs.map((r) => r.version)).toEqual([1, 1]);
  });
});

describe('trigger kinds', () => {
  test("a schedule flow replays its own fires, not another flow's", { timeout: 30_000 }, async () => {
    const scheduled = (slug: string) => ({
      name: slug,
      slug,
      nodes: [
        // once a year: the schedule itself fires nothing during the test
        { id: 'tick', type: 'trigger.schedule', name: 'Tick', config: { cron: '0 0 1 1 *' } },
        {
          id: 'mark',
          type: 'logic.set',
          name: 'Mark',
          config: { fields: { at: '{{ $json.scheduledFor }}' } },
        },
      ],
      edges: [{ id: 'e1', source: 'tick', target: 'mark' }],
    });
    const mine = await deployFlow(t.engine, scheduled('bf-scheduled'));
    const other = await deployFlow(t.engine, scheduled('bf-scheduled-other'));
    const fire = (flowId: string, at: number) => ({
      id: newId(),
      source: `schedule:${flowId}`,
      type: 'schedule',
      idempotencyKey: randomUUID(),
      receivedAt: new Date(at),
      payload: { firedAt: new Date(at).toISOString(), scheduledFor: new Date(at).toISOString() },
    });
    const fires = [fire(mine.flowId, base + 1000), fire(mine.flowId, base + 2000)];
    await t.engine.ctx.db.insert(schema.events).values([...fires, fire(other.flowId, base + 3000)]);
    const started = await startBackfill(t.engine.ctx, mine.flowId, { from, to }, 'test');
    await driveToEnd(started.id);
    const runs = await runsOf(started.id);
    expect(runs.map((r) => r.eventId).sort()).toEqual(fires.map((f) => f.id).sort());
  });
});

describe('the filter', () => {
  test("a tracking flow replays the events its trigger takes that pass the filter's names and condition", {
    timeout: 30_000,
  }, async () => {
    const source = randomUUID();
    const flow = {
      name: 'Tracked',
      slug: 'bf-tracked',
      nodes: [
        {
          id: 'hook',
          type: 'trigger.tracking',
          name: 'Tracked',
          config: { type: 'track', events: ['Order Completed', 'Cart Viewed'], sources: [source] },
        },
        {
          id: 'mark',
          type: 'logic.set',
          name: 'Mark',
          config: { fields: { total: '{{ $json.properties.total }}' } },
        },
      ],
      edges: [{ id: 'e1', source: 'hook', target: 'mark' }],
    };
    const deployed = await deployFlow(t.engine, flow);
    const track = (name: string, total: number, at: number, from = source, type = 'track') => ({
      id: newId(),
      source: `tracking:${from}`,
      type,
      name,
      receivedAt: new Date(at),
      payload: { type, event: name, properties: { total }, messageId: randomUUID() },
    });
    const rows = [
      track('Order Completed', 150, base + 1000),
      track('Order Completed', 50, base + 2000),
      track('Order Completed', 300, base + 3000),
      track('Cart Viewed', 500, base + 4000),
      // the trigger takes none of these: another source, another type, a name it does not listen to
      track('Order Completed', 900, base + 5000, randomUUID()),
      track('Order Completed', 900, base + 6000, source, 'page'),
      track('Signed Up', 900, base + 7000),
    ];
    await t.engine.ctx.db.insert(schema.events).values(rows);
    const started = await startBackfill(
      t.engine.ctx,
      deployed.flowId,
      { from, to, filter: { names: ['Order Completed'], condition: '{{ $json.properties.total > 100 }}' } },
      'test',
    );
    // the names are applied by the database: three events are candidates
    expect(started.total).toBe(3);
    const done = await driveToEnd(started.id);
    const runs = await runsOf(started.id);
    expect(runs.map((r) => r.eventId).sort()).toEqual([rows[0]?.id, rows[2]?.id].sort());
    expect(done).toMatchObject({ scanned: 3, started: 2, skipped: 1, filterErrors: 0, succeeded: 2 });
  });

  test('an event whose condition fails to evaluate is not replayed, and counted', {
    timeout: 30_000,
  }, async () => {
    const deployed = await deployFlow(t.engine, webhookFlow('bf-failing-filter', [mark]));
    await storeHooks('bf-failing-filter', inRange(2));
    const started = await startBackfill(
      t.engine.ctx,
      deployed.flowId,
      { from, to, filter: { condition: '{{ $error("no") }}' } },
      'test',
    );
    const done = await driveToEnd(started.id);
    expect(done).toMatchObject({ scanned: 2, started: 0, skipped: 2, filterErrors: 2 });
    expect(await runsOf(started.id)).toHaveLength(0);
  });
});

describe('pacing', () => {
  test('keeps at most maxInFlight of its runs open; cancel starts no more and leaves started runs alone', {
    timeout: 30_000,
  }, async () => {
    const deployed = await deployFlow(t.engine, webhookFlow('bf-bounded', [delay(HOUR)]));
    await storeHooks('bf-bounded', inRange(6));
    const started = await startBackfill(t.engine.ctx, deployed.flowId, { from, to, maxInFlight: 3 }, 'test');
    expect(await advanceBackfill(t.engine.ctx, started.id)).toBe(3);
    // three runs wait an hour: no room
    expect(await advanceBackfill(t.engine.ctx, started.id)).toBe(0);
    expect(await getBackfill(t.engine.ctx.db, started.id)).toMatchObject({ started: 3, open: 3, scanned: 3 });
    const [first] = await runsOf(started.id);
    await cancelRun(t.engine.ctx, first?.id ?? '', 'test');
    expect(await advanceBackfill(t.engine.ctx, started.id)).toBe(1);
    expect(await getBackfill(t.engine.ctx.db, started.id)).toMatchObject({
      started: 4,
      open: 3,
      canceled: 1,
    });

    const canceled = await cancelBackfill(t.engine.ctx, started.id, 'test');
    expect(canceled.status).toBe('canceled');
    // idempotent: a second cancel answers the same and writes nothing more
    expect((await cancelBackfill(t.engine.ctx, started.id, 'test')).status).toBe('canceled');
    const audits = await t.engine.ctx.db
      .select({ n: count() })
      .from(schema.auditLog)
      .where(
        and(eq(schema.auditLog.action, 'backfill.cancel'), eq(schema.auditLog.targetId, deployed.flowId)),
      );
    expect(audits[0]?.n).toBe(1);
    for (const run of await runsOf(started.id)) {
      if (run.status !== 'canceled') await cancelRun(t.engine.ctx, run.id, 'test');
    }
    // room again, but a canceled backfill starts nothing
    expect(await advanceBackfill(t.engine.ctx, started.id)).toBe(0);
    expect(await runsOf(started.id)).toHaveLength(4);
    expect((await getBackfill(t.engine.ctx.db, started.id)).status).toBe('canceled');
  });

  test("its runs go through the flow's admission: with concurrency 1 one runs at a time", {
    timeout: 60_000,
  }, async () => {
    const deployed = await deployFlow(
      t.engine,
      webhookFlow('bf-one-at-a-time', [delay(150), mark], { concurrency: 1 }),
    );
    await storeHooks('bf-one-at-a-time', inRange(4));
    const started = await startBackfill(t.engine.ctx, deployed.flowId, { from, to, maxInFlight: 10 }, 'test');
    // one pass starts all four (room for ten); admission lets one in at a time
    expect(await advanceBackfill(t.engine.ctx, started.id)).toBe(4);
    await driveToEnd(started.id);
    const runs = await runsOf(started.id);
    expect(runs.every((r) => r.status === 'succeeded')).toBe(true);
    const spans = runs
      .map((r) => ({
        start: r.startedAt?.getTime() ?? Number.NaN,
        end: r.finishedAt?.getTime() ?? Number.NaN,
      }))
      .sort((a, b) => a.start - b.start);
    for (const [i, span] of spans.entries()) {
      if (i > 0) expect(span.start).toBeGreaterThanOrEqual(spans[i - 1]?.end ?? Number.NaN);
    }
  });
});

describe('a deleted flow', () => {
  test('fails its running backfill, saying why, with nothing started', async () => {
    const deployed = await deployFlow(t.engine, webhookFlow('bf-deleted', [mark]));
    await storeHooks('bf-deleted', inRange(2));
    const started = await startBackfill(t.engine.ctx, deployed.flowId, { from, to }, 'test');
    await deleteFlow(t.engine.ctx.db, deployed.flowId, 'test');
    expect(await advanceBackfill(t.engine.ctx, started.id)).toBe(0);
    expect(await getBackfill(t.engine.ctx.db, started.id)).toMatchObject({
      status: 'failed',
      error: 'the flow was deleted',
      started: 0,
    });
    expect(await runsOf(started.id)).toHaveLength(0);
  });
});

describe('restarts and several processes', () => {
  const others: Engine[] = [];
  afterAll(async () => {
    for (const engine of others) await engine.close();
  });

  function engineOnTheSameDatabase(): Engine {
    const engine = createEngine({
      db: t.database.handle,
      redisUrl: TEST_REDIS_URL,
      queuePrefix: t.prefix,
      logger: createLogger({ level: 'silent' }),
      keyring: TEST_KEYRING,
      defaultMetrics: false,
    });
    others.push(engine);
    engine.startWorker({ concurrency: 5 });
    engine.startBackfills(15, { batchSize: 3 });
    return engine;
  }

  test('a process stopped mid-backfill and two taking over start every event exactly once', {
    timeout: 90_000,
  }, async () => {
    const deployed = await deployFlow(t.engine, webhookFlow('bf-restart', [delay(100), mark]));
    const events = await storeHooks('bf-restart', inRange(24));
    const started = await startBackfill(t.engine.ctx, deployed.flowId, { from, to, maxInFlight: 4 }, 'test');
    const first = engineOnTheSameDatabase();
    await waitFor(async () => (await getBackfill(t.engine.ctx.db, started.id)).started >= 6, {
      timeoutMs: 30_000,
      what: 'the first runs',
    });
    await first.close();
    const midway = await getBackfill(t.engine.ctx.db, started.id);
    // stopped while it still had events to replay
    expect(midway.status).toBe('running');
    expect(midway.started).toBeLessThan(24);

    engineOnTheSameDatabase();
    engineOnTheSameDatabase();
    const done = await waitFor(
      async () => {
        const view = await getBackfill(t.engine.ctx.db, started.id);
        return view.status === 'done' ? view : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 50, what: 'the backfill to be done' },
    );
    const runs = await runsOf(started.id);
    expect(runs.map((r) => r.eventId).sort()).toEqual([...events].sort());
    expect(runs.every((r) => r.status === 'succeeded')).toBe(true);
    expect(done).toMatchObject({ total: 24, scanned: 24, started: 24, succeeded: 24, open: 0 });
  });
});

test.skipIf(process.env.TEST_DB === 'pglite')(
  // the plan Postgres keeps for a prepared statement; PGlite's plan cache and settings are not a server's
  "the running backfills are read through their partial index, also in a prepared statement's generic plan",
  async () => {
    const { sql: text, params } = new PgDialect().sqlToQuery(runningBackfillsQuery(20));
    expect(await genericPlan(t.engine.ctx.db, text, params)).toContain('backfills_running_idx');
    // the same with the status as a parameter (as the query was): the partial index cannot serve it
    const asParameter = text.replace("= 'running'", `= $${params.length + 1}`);
    expect(asParameter).not.toBe(text);
    const before = await genericPlan(t.engine.ctx.db, asParameter, [...params, 'running']);
    expect(before).not.toContain('backfills_running_idx');
  },
);

describe('retention', () => {
  test("keeps the events of a running backfill's range, and deletes them once it is canceled", {
    timeout: 30_000,
  }, async () => {
    const deployed = await deployFlow(t.engine, webhookFlow('bf-retained', [mark]));
    const old = Date.now() - 40 * 24 * HOUR;
    const kept = await storeHooks('bf-retained', [old + 1000, old + 2000]);
    const [outside] = await storeHooks('bf-retained', [old - HOUR]);
    const started = await startBackfill(
      t.engine.ctx,
      deployed.flowId,
      { from: new Date(old), to: new Date(old + HOUR) },
      'test',
    );
    const options = { days: 30, batchSize: 100, maxBatches: 10 };
    await applyRetention(t.engine.ctx, options);
    const left = async (ids: string[]) =>
      (
        await t.engine.ctx.db
          .select({ id: schema.events.id })
          .from(schema.events)
          .where(inArray(schema.events.id, ids))
      ).map((e) => e.id);
    expect((await left(kept)).sort()).toEqual([...kept].sort());
    expect(await left([outside ?? ''])).toEqual([]);
    await cancelBackfill(t.engine.ctx, started.id, 'test');
    await applyRetention(t.engine.ctx, options);
    expect(await left(kept)).toEqual([]);
  });
});

describe('bad requests', () => {
  test('are refused with a clear error and write nothing', async () => {
    const ctx = t.engine.ctx;
    const deployed = await deployFlow(t.engine, webhookFlow('bf-refused', [mark]));
    const draftOnly = await createFlow(ctx.db, webhookFlow('bf-draft-only', [mark]), 'test');
    const manual = await deployFlow(
      t.engine,
      manualFlow([mark], [{ id: 'e', source: 'trigger', target: 'mark' }]),
    );
    const backfillCount = async () => (await ctx.db.select({ n: count() }).from(schema.backfills))[0]?.n;
    const before = await backfillCount();
    const refused: Array<[() => Promise<unknown>, new (...args: never[]) => Error, string?]> = [
      [() => startBackfill(ctx, deployed.flowId, { from: to, to: from }, 'test'), ValidationError],
      [() => startBackfill(ctx, deployed.flowId, { from, to: from }, 'test'), ValidationError],
      [
        () => startBackfill(ctx, deployed.flowId, { from, to: new Date(Date.now() + HOUR) }, 'test'),
        ValidationError,
      ],
      [() => startBackfill(ctx, deployed.flowId, { from, to, maxInFlight: 0 }, 'test'), ValidationError],
      [() => startBackfill(ctx, deployed.flowId, { from, to, version: 7 }, 'test'), NotFoundError],
      [() => startBackfill(ctx, deployed.flowId, { from, to, version: -1 }, 'test'), NotFoundError],
      [() => startBackfill(ctx, randomUUID(), { from, to }, 'test'), NotFoundError],
      [() => startBackfill(ctx, draftOnly.id, { from, to }, 'test'), ConflictError, 'not_published'],
      [
        () => startBackfill(ctx, manual.flowId, { from, to }, 'test'),
        ConflictError,
        'backfill_unsupported_trigger',
      ],
      [
        () => startBackfill(ctx, deployed.flowId, { from, to, filter: { names: ['x'] } }, 'test'),
        ValidationError,
      ],
      [
        () =>
          startBackfill(ctx, deployed.flowId, { from, to, filter: { condition: '$json.total > 1' } }, 'test'),
        ValidationError,
      ],
      [
        () =>
          startBackfill(
            ctx,
            deployed.flowId,
            { from, to, filter: { condition: '{{ $json.total > }}' } },
            'test',
          ),
        ValidationError,
      ],
    ];
    for (const [attempt, kind, code] of refused) {
      const err = await attempt().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(kind);
      if (code) expect((err as ConflictError).code).toBe(code);
    }
    expect(await backfillCount()).toBe(before);
  });
});
