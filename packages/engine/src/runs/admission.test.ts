// Concurrency limits and partition keys on real Postgres and Redis, with the evidence taken from the stored
// step times (each run's first attempt start to its last step's end): never more than N runs of a flow in
// progress, no two runs of one key overlapping, runs of a key finishing in acceptance order — with one engine,
// two engines sharing the database and queue, a retrying run, and a worker process killed mid-run.
import { schema } from '@tributary/db';
import { parseAllowList } from '@tributary/nodes';
import { type HttpPeer, startHttpPeer } from '@tributary/nodes/testing';
import { asc, eq } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, inject, test } from 'vitest';
import { createLogger } from '../core/index.js';
import { createEngine, type Engine } from '../engine.js';
import { listRuns } from '../history/index.js';
import { ingest } from '../ingest/index.js';
import { admitStranded } from '../recovery/index.js';
import {
  deployFlow,
  startTestEngine,
  startWorkerProcess,
  TEST_KEYRING,
  TEST_REDIS_URL,
  waitFor,
} from '../testing/index.js';
import { cancelRun } from './cancel.js';

const onPglite = process.env.TEST_DB === 'pglite';

let peer: HttpPeer;
/** Calls the peer is answering right now, overall and per key (the `key` query parameter). */
const inFlight = { all: 0, max: 0, byKey: new Map<string, number>(), maxPerKey: 0 };
/** Keys whose next call answers 503 once (a retry test). */
const failOnce = new Set<string>();
const cleanups: Array<() => Promise<void>> = [];

beforeAll(async () => {
  peer = await startHttpPeer({
    handler: (req, res) => {
      const key = new URL(req.url, 'http://peer').searchParams.get('key') ?? '';
      if (failOnce.delete(key)) {
        res.statusCode = 503;
        res.end('busy');
        return;
      }
      inFlight.all++;
      inFlight.max = Math.max(inFlight.max, inFlight.all);
      const mine = (inFlight.byKey.get(key) ?? 0) + 1;
      inFlight.byKey.set(key, mine);
      inFlight.maxPerKey = Math.max(inFlight.maxPerKey, mine);
      setTimeout(() => {
        inFlight.all--;
        inFlight.byKey.set(key, (inFlight.byKey.get(key) ?? 1) - 1);
        res.end('ok');
      }, 80);
    },
  });
});

afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
  inFlight.max = 0;
  inFlight.maxPerKey = 0;
});

afterAll(async () => {
  await peer?.close();
});

/** A flow: trigger → a call to the peer (80 ms, named by the event's key) → a set; with `settings`. */
function callingFlow(slug: string, settings: Record<string, unknown>) {
  return {
    name: `Flow ${slug}`,
    slug,
    settings,
    nodes: [
      { id: 'trigger', type: 'trigger.manual', name: 'Start', config: {} },
      {
        id: 'call',
        type: 'action.http',
        name: 'Call',
        config: { method: 'POST', url: `${peer.url}/work?key={{ $json.customer }}`, body: '{{ $json }}' },
        retry: { attempts: 3, backoff: 'fixed', delayMs: 200, jitter: false },
      },
      { id: 'done', type: 'logic.set', name: 'Done', config: { fields: { done: true } } },
    ],
    edges: [
      { id: 'e1', source: 'trigger', target: 'call' },
      { id: 'e2', source: 'call', target: 'done' },
    ],
  };
}

/** Accepts one event per item, one after the other (acceptance order = item order); gives the run ids. */
async function fireInOrder(
  engines: readonly Engine[],
  deployed: { flowId: string; version: number },
  items: readonly unknown[],
) {
  const ids: string[] = [];
  for (const [i, item] of items.entries()) {
    const engine = engines[i % engines.length] as Engine;
    const result = await ingest(engine.ctx, {
      source: 'test',
      type: 'test',
      payload: item,
      targets: [{ ...deployed, item }],
    });
    const id = result.runs[0]?.id;
    if (!id) throw new Error('no run was started');
    ids.push(id);
  }
  return ids;
}

interface RunSpan {
  id: string;
  key: string | null;
  keyError: string | null;
  start: number;
  end: number;
  /** When the run was admitted (runs.started_at). */
  admittedAt: number;
}

/** Each run's span from the stored step times: its first attempt's start (trigger aside) to its last step's end. */
async function spansOf(engine: Engine, flowId: string): Promise<RunSpan[]> {
  const db = engine.ctx.db;
  const runs = await db
    .select({
      id: schema.runs.id,
      key: schema.runs.partitionKey,
      keyError: schema.runs.keyError,
      status: schema.runs.status,
      startedAt: schema.runs.startedAt,
    })
    .from(schema.runs)
    .where(eq(schema.runs.flowId, flowId))
    .orderBy(asc(schema.runs.id));
  const steps = await db
    .select({
      runId: schema.steps.runId,
      nodeId: schema.steps.nodeId,
      attempts: schema.steps.attempts,
      finishedAt: schema.steps.finishedAt,
    })
    .from(schema.steps)
    .innerJoin(schema.runs, eq(schema.runs.id, schema.steps.runId))
    .where(eq(schema.runs.flowId, flowId));
  return runs.map((run) => {
    const own = steps.filter((s) => s.runId === run.id && s.nodeId !== 'trigger');
    const starts = own.flatMap((s) => s.attempts.map((a) => Date.parse(a.startedAt)));
    const ends = own.map((s) => s.finishedAt?.getTime() ?? Number.NaN);
    return {
      id: run.id,
      key: run.key,
      keyError: run.keyError,
      start: Math.min(...starts),
      end: Math.max(...ends),
      admittedAt: run.startedAt?.getTime() ?? Number.NaN,
    };
  });
}

/** The most spans open at one moment. */
function maxOverlap(spans: readonly RunSpan[]): number {
  const edges = spans.flatMap((s) => [
    { at: s.start, d: 1 },
    { at: s.end, d: -1 },
  ]);
  // an end and a start at the same millisecond: the end first (the next run began as this one ended)
  edges.sort((a, b) => a.at - b.at || a.d - b.d);
  let open = 0;
  let most = 0;
  for (const e of edges) {
    open += e.d;
    most = Math.max(most, open);
  }
  return most;
}

async function allSucceeded(engine: Engine, flowId: string, count: number) {
  return waitFor(
    async () => {
      const runs = await engine.ctx.db
        .select({ status: schema.runs.status })
        .from(schema.runs)
        .where(eq(schema.runs.flowId, flowId));
      return runs.length === count && runs.every((r) => r.status === 'succeeded');
    },
    { timeoutMs: 90_000, intervalMs: 100, what: `${count} succeeded runs` },
  );
}

/** Checks per key: no two runs overlap, and they finished in the order they were accepted. */
function expectKeysInOrder(spans: readonly RunSpan[], acceptedIds: readonly string[]) {
  const byKey = new Map<string, RunSpan[]>();
  for (const id of acceptedIds) {
    const span = spans.find((s) => s.id === id);
    if (!span) throw new Error(`no span for run ${id}`);
    const key = span.key ?? '';
    byKey.set(key, [...(byKey.get(key) ?? []), span]);
  }
  for (const [key, ordered] of byKey) {
    expect(maxOverlap(ordered), `runs of key "${key}" overlapped`).toBe(1);
    for (let i = 1; i < ordered.length; i++) {
      const before = ordered[i - 1] as RunSpan;
      const after = ordered[i] as RunSpan;
      expect(
        after.start,
        `run ${i} of key "${key}" started before run ${i - 1} ended`,
      ).toBeGreaterThanOrEqual(before.end);
    }
  }
}

describe('concurrency limit', () => {
  test('never more than N runs of the flow in progress; the rest start in acceptance order', {
    timeout: 120_000,
  }, async () => {
    const t = await startTestEngine(inject('templateDatabase'));
    cleanups.push(() => t.close());
    const deployed = await deployFlow(t.engine, callingFlow('limited', { concurrency: 2 }));
    const items = Array.from({ length: 10 }, (_, i) => ({ customer: `c${i}`, i }));
    const ids = await fireInOrder([t.engine], deployed, items);
    await allSucceeded(t.engine, deployed.flowId, 10);
    const spans = await spansOf(t.engine, deployed.flowId);
    // the limit was reached (two at once) and never passed, in the stored times and at the peer alike
    expect(maxOverlap(spans)).toBe(2);
    expect(inFlight.max).toBeLessThanOrEqual(2);
    // admitted in acceptance order: each run admitted no later than any run accepted after it (two runs
    // admitted a moment apart may still have their first steps picked up in either order by the workers)
    const starts = ids.map((id) => spans.find((s) => s.id === id)?.admittedAt ?? Number.NaN);
    for (let i = 1; i < starts.length; i++) {
      expect(starts[i] as number).toBeGreaterThanOrEqual(starts[i - 1] as number);
    }
    // a flow without a partition key records none
    expect(spans.every((s) => s.key === null)).toBe(true);
  });

  test('a run that waits for its turn shows it (admission `waiting`, first steps held); a restart keeps the order and the limit', {
    timeout: 60_000,
  }, async () => {
    // no worker: the first run takes the only slot and keeps it
    const t = await startTestEngine(inject('templateDatabase'), { worker: false });
    cleanups.push(() => t.close());
    const deployed = await deployFlow(t.engine, callingFlow('one-at-a-time', { concurrency: 1 }));
    const [first, second] = await fireInOrder([t.engine], deployed, [{ customer: 'a' }, { customer: 'b' }]);
    const runs = await listRuns(t.engine.ctx.db, { flowId: deployed.flowId, limit: 1000 });
    const byId = new Map(runs.items.map((r) => [r.id, r]));
    expect(byId.get(first as string)).toMatchObject({ admission: 'admitted', status: 'queued' });
    expect(byId.get(first as string)?.startedAt).not.toBeNull();
    expect(byId.get(second as string)).toMatchObject({
      admission: 'waiting',
      status: 'queued',
      startedAt: null,
    });
    const held = await t.engine.ctx.db
      .select({ status: schema.steps.status })
      .from(schema.steps)
      .where(eq(schema.steps.runId, second as string));
    expect(held.map((s) => s.status).sort()).toEqual(['held', 'succeeded']);
    // a sweeper pass admits nothing more (the limit is reached), and /metrics counts the run waiting for its turn
    expect(await admitStranded(t.engine.ctx)).toBe(0);
    const metric = await t.engine.ctx.metrics.registry.getSingleMetric('tributary_runs_waiting_turn')?.get();
    expect(metric?.values[0]?.value).toBe(1);
    // a restart keeps the order and the limit (they are in Postgres): the engine stops, a new one on the
    // same database and queue finishes both, one at a time, the first first
    await t.engine.close();
    const restarted = createEngine({
      db: t.database.handle,
      redisUrl: TEST_REDIS_URL,
      queuePrefix: t.prefix,
      logger: createLogger({ level: 'silent' }),
      httpAllow: parseAllowList('127.0.0.1'),
      keyring: TEST_KEYRING,
      defaultMetrics: false,
    });
    cleanups.push(() => restarted.close());
    restarted.startWorker({ concurrency: 5 });
    await allSucceeded(restarted, deployed.flowId, 2);
    const spans = await spansOf(restarted, deployed.flowId);
    expect(maxOverlap(spans)).toBe(1);
    expectKeysInOrder(spans, [first as string, second as string]);
  });

  test('canceling the run that holds the only slot admits the next one', { timeout: 60_000 }, async () => {
    const t = await startTestEngine(inject('templateDatabase'), { worker: false });
    cleanups.push(() => t.close());
    const deployed = await deployFlow(t.engine, callingFlow('cancel-frees', { concurrency: 1 }));
    const [first, second] = await fireInOrder([t.engine], deployed, [{ customer: 'a' }, { customer: 'b' }]);
    await cancelRun(t.engine.ctx, first as string, 'test');
    const [row] = await t.engine.ctx.db
      .select({ admission: schema.runs.admission })
      .from(schema.runs)
      .where(eq(schema.runs.id, second as string));
    expect(row?.admission).toBe('admitted');
  });
});

describe('partition key', () => {
  test('runs of one key one at a time in acceptance order, different keys in parallel; the key is kept and searchable', {
    timeout: 120_000,
  }, async () => {
    const t = await startTestEngine(inject('templateDatabase'));
    cleanups.push(() => t.close());
    const deployed = await deployFlow(
      t.engine,
      callingFlow('per-customer', { partitionKey: '{{ $json.customer }}' }),
    );
    const customers = ['ann', 'bob', 'cyd'];
    const items = Array.from({ length: 12 }, (_, i) => ({ customer: customers[i % 3], i }));
    const ids = await fireInOrder([t.engine], deployed, items);
    await allSucceeded(t.engine, deployed.flowId, 12);
    const spans = await spansOf(t.engine, deployed.flowId);
    expectKeysInOrder(spans, ids);
    // different keys did run side by side
    expect(maxOverlap(spans)).toBeGreaterThanOrEqual(2);
    expect(inFlight.maxPerKey).toBe(1);
    // every run records its key, and the run list finds them by it
    const annRuns = await listRuns(t.engine.ctx.db, { key: 'ann', limit: 1000 });
    expect(annRuns.items.map((r) => r.id).sort()).toEqual(ids.filter((_, i) => i % 3 === 0).sort());
    expect(annRuns.items.every((r) => r.partitionKey === 'ann' && r.keyError === null)).toBe(true);
  });

  test('a key expression that gives nothing runs under the fallback key "" and says so on the run', {
    timeout: 60_000,
  }, async () => {
    const t = await startTestEngine(inject('templateDatabase'));
    cleanups.push(() => t.close());
    const deployed = await deployFlow(
      t.engine,
      callingFlow('no-key', { partitionKey: '{{ $json.customer }}' }),
    );
    const ids = await fireInOrder([t.engine], deployed, [{ i: 1 }, { i: 2 }, { customer: 'x' }]);
    await allSucceeded(t.engine, deployed.flowId, 3);
    const spans = await spansOf(t.engine, deployed.flowId);
    const [a, b, c] = ids.map((id) => spans.find((s) => s.id === id));
    expect(a).toMatchObject({ key: '', keyError: 'the partition key expression gave no value' });
    expect(b).toMatchObject({ key: '' });
    expect(c).toMatchObject({ key: 'x', keyError: null });
    // the keyless runs share the one fallback key: one at a time
    expectKeysInOrder(spans, ids);
    const fallback = await listRuns(t.engine.ctx.db, { key: '', limit: 1000 });
    expect(fallback.items).toHaveLength(2);
  });

  test('a retrying run keeps its key: the next run of the key waits through the retry', {
    timeout: 60_000,
  }, async () => {
    const t = await startTestEngine(inject('templateDatabase'));
    cleanups.push(() => t.close());
    const deployed = await deployFlow(
      t.engine,
      callingFlow('retry-holds', { partitionKey: '{{ $json.customer }}' }),
    );
    failOnce.add('dora');
    const ids = await fireInOrder([t.engine], deployed, [
      { customer: 'dora', i: 1 },
      { customer: 'dora', i: 2 },
    ]);
    await allSucceeded(t.engine, deployed.flowId, 2);
    const spans = await spansOf(t.engine, deployed.flowId);
    expectKeysInOrder(spans, ids);
    // the first run did retry (two attempts of its call), and the second began only after it ended
    const [call] = await t.engine.ctx.db
      .select({ attempts: schema.steps.attempts })
      .from(schema.steps)
      .where(eq(schema.steps.runId, ids[0] as string))
      .orderBy(asc(schema.steps.id))
      .then((rows) => rows.filter((r) => r.attempts.length > 1));
    expect(call?.attempts).toHaveLength(2);
  });

  test('key and limit together, with two engines sharing the database and queue', {
    timeout: 120_000,
  }, async () => {
    const t = await startTestEngine(inject('templateDatabase'));
    cleanups.push(() => t.close());
    // a second engine on the same database and queue prefix, with its own worker: two processes' worth
    const second = createEngine({
      db: t.database.handle,
      redisUrl: TEST_REDIS_URL,
      queuePrefix: t.prefix,
      logger: createLogger({ level: 'silent' }),
      httpAllow: parseAllowList('127.0.0.1'),
      keyring: TEST_KEYRING,
      defaultMetrics: false,
    });
    second.startWorker({ concurrency: 20 });
    cleanups.push(() => second.close());
    const deployed = await deployFlow(
      t.engine,
      callingFlow('both', { partitionKey: '{{ $json.customer }}', concurrency: 2 }),
    );
    await second.flowsChanged();
    const customers = ['a', 'b', 'c', 'd'];
    const items = Array.from({ length: 16 }, (_, i) => ({ customer: customers[i % 4], i }));
    const ids = await fireInOrder([t.engine, second], deployed, items);
    await allSucceeded(t.engine, deployed.flowId, 16);
    const spans = await spansOf(t.engine, deployed.flowId);
    expectKeysInOrder(spans, ids);
    expect(maxOverlap(spans)).toBe(2);
    expect(inFlight.max).toBeLessThanOrEqual(2);
  });
});

describe('faults', () => {
  test.skipIf(onPglite)(
    // PGlite is an in-process database: a second process cannot open it, so this runs on Postgres only
    'a worker process killed mid-run: the run keeps its slot, the limit and the key order hold, every run ends',
    { timeout: 180_000 },
    async () => {
      const t = await startTestEngine(inject('templateDatabase'), { worker: false, sweepMs: 500 });
      cleanups.push(() => t.close());
      const deployed = await deployFlow(
        t.engine,
        callingFlow('killed', { partitionKey: '{{ $json.customer }}', concurrency: 2 }),
      );
      const doomed = await startWorkerProcess(t);
      cleanups.push(async () => {
        doomed.kill('SIGKILL');
      });
      const customers = ['p', 'q', 'r'];
      const items = Array.from({ length: 12 }, (_, i) => ({ customer: customers[i % 3], i }));
      const firing = fireInOrder([t.engine], deployed, items);
      // kill the worker while calls are under way
      await waitFor(() => inFlight.all > 0 && peer.requests.length >= 3, { what: 'calls under way' });
      doomed.kill('SIGKILL');
      const ids = await firing;
      const survivor = await startWorkerProcess(t);
      cleanups.push(async () => {
        survivor.kill('SIGKILL');
      });
      await allSucceeded(t.engine, deployed.flowId, 12);
      const spans = await spansOf(t.engine, deployed.flowId);
      expectKeysInOrder(spans, ids);
      expect(maxOverlap(spans)).toBeLessThanOrEqual(2);
      // each run ran exactly once to its end: one succeeded `done` step per run
      const doneSteps = await t.engine.ctx.db
        .select({ runId: schema.steps.runId, status: schema.steps.status })
        .from(schema.steps)
        .where(eq(schema.steps.nodeId, 'done'));
      expect(doneSteps.filter((s) => s.status === 'succeeded')).toHaveLength(12);
    },
  );
});
