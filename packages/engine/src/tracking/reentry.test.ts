// Re-entry per person (settings.reentry) on real Postgres and Redis: each rule, a person's events racing in one
// commit, from two engines and from two processes at once, refusals recorded on the event and counted.
import { randomUUID } from 'node:crypto';
import { newId, schema, selectRows } from '@tributary/db';
import { parseAllowList } from '@tributary/nodes';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { createLogger } from '../core/index.js';
import { createEngine } from '../engine.js';
import { getEvent, listEvents } from '../history/index.js';
import { insertRuns, prepareRun } from '../ingest/index.js';
import { cancelRun } from '../runs/index.js';
import {
  deployFlow,
  finishedRun,
  startTestEngine,
  startWorkerProcess,
  stopWorkerProcess,
  TEST_KEYRING,
  TEST_REDIS_URL,
  type TestEngine,
  waitFor,
} from '../testing/index.js';
import { ingestTracking, type TrackingMessage, type TrackingResult } from './ingest-tracking.js';
import { decideEntries } from './reentry.js';

let t: TestEngine;
const sourceId = randomUUID();
const onPglite = process.env.TEST_DB === 'pglite';

beforeAll(async () => {
  t = await startTestEngine(inject('templateDatabase'));
});
afterAll(async () => {
  await t?.close();
});

/** A track call of `userId`, received at `receivedAt` (now when absent). */
function track(userId: string, event: string, receivedAt = new Date()): TrackingMessage {
  const at = receivedAt.toISOString();
  const messageId = randomUUID();
  return {
    type: 'track',
    messageId,
    event,
    userId,
    timestamp: at,
    receivedAt: at,
    payload: { type: 'track', messageId, event, userId, timestamp: at, receivedAt: at },
  };
}

let n = 0;
/**
 * A flow started by "Checkout Started <n>" (its own event name, so the flows of other tests stay out) whose run
 * waits for "Order Completed" (so it stays in progress), fails, or finishes while being accepted.
 */
function journey(reentry: unknown, after: 'wait' | 'fail' | 'pure' = 'wait') {
  n += 1;
  const next = {
    wait: {
      id: 'next',
      type: 'logic.wait-for-event',
      name: 'Wait order',
      config: { event: 'Order Completed', timeoutMs: 600_000 },
    },
    fail: { id: 'next', type: 'logic.stop-and-error', name: 'Fail', config: { message: 'no stock' } },
    pure: { id: 'next', type: 'logic.set', name: 'Mark', config: { fields: { seen: true } } },
  }[after];
  return {
    name: `Journey ${n}`,
    slug: `journey-${n}`,
    nodes: [
      {
        id: 'start',
        type: 'trigger.tracking',
        name: 'Checkout',
        config: { type: 'track', events: [`Checkout Started ${n}`] },
      },
      next,
    ],
    edges: [{ id: 'e1', source: 'start', target: 'next' }],
    settings: { reentry },
    /** The event name it starts on (not part of the definition: deployFlow gets `definition(def)`). */
    event: `Checkout Started ${n}`,
  };
}

/** The flow definition of a `journey`. */
function definition({ event: _event, ...def }: ReturnType<typeof journey>) {
  return def;
}

async function runsOf(flowId: string) {
  return t.engine.ctx.db.select().from(schema.runs).where(eq(schema.runs.flowId, flowId));
}

async function refusalsOf(flowId: string) {
  return t.engine.ctx.db.select().from(schema.entryRefusals).where(eq(schema.entryRefusals.flowId, flowId));
}

async function refusedCount(slug: string, rule: string): Promise<number> {
  const metric = await t.engine.ctx.metrics.registry
    .getSingleMetric('tributary_reentry_refused_total')
    ?.get();
  return metric?.values.find((v) => v.labels.flow === slug && v.labels.rule === rule)?.value ?? 0;
}

const runIds = (results: Array<{ runs: Array<{ id: string }> }>) =>
  results.flatMap((r) => r.runs.map((x) => x.id));

describe('re-entry rules', () => {
  test('"once": a person enters once ever; the refused event says which flow and rule, and the run holding them', async () => {
    const def = journey('once');
    const deployed = await deployFlow(t.engine, definition(def));
    // the trial's case: two Checkout Started 70 ms apart, in one call and in the next
    const first = await ingestTracking(t.engine.ctx, sourceId, [track('ada', def.event)]);
    const second = await ingestTracking(t.engine.ctx, sourceId, [
      track('ada', def.event, new Date(Date.now() + 70)),
    ]);
    const other = await ingestTracking(t.engine.ctx, sourceId, [track('bob', def.event)]);
    const entered = runIds(first)[0];
    expect(entered).toBeDefined();
    expect(second[0]?.runs).toEqual([]);
    expect(runIds(other)).toHaveLength(1);
    expect(await runsOf(deployed.flowId)).toHaveLength(2);
    const event = await getEvent(t.engine.ctx.db, second[0]?.eventId ?? '');
    expect(event.runs).toEqual([]);
    expect(event.refusals).toEqual([
      expect.objectContaining({ flowId: deployed.flowId, flowName: def.name, rule: 'once', heldBy: entered }),
    ]);
    // the event log lists it, under the flow too
    const page = await listEvents(t.engine.ctx.db, { limit: 10, flowId: deployed.flowId });
    const listed = page.items.find((e) => e.id === second[0]?.eventId);
    expect(listed?.refusals.map((r) => r.rule)).toEqual(['once']);
    expect(page.items.map((e) => e.id)).toContain(first[0]?.eventId);
    // "ever": still refused once the run has ended
    await cancelRun(t.engine.ctx, entered ?? '', 'test');
    const third = await ingestTracking(t.engine.ctx, sourceId, [track('ada', def.event)]);
    expect(third[0]?.runs).toEqual([]);
    expect(await refusedCount(def.slug, 'once')).toBe(2);
  });

  test('"one-at-a-time": refused while the person’s run waits, free again once it is canceled', async () => {
    const def = journey('one-at-a-time');
    const deployed = await deployFlow(t.engine, definition(def));
    const [first] = await ingestTracking(t.engine.ctx, sourceId, [track('cy', def.event)]);
    const runId = first?.runs[0]?.id ?? '';
    await waitFor(async () => (await runsOf(deployed.flowId))[0]?.status === 'waiting', {
      what: 'the run to park at its wait',
    });
    const [during] = await ingestTracking(t.engine.ctx, sourceId, [track('cy', def.event)]);
    expect(during?.runs).toEqual([]);
    const refused = await getEvent(t.engine.ctx.db, during?.eventId ?? '');
    expect(refused.refusals).toEqual([expect.objectContaining({ rule: 'one-at-a-time', heldBy: runId })]);
    await cancelRun(t.engine.ctx, runId, 'test');
    const [after] = await ingestTracking(t.engine.ctx, sourceId, [track('cy', def.event)]);
    expect(after?.runs).toHaveLength(1);
    expect(await refusedCount(def.slug, 'one-at-a-time')).toBe(1);
  });

  test('"one-at-a-time": a run that failed frees the person', async () => {
    const def = journey('one-at-a-time', 'fail');
    const deployed = await deployFlow(t.engine, definition(def));
    const [first] = await ingestTracking(t.engine.ctx, sourceId, [track('dee', def.event)]);
    const failed = await finishedRun(t.engine, first?.runs[0]?.id ?? '');
    expect(failed.status).toBe('failed');
    const [again] = await ingestTracking(t.engine.ctx, sourceId, [track('dee', def.event)]);
    expect(again?.runs).toHaveLength(1);
    expect(await refusalsOf(deployed.flowId)).toEqual([]);
  });

  test('"one-at-a-time": a run finished while being accepted does not hold the person', async () => {
    const def = journey('one-at-a-time', 'pure');
    const deployed = await deployFlow(t.engine, definition(def));
    const results = await ingestTracking(t.engine.ctx, sourceId, [
      track('eve', def.event),
      track('eve', def.event),
    ]);
    expect(runIds(results)).toHaveLength(2);
    const runs = await runsOf(deployed.flowId);
    expect(runs.map((r) => r.status)).toEqual(['succeeded', 'succeeded']);
  });

  test('{minIntervalMs}: a person enters again only once the interval has passed since their last entry', async () => {
    const def = journey({ minIntervalMs: 3_600_000 });
    const deployed = await deployFlow(t.engine, definition(def));
    const start = Date.now();
    const at = (ms: number) => new Date(start + ms);
    const first = await ingestTracking(t.engine.ctx, sourceId, [track('fay', def.event, at(0))]);
    const soon = await ingestTracking(t.engine.ctx, sourceId, [track('fay', def.event, at(3_599_999))]);
    const later = await ingestTracking(t.engine.ctx, sourceId, [track('fay', def.event, at(3_600_000))]);
    // measured from the last entry, not the first event
    const tooSoonAgain = await ingestTracking(t.engine.ctx, sourceId, [
      track('fay', def.event, at(3_600_000 + 60_000)),
    ]);
    expect(runIds(first)).toHaveLength(1);
    expect(runIds(soon)).toEqual([]);
    expect(runIds(later)).toHaveLength(1);
    expect(runIds(tooSoonAgain)).toEqual([]);
    const refusals = await refusalsOf(deployed.flowId);
    expect(refusals.map((r) => [r.eventId, r.rule, r.heldBy])).toEqual(
      expect.arrayContaining([
        [soon[0]?.eventId, 'min-interval', runIds(first)[0]],
        [tooSoonAgain[0]?.eventId, 'min-interval', runIds(later)[0]],
      ]),
    );
    expect(await refusedCount(def.slug, 'min-interval')).toBe(2);
  });

  test('the person is the userId, else the anonymousId: the same text as both is two people', async () => {
    const def = journey('once');
    const deployed = await deployFlow(t.engine, definition(def));
    const anonymous = (id: string) => {
      const call = track('x', def.event);
      const { userId: _u, ...payload } = call.payload;
      return { ...call, userId: null, anonymousId: id, payload: { ...payload, anonymousId: id } };
    };
    const results = await ingestTracking(t.engine.ctx, sourceId, [
      anonymous('visitor-7'),
      anonymous('visitor-7'),
      track('visitor-7', def.event),
    ]);
    expect(results.map((r) => r.runs.length)).toEqual([1, 0, 1]);
    const refusals = await refusalsOf(deployed.flowId);
    expect(refusals.map((r) => [r.eventId, r.person])).toEqual([
      [results[1]?.eventId, 'anonymousId:visitor-7'],
    ]);
  });

  test('"always" and no rule: every matching event starts a run and nothing is written for re-entry', async () => {
    const def = journey('always', 'pure');
    const always = await deployFlow(t.engine, definition(def));
    // the same event name: both flows start on it
    const none = await deployFlow(t.engine, {
      ...definition(def),
      name: 'No rule',
      slug: 'no-rule',
      settings: {},
    });
    await ingestTracking(t.engine.ctx, sourceId, [track('gus', def.event), track('gus', def.event)]);
    expect(await runsOf(always.flowId)).toHaveLength(2);
    expect(await runsOf(none.flowId)).toHaveLength(2);
    const entries = await t.engine.ctx.db
      .select()
      .from(schema.journeyEntries)
      .where(eq(schema.journeyEntries.flowId, always.flowId));
    expect(entries).toEqual([]);
  });
});

describe('a batch starting runs of flows with and without a rule', () => {
  test('the unruled runs go in with the events, the ruled ones are decided: each answer lists what started', async () => {
    const def = journey('once');
    const ruled = await deployFlow(t.engine, definition(def));
    // the same event name, no rule: its runs are written in the events' statement
    const free = await deployFlow(t.engine, {
      ...definition(def),
      name: 'Free entry',
      slug: `free-entry-${n}`,
      settings: {},
    });
    const earlier = track('hal', def.event);
    const [before] = await ingestTracking(t.engine.ctx, sourceId, [earlier]);
    // the earlier messageId again (stored: a duplicate starts nothing), and two new events of the same person
    const results = await ingestTracking(t.engine.ctx, sourceId, [
      earlier,
      track('hal', def.event),
      track('ida', def.event),
    ]);
    expect(results.map((r) => r.duplicate)).toEqual([true, false, false]);
    const flowsOf = (r: TrackingResult | undefined) => r?.runs.map((x) => x.flowId).sort();
    expect(flowsOf(before)).toEqual([free.flowId, ruled.flowId].sort());
    expect(new Set(runIds(results.slice(0, 1)))).toEqual(new Set(runIds(before ? [before] : [])));
    // hal entered the ruled flow before; ida enters both
    expect(flowsOf(results[1])).toEqual([free.flowId]);
    expect(flowsOf(results[2])).toEqual([free.flowId, ruled.flowId].sort());
    const stored = async (flowId: string) => (await runsOf(flowId)).map((r) => r.id).sort();
    expect(await stored(free.flowId)).toEqual(
      [before, results[1], results[2]]
        .flatMap((r) => r?.runs ?? [])
        .filter((r) => r.flowId === free.flowId)
        .map((r) => r.id)
        .sort(),
    );
    expect(await stored(ruled.flowId)).toHaveLength(2);
    // every run answered is stored with its trigger step
    const triggered = await selectRows<{ runId: string }>(
      t.engine.ctx.db,
      sql`select run_id as "runId" from ${schema.steps} where node_id = 'start'
        and run_id in (select jsonb_array_elements_text(${JSON.stringify(runIds(results))}::jsonb)::uuid)`,
    );
    expect(new Set(triggered.map((r) => r.runId))).toEqual(new Set(runIds(results)));
    // the duplicate answers with the two runs of the earlier call; the new events started three
    expect(triggered).toHaveLength(5);
    expect((await refusalsOf(ruled.flowId)).map((r) => r.eventId)).toEqual([results[1]?.eventId]);
  });
});

describe('re-entry under concurrency', () => {
  test.each(['once', 'one-at-a-time', { minIntervalMs: 86_400_000 }])(
    'many events of one person in one commit start exactly one run (%j)',
    async (rule) => {
      const def = journey(rule);
      const deployed = await deployFlow(t.engine, definition(def));
      const person = `batch-${randomUUID()}`;
      const results = await ingestTracking(
        t.engine.ctx,
        sourceId,
        Array.from({ length: 20 }, () => track(person, def.event)),
      );
      expect(runIds(results)).toHaveLength(1);
      expect(await runsOf(deployed.flowId)).toHaveLength(1);
      const refusals = await refusalsOf(deployed.flowId);
      expect(refusals).toHaveLength(19);
      expect(new Set(refusals.map((r) => r.heldBy))).toEqual(new Set(runIds(results)));
    },
  );

  test('two engines taking one person’s events at the same moment start exactly one run', async () => {
    // a second engine on the same database: its own group commit, so its own transactions
    const second = createEngine({
      db: t.database.handle,
      redisUrl: TEST_REDIS_URL,
      queuePrefix: t.prefix,
      logger: createLogger({ level: 'silent' }),
      httpAllow: parseAllowList('127.0.0.1'),
      keyring: TEST_KEYRING,
      defaultMetrics: false,
    });
    try {
      for (const rule of ['once', 'one-at-a-time'] as const) {
        const def = journey(rule);
        const deployed = await deployFlow(t.engine, definition(def));
        await second.flowsChanged();
        const person = `race-${randomUUID()}`;
        const calls = Array.from({ length: 16 }, (_, i) =>
          ingestTracking(i % 2 === 0 ? t.engine.ctx : second.ctx, sourceId, [track(person, def.event)]),
        );
        const results = (await Promise.all(calls)).flat();
        expect(runIds(results)).toHaveLength(1);
        expect(await runsOf(deployed.flowId)).toHaveLength(1);
        expect(await refusalsOf(deployed.flowId)).toHaveLength(15);
      }
    } finally {
      await second.close();
    }
  });

  // PGlite is one process's embedded database: another process cannot share it
  test.skipIf(onPglite)(
    'a worker process and this one taking one person’s events at once start exactly one run',
    { timeout: 60_000 },
    async () => {
      const def = journey('one-at-a-time');
      const deployed = await deployFlow(t.engine, definition(def));
      const child = await startWorkerProcess(t, { WORKER_TRACK_SOURCE: sourceId });
      try {
        const person = `process-${randomUUID()}`;
        let out = '';
        const theirs = new Promise<TrackingResult[]>((resolve, reject) => {
          child.stdout?.on('data', (chunk: Buffer) => {
            out += chunk.toString();
            const line = out
              .split('\n')
              .find((l) => l.startsWith('tracked ') || l.startsWith('tracking failed'));
            if (line?.startsWith('tracked ')) resolve(JSON.parse(line.slice('tracked '.length)));
            else if (line) reject(new Error(line));
          });
        });
        child.stdin?.write(`${JSON.stringify(Array.from({ length: 8 }, () => track(person, def.event)))}\n`);
        const mine = await Promise.all(
          Array.from({ length: 8 }, () => ingestTracking(t.engine.ctx, sourceId, [track(person, def.event)])),
        );
        const results = [...mine.flat(), ...(await theirs)];
        expect(results).toHaveLength(16);
        expect(runIds(results)).toHaveLength(1);
        expect(await runsOf(deployed.flowId)).toHaveLength(1);
        expect(await refusalsOf(deployed.flowId)).toHaveLength(15);
      } finally {
        await stopWorkerProcess(child);
      }
    },
  );

  // two transactions at once, neither holding the person's identity lock that tracking ingest also takes:
  // the journey row alone must decide. PGlite has one connection, so it cannot hold two open transactions.
  test.skipIf(onPglite)(
    'two open transactions entering one person: the second waits for the first and is refused',
    async () => {
      const deployed = await deployFlow(t.engine, definition(journey('one-at-a-time')));
      const flows = await t.engine.ctx.live.list(t.engine.ctx.db, t.engine.ctx.flows);
      const flow = flows.find((f) => f.flowId === deployed.flowId);
      if (!flow) throw new Error('the flow is not live');
      const person = `tx-${randomUUID()}`;
      const eventRow = () => ({
        id: newId(),
        source: `tracking:${sourceId}`,
        type: 'track',
        idempotencyKey: randomUUID(),
        payload: { userId: person },
        receivedAt: new Date(),
        name: 'Checkout Started',
        userId: person,
        anonymousId: null,
        occurredAt: new Date(),
        planViolations: null,
      });
      const [a, b] = [eventRow(), eventRow()];
      await t.engine.ctx.db.insert(schema.events).values([a, b]);
      const runA = await prepareRun(t.engine.ctx, { flow, event: a, item: a.payload });
      const runB = await prepareRun(t.engine.ctx, { flow, event: b, item: b.payload });
      const flowsById = new Map([[flow.flowId, flow]]);
      let releaseA: () => void = () => {};
      const aHolds = new Promise<void>((resolve) => {
        releaseA = resolve;
      });
      let aDecided: () => void = () => {};
      const decidedA = new Promise<void>((resolve) => {
        aDecided = resolve;
      });
      const txA = t.engine.ctx.db.transaction(async (tx) => {
        const refused = await decideEntries(tx, [runA], flowsById, [a]);
        aDecided();
        await aHolds;
        await insertRuns(tx, t.engine.ctx, [runA], 'wait');
        return refused;
      });
      await decidedA;
      let bDone = false;
      const txB = t.engine.ctx.db
        .transaction((tx) => decideEntries(tx, [runB], flowsById, [b]))
        .finally(() => {
          bDone = true;
        });
      // B waits for A's row lock (Postgres says so), rather than deciding from what it cannot see yet
      await waitFor(
        async () => {
          const [row] = await selectRows<{ n: number }>(
            t.engine.ctx.db,
            sql`select count(*)::int as n from pg_stat_activity
              where datname = current_database() and wait_event_type = 'Lock'`,
          );
          return Number(row?.n) > 0;
        },
        { what: 'the second transaction to wait for the row lock' },
      );
      expect(bDone).toBe(false);
      releaseA();
      expect(await txA).toEqual([]);
      const refusedB = await txB;
      expect(refusedB).toEqual([expect.objectContaining({ rule: 'one-at-a-time', heldBy: runA.run.id })]);
    },
  );
});
