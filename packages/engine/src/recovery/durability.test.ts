// Faults lose no accepted event: a worker killed with SIGKILL mid-load, and Redis emptied under queued and
// delayed steps. Every accepted event must end with exactly one succeeded run.
import { schema } from '@tributary/db';
import { type HttpPeer, startHttpPeer } from '@tributary/nodes/testing';
import { eq, sql } from 'drizzle-orm';
import { Redis } from 'ioredis';
import { afterAll, afterEach, describe, expect, inject, test } from 'vitest';
import { ingest } from '../ingest/index.js';
import {
  deployFlow,
  startTestEngine,
  startWorkerProcess,
  TEST_REDIS_URL,
  type TestEngine,
  waitFor,
} from '../testing/index.js';

const onPglite = process.env.TEST_DB === 'pglite';
let peer: HttpPeer | undefined;
const cleanups: Array<() => Promise<void>> = [];

afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});
afterAll(async () => {
  await peer?.close();
});

async function fireMany(t: TestEngine, deployed: { flowId: string; version: number }, count: number) {
  const eventIds: string[] = [];
  for (let i = 0; i < count; i += 50) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(50, count - i) }, (_, j) =>
        ingest(t.engine.ctx, {
          source: 'test',
          type: 'load',
          payload: { i: i + j },
          targets: [{ ...deployed, item: { i: i + j } }],
        }),
      ),
    );
    eventIds.push(...batch.map((r) => r.eventId));
  }
  return eventIds;
}

/** Per accepted event: how many runs, and how many of them succeeded. */
async function runsPerEvent(t: TestEngine, flowId: string) {
  return t.engine.ctx.db
    .select({
      eventId: schema.runs.eventId,
      runs: sql<number>`count(*)`.mapWith(Number),
      succeeded: sql<number>`count(*) filter (where ${schema.runs.status} = 'succeeded')`.mapWith(Number),
    })
    .from(schema.runs)
    .where(eq(schema.runs.flowId, flowId))
    .groupBy(schema.runs.eventId);
}

async function allSucceeded(t: TestEngine, flowId: string, count: number) {
  return waitFor(
    async () => {
      const rows = await runsPerEvent(t, flowId);
      return rows.length === count && rows.every((r) => r.succeeded === 1) ? rows : undefined;
    },
    { timeoutMs: 120_000, intervalMs: 250, what: `${count} succeeded runs` },
  );
}

describe('durability', () => {
  test.skipIf(onPglite)(
    // PGlite is an in-process database: a second process cannot open it, so this runs on Postgres only
    'a worker killed with SIGKILL in the middle of 1,000 events: every event ends with exactly one succeeded run',
    { timeout: 180_000 },
    async () => {
      peer = await startHttpPeer({
        handler: (_req, res) => {
          setTimeout(() => res.end('ok'), 5);
        },
      });
      const t = await startTestEngine(inject('templateDatabase'), { worker: false, sweepMs: 500 });
      cleanups.push(() => t.close());
      const deployed = await deployFlow(t.engine, {
        name: 'Load',
        slug: 'load',
        nodes: [
          { id: 'start', type: 'trigger.manual', name: 'Start', config: {} },
          { id: 'set', type: 'logic.set', name: 'Set', config: { fields: { doubled: '{{ $json.i * 2 }}' } } },
          {
            id: 'call',
            type: 'action.http',
            name: 'Call',
            config: { method: 'POST', url: `${peer.url}/load`, body: '{{ $json }}' },
          },
        ],
        edges: [
          { id: 'e1', source: 'start', target: 'set' },
          { id: 'e2', source: 'set', target: 'call' },
        ],
      });
      const doomed = await startWorkerProcess(t);
      cleanups.push(async () => {
        doomed.kill('SIGKILL');
      });
      const firing = fireMany(t, deployed, 1000);
      // kill the worker once it is in the middle of the work
      await waitFor(async () => peer && peer.requests.length >= 100, {
        timeoutMs: 60_000,
        what: 'work to start',
      });
      doomed.kill('SIGKILL');
      const eventIds = await firing;
      expect(new Set(eventIds).size).toBe(1000);
      const survivor = await startWorkerProcess(t);
      cleanups.push(async () => {
        survivor.kill('SIGKILL');
      });
      const rows = await allSucceeded(t, deployed.flowId, 1000);
      expect(rows.every((r) => r.runs === 1)).toBe(true);
      // no step of any run was completed twice: one succeeded `call` step per run
      const [calls] = await t.engine.ctx.db
        .select({ n: sql<number>`count(*)`.mapWith(Number) })
        .from(schema.steps)
        .where(sql`${schema.steps.nodeId} = 'call' and ${schema.steps.status} = 'succeeded'`);
      expect(calls?.n).toBe(1000);
    },
  );

  test('Redis emptied (FLUSHDB) under queued and delayed steps: the sweeper finishes every run', {
    timeout: 120_000,
  }, async () => {
    // a Redis database of its own, so FLUSHDB touches no other test
    const url = `${TEST_REDIS_URL.replace(/\/\d+$/, '')}/9`;
    const t = await startTestEngine(inject('templateDatabase'), { worker: false, redisUrl: url });
    cleanups.push(() => t.close());
    const deployed = await deployFlow(t.engine, {
      name: 'Delayed',
      slug: 'delayed',
      nodes: [
        { id: 'start', type: 'trigger.manual', name: 'Start', config: {} },
        { id: 'wait', type: 'logic.delay', name: 'Wait', config: { ms: 1500 } },
        { id: 'set', type: 'logic.set', name: 'After', config: { fields: { done: true } } },
      ],
      edges: [
        { id: 'e1', source: 'start', target: 'wait' },
        { id: 'e2', source: 'wait', target: 'set' },
      ],
    });
    const flush = async () => {
      const redis = new Redis(url);
      try {
        await redis.flushdb();
      } finally {
        redis.disconnect();
      }
    };
    // 100 runs queued with no worker, then Redis loses everything
    await fireMany(t, deployed, 100);
    await flush();
    t.engine.startWorker({ concurrency: 20 });
    t.engine.startSweeper(300, { minAgeMs: 200 });
    // once some are parked in their delay (delayed jobs), Redis loses everything again
    await waitFor(
      async () => {
        const [row] = await t.engine.ctx.db
          .select({ n: sql<number>`count(*)`.mapWith(Number) })
          .from(schema.steps)
          .where(eq(schema.steps.status, 'waiting'));
        return (row?.n ?? 0) >= 50;
      },
      { what: 'runs parked in their delay' },
    );
    await flush();
    const rows = await allSucceeded(t, deployed.flowId, 100);
    expect(rows.every((r) => r.runs === 1)).toBe(true);
  });
});
