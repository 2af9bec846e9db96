// The sweeper's passes against Redis's losses: parked steps' delayed jobs are examined when Redis may have
// lost them (its mark gone, keys evicted, the first pass, the full-check interval) and not on every pass,
// while due steps are examined every pass. On real Postgres and Redis, and a redis-server of the test's own.
import { schema } from '@tributary/db';
import { asc, eq, inArray } from 'drizzle-orm';
import { Redis } from 'ioredis';
import type { Counter } from 'prom-client';
import { afterAll, beforeAll, expect, inject, test } from 'vitest';
import { createLogger } from '../core/index.js';
import { ingest } from '../ingest/index.js';
import {
  deployFlow,
  joblessSteps,
  startOwnRedis,
  startTestEngine,
  TEST_REDIS_URL,
  type TestEngine,
  waitFor,
} from '../testing/index.js';
import { RedisLossWatch } from './redis-watch.js';
import { DEFAULT_SWEEP_OPTIONS, newSweepState, sweepPass } from './sweeper.js';

// a Redis database of its own, so FLUSHDB touches no other test
const url = `${TEST_REDIS_URL.replace(/\/\d+$/, '')}/10`;
const logger = createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
let t: TestEngine;

beforeAll(async () => {
  // a worker to park the steps; no sweeper of its own: the test's passes are the only ones
  t = await startTestEngine(inject('templateDatabase'), { redisUrl: url });
});
afterAll(async () => {
  await t?.close();
});

/** What `counter` (a metric of the engine's, by reason) counted for `reason` so far. */
const counted = async (counter: Counter<'reason'>, reason: string) =>
  (await counter.get()).values.find((v) => v.labels.reason === reason)?.value ?? 0;
const reenqueued = (reason: string) => counted(t.engine.ctx.metrics.sweeperReenqueued, reason);
const fullChecks = (reason: string) => counted(t.engine.ctx.metrics.sweeperFullChecks, reason);

test("parked steps' jobs are examined at the first pass, when Redis lost data and at the full-check interval — not every pass", async () => {
  const deployed = await deployFlow(t.engine, {
    name: 'Parked a day',
    slug: 'parked-a-day',
    nodes: [
      { id: 'start', type: 'trigger.manual', name: 'Start', config: {} },
      { id: 'wait', type: 'logic.delay', name: 'Wait', config: { ms: 24 * 3_600_000 } },
      { id: 'set', type: 'logic.set', name: 'After', config: { fields: { done: true } } },
    ],
    edges: [
      { id: 'e1', source: 'start', target: 'wait' },
      { id: 'e2', source: 'wait', target: 'set' },
    ],
  });
  for (let i = 0; i < 3; i++) {
    await ingest(t.engine.ctx, {
      source: 'test',
      type: 'park',
      payload: { i },
      targets: [{ ...deployed, item: {} }],
    });
  }
  // parked: waiting in Postgres until tomorrow, their jobs delayed until then
  const ids = await waitFor(async () => {
    const rows = await t.engine.ctx.db
      .select({ id: schema.steps.id })
      .from(schema.steps)
      .where(eq(schema.steps.status, 'waiting'))
      .orderBy(asc(schema.steps.id));
    if (rows.length < 3) return undefined;
    const states = await t.engine.ctx.queue.states(rows.map((r) => r.id));
    return states.every((s) => s === 'delayed') ? rows.map((r) => r.id) : undefined;
  });
  const watch = new RedisLossWatch(t.engine.redis, `${t.prefix}:redis-mark`, logger);
  // steps count as parked (not new) at once; a full check only when the test asks for it
  const options = { ...DEFAULT_SWEEP_OPTIONS, minAgeMs: 0, recentMs: 0, fullCheckEveryMs: 3_600_000 };
  const state = newSweepState();
  const removeJobs = async () => {
    for (const id of ids) await t.engine.ctx.queue.queue.remove(id);
    expect(await joblessSteps(t.engine.ctx.queue, ids)).toEqual(ids);
  };

  // the first pass is a full check: with every job in place, it re-creates nothing
  expect(await sweepPass(t.engine.ctx, options, state, watch)).toBe(0);
  expect(state.full).toBeUndefined();
  expect(await fullChecks('start')).toBe(1);

  // jobs deleted by hand, Redis otherwise whole: passes do not look at parked steps (that is the saving)
  await removeJobs();
  expect(await sweepPass(t.engine.ctx, options, state, watch)).toBe(0);
  expect(await joblessSteps(t.engine.ctx.queue, ids)).toEqual(ids);
  // … until the full-check interval is up
  expect(await sweepPass(t.engine.ctx, { ...options, fullCheckEveryMs: 0 }, state, watch)).toBe(3);
  expect(await joblessSteps(t.engine.ctx.queue, ids)).toEqual([]);
  expect(await fullChecks('interval')).toBe(1);

  // Redis emptied: its mark goes with the jobs, and the next pass examines every open step
  const redis = new Redis(url);
  try {
    await redis.flushdb();
  } finally {
    redis.disconnect();
  }
  expect(await joblessSteps(t.engine.ctx.queue, ids)).toEqual(ids);
  expect(await sweepPass(t.engine.ctx, options, state, watch)).toBe(3);
  expect(await joblessSteps(t.engine.ctx.queue, ids)).toEqual([]);
  expect(await fullChecks('redis_lost')).toBe(1);
  // re-created as they were: delayed until their wake-up time
  expect(await t.engine.ctx.queue.states(ids)).toEqual(['delayed', 'delayed', 'delayed']);
  // the new mark is remembered: the pass after is no full check
  await removeJobs();
  expect(await sweepPass(t.engine.ctx, options, state, watch)).toBe(0);
  expect(await fullChecks('redis_lost')).toBe(1);

  // a step of them made due (a wake-up whose promotion was lost) is examined every pass: its missing job comes back
  await t.engine.ctx.db
    .update(schema.steps)
    .set({ dueAt: new Date(Date.now() - 1_000) })
    .where(eq(schema.steps.id, ids[0] ?? ''));
  expect(await sweepPass(t.engine.ctx, options, state, watch)).toBe(1);
  expect(await joblessSteps(t.engine.ctx.queue, ids)).toEqual(ids.slice(1));

  // jobs delayed until tomorrow, as parked: one step woken early (due now, parked until tomorrow — the
  // promotion that follows a wake-up lost in a crash) has its job run now; one that reached its own
  // wake-up time is left to the workers (nothing was lost)
  const [woken, reached] = [ids[1] ?? '', ids[2] ?? ''];
  const rows = await t.engine.ctx.db
    .select({ id: schema.steps.id, runId: schema.steps.runId })
    .from(schema.steps)
    .where(inArray(schema.steps.id, [woken, reached]));
  const tomorrow = new Date(Date.now() + 24 * 3_600_000);
  await t.engine.ctx.queue.add(rows.map((r) => ({ ...r, dueAt: tomorrow })));
  expect(await t.engine.ctx.queue.states([woken, reached])).toEqual(['delayed', 'delayed']);
  const past = new Date(Date.now() - 1_000);
  await t.engine.ctx.db.update(schema.steps).set({ dueAt: past }).where(eq(schema.steps.id, woken));
  await t.engine.ctx.db
    .update(schema.steps)
    .set({ dueAt: past, state: { wakeAt: past.toISOString() } })
    .where(eq(schema.steps.id, reached));
  const lateBefore = await reenqueued('late');
  expect(await sweepPass(t.engine.ctx, options, state, watch)).toBe(1);
  expect(await reenqueued('late')).toBe(lateBefore + 1);
  const [wokenState, reachedState] = await t.engine.ctx.queue.states([woken, reached]);
  expect(wokenState).not.toBe('delayed');
  expect(reachedState).toBe('delayed');
});

test('the watch tells a restart without persistence, keys evicted, and a Redis it cannot read', async () => {
  // a small memory limit that evicts keys
  const server = await startOwnRedis({
    args: ['--maxmemory', '4mb', '--maxmemory-policy', 'allkeys-random'],
  });
  const redis = new Redis(server.url, { maxRetriesPerRequest: 0, enableOfflineQueue: false });
  // refused reconnections while the server is down are expected; the calls that fail say so
  redis.on('error', () => {});
  try {
    await waitFor(() => redis.status === 'ready', { what: 'the client to connect' });
    const watch = new RedisLossWatch(redis, 'test:redis-mark', logger);
    expect(await watch.check()).toBe('start');
    expect(await watch.check()).toBeUndefined();

    // memory full: keys go (allkeys-random), and the watch says so once
    const filler = 'x'.repeat(100_000);
    for (let i = 0; i < 200; i++) await redis.set(`filler:${i}`, filler);
    expect(Number(/evicted_keys:(\d+)/.exec(await redis.info('stats'))?.[1])).toBeGreaterThan(0);
    expect(await watch.check()).toBe('redis_lost');
    await redis.flushdb();
    // the flush took the mark too: lost again, then quiet
    expect(await watch.check()).toBe('redis_lost');
    expect(await watch.check()).toBeUndefined();

    // Redis down: nothing can be trusted
    await server.kill();
    await waitFor(() => redis.status !== 'ready', { what: 'the client to see the server gone' });
    expect(await watch.check()).toBe('redis_unread');
    // back, empty (no persistence): the mark is gone, so data was lost meanwhile
    await server.start();
    await waitFor(() => redis.status === 'ready', { timeoutMs: 30_000, what: 'the client to reconnect' });
    expect(await watch.check()).toBe('redis_lost');
    expect(await watch.check()).toBeUndefined();
  } finally {
    redis.disconnect();
    await server.dispose();
  }
});
