// Journeys on tracking events, engine side: tracking triggers, wait-for-event (lookback, races, exactly one
// port), exit goals and $profile — on real Postgres and Redis.
import { randomUUID } from 'node:crypto';
import { schema } from '@tributary/db';
import { and, eq, inArray, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { getRun, listRuns } from '../history/index.js';
import { getProfile } from '../profiles/index.js';
import { deployFlow, fireEvent, startTestEngine, type TestEngine, waitFor } from '../testing/index.js';
import { ingestTracking, type TrackingMessage } from './ingest-tracking.js';
import {
  createSource,
  lookUpWriteKey,
  resolveWriteKey,
  rotateWriteKey,
  setSourceStatus,
  WRITE_KEY_CACHE_MS,
} from './sources.js';

let t: TestEngine;
const sourceId = randomUUID();

beforeAll(async () => {
  t = await startTestEngine(inject('templateDatabase'), { sweepMs: 300 });
});
afterAll(async () => {
  await t?.close();
});

function message(
  type: TrackingMessage['type'],
  fields: Partial<TrackingMessage> & Record<string, unknown>,
): TrackingMessage {
  const now = new Date().toISOString();
  const messageId = fields.messageId ?? randomUUID();
  const { payload: _ignored, ...rest } = fields;
  return {
    type,
    messageId,
    timestamp: now,
    receivedAt: now,
    ...rest,
    payload: { type, messageId, timestamp: now, receivedAt: now, ...rest },
  } as TrackingMessage;
}

const track = (userId: string, event: string, properties: Record<string, unknown> = {}) =>
  message('track', { userId, event, properties });

/** A flow that each track call named `event` starts: its trigger, then a set. */
function taggedOn(event: string, slug: string) {
  return {
    name: `Tagged on ${event}`,
    slug,
    nodes: [
      { id: 'start', type: 'trigger.tracking', name: 'Start', config: { type: 'track', events: [event] } },
      { id: 'set', type: 'logic.set', name: 'Tag', config: { fields: { seen: true } } },
    ],
    edges: [{ id: 'e1', source: 'start', target: 'set' }],
  };
}

async function runsOf(flowId: string) {
  return t.engine.ctx.db.select().from(schema.runs).where(eq(schema.runs.flowId, flowId));
}

async function finishedRunsOf(flowId: string, count: number) {
  return waitFor(
    async () => {
      const runs = await runsOf(flowId);
      const done = runs.filter((r) => ['succeeded', 'failed', 'canceled'].includes(r.status));
      return done.length === count && runs.length === count ? runs : undefined;
    },
    { timeoutMs: 20_000, what: `${count} finished runs` },
  );
}

async function stepStatuses(runId: string) {
  const run = await getRun(t.engine.ctx.db, runId);
  return Object.fromEntries(run.steps.map((s) => [s.nodeId, s.status]));
}

let n = 0;
function cartFlow(timeoutMs: number, lookbackMs = 5_000, before: unknown[] = []) {
  n += 1;
  const beforeEdges = before.length
    ? [
        { id: 'b1', source: 'start', target: 'pause' },
        { id: 'b2', source: 'pause', target: 'wait' },
      ]
    : [{ id: 'e1', source: 'start', target: 'wait' }];
  return {
    name: `Cart ${n}`,
    slug: `cart-${n}`,
    nodes: [
      {
        id: 'start',
        type: 'trigger.tracking',
        name: 'Checkout',
        config: { type: 'track', events: ['Checkout Started'] },
      },
      ...before,
      {
        id: 'wait',
        type: 'logic.wait-for-event',
        name: 'Wait order',
        config: { event: 'Order Completed', timeoutMs, lookbackMs },
      },
      { id: 'bought', type: 'logic.set', name: 'Bought', config: { fields: { outcome: 'bought' } } },
      { id: 'remind', type: 'logic.set', name: 'Remind', config: { fields: { outcome: 'remind' } } },
    ],
    edges: [
      ...beforeEdges,
      { id: 'e2', source: 'wait', sourceHandle: 'received', target: 'bought' },
      { id: 'e3', source: 'wait', sourceHandle: 'timeout', target: 'remind' },
    ],
  };
}

describe('tracking triggers', () => {
  test('start runs only for matching type, event name, source and condition', async () => {
    const deployed = await deployFlow(t.engine, {
      name: 'Big orders',
      slug: 'big-orders',
      nodes: [
        {
          id: 'start',
          type: 'trigger.tracking',
          name: 'Order',
          config: {
            type: 'track',
            events: ['Order Completed'],
            sources: [sourceId],
            condition: '{{ $event.payload.properties.total > 100 }}',
          },
        },
        { id: 'set', type: 'logic.set', name: 'Tag', config: { fields: { big: true } } },
      ],
      edges: [{ id: 'e1', source: 'start', target: 'set' }],
    });
    const results = await ingestTracking(t.engine.ctx, sourceId, [
      track('u1', 'Order Completed', { total: 500 }),
      track('u1', 'Order Completed', { total: 5 }),
      track('u1', 'Checkout Started', { total: 500 }),
      message('identify', { userId: 'u1', traits: { total: 500 } }),
    ]);
    expect(results.map((r) => r.runs.length)).toEqual([1, 0, 0, 0]);
    await ingestTracking(t.engine.ctx, randomUUID(), [track('u1', 'Order Completed', { total: 500 })]);
    const runs = await finishedRunsOf(deployed.flowId, 1);
    const run = await getRun(t.engine.ctx.db, runs[0]?.id ?? '');
    expect(run.steps.find((s) => s.nodeId === 'set')?.output).toMatchObject({
      main: [{ event: 'Order Completed', userId: 'u1', big: true }],
    });
  });

  test('a repeated messageId is a duplicate: stored once, started once', async () => {
    const msg = track('u2', 'Dup Event');
    const [first] = await ingestTracking(t.engine.ctx, sourceId, [msg]);
    const [again] = await ingestTracking(t.engine.ctx, sourceId, [msg]);
    expect(again).toMatchObject({ duplicate: true, eventId: first?.eventId });
    const rows = await t.engine.ctx.db
      .select()
      .from(schema.events)
      .where(eq(schema.events.idempotencyKey, msg.messageId));
    expect(rows).toHaveLength(1);
  });

  test('a messageId repeated within one batch answers like its first, with its runs, and starts one run', async () => {
    const deployed = await deployFlow(t.engine, taggedOn('Twice', 'twice-in-a-batch'));
    const msg = track('u3', 'Twice');
    const [first, second, other] = await ingestTracking(t.engine.ctx, sourceId, [
      msg,
      msg,
      track('u3', 'Twice'),
    ]);
    expect(first).toMatchObject({ duplicate: false, runs: [{ flowId: deployed.flowId }] });
    expect(second).toEqual({ ...first, duplicate: true });
    expect(other?.runs).toHaveLength(1);
    expect(await runsOf(deployed.flowId)).toHaveLength(2);
  });

  test('a batch sent again is answered with the first events and their runs, on both write paths', async () => {
    const deployed = await deployFlow(t.engine, taggedOn('Retried', 'retried-batch'));
    const calls = ['r1', 'r2', 'r3', 'r4'].map((user) => track(user, 'Retried'));
    const first = await ingestTracking(t.engine.ctx, sourceId, calls);
    // as a batch that changes no profile (one statement) and with an identify call (the transaction)
    const identify = message('identify', { userId: 'r5', traits: { plan: 'pro' } });
    for (const extra of [track('r1', 'Retried'), identify]) {
      const again = await ingestTracking(t.engine.ctx, sourceId, [...calls, extra]);
      expect(again.slice(0, calls.length)).toEqual(first.map((answer) => ({ ...answer, duplicate: true })));
      expect(again[calls.length]).toMatchObject({ duplicate: false });
    }
    expect(
      first.every((answer) => answer.runs.length === 1 && answer.runs[0]?.flowId === deployed.flowId),
    ).toBe(true);
    expect(await runsOf(deployed.flowId)).toHaveLength(calls.length + 1);
  });

  test('concurrent requests share commits; each caller gets the answers for its own calls, in order', async () => {
    const otherSource = randomUUID();
    const batches = Array.from({ length: 12 }, (_, b) =>
      Array.from({ length: 1 + (b % 4) }, (_, m) => track(`c${b}-${m}`, 'Concurrent')),
    );
    const shared = track('c-shared', 'Concurrent');
    const answers = await Promise.all([
      ...batches.map((messages, b) => ingestTracking(t.engine.ctx, b % 2 ? sourceId : otherSource, messages)),
      ingestTracking(t.engine.ctx, sourceId, [shared]),
      ingestTracking(t.engine.ctx, sourceId, [shared]),
    ]);
    batches.forEach((messages, b) => {
      expect(answers[b]?.map((r) => r.messageId)).toEqual(messages.map((m) => m.messageId));
      expect(answers[b]?.every((r) => !r.duplicate && r.eventId)).toBe(true);
    });
    // the same messageId from two requests at once: stored once, both answered with that event
    const [one, two] = [answers[12]?.[0], answers[13]?.[0]];
    expect(one?.eventId).toBe(two?.eventId);
    expect([one?.duplicate, two?.duplicate].sort()).toEqual([false, true]);
    const stored = await t.engine.ctx.db
      .select()
      .from(schema.events)
      .where(eq(schema.events.name, 'Concurrent'));
    expect(stored).toHaveLength(batches.flat().length + 1);
  });

  test('a run of pure steps is finished when the batch is accepted (fusion), as on the webhook path', async () => {
    const deployed = await deployFlow(t.engine, {
      name: 'Pure tracking',
      slug: 'pure-tracking',
      nodes: [
        { id: 'start', type: 'trigger.tracking', name: 'Start', config: { type: 'track', events: ['Pure'] } },
        {
          id: 'set',
          type: 'logic.set',
          name: 'Tag',
          config: { fields: { plan: '{{ $json.properties.plan }}' } },
        },
      ],
      edges: [{ id: 'e1', source: 'start', target: 'set' }],
    });
    const [result] = await ingestTracking(t.engine.ctx, sourceId, [track('u4', 'Pure', { plan: 'pro' })]);
    // no worker was needed: the run is stored finished by the ingest transaction itself
    const run = await getRun(t.engine.ctx.db, result?.runs[0]?.id ?? '');
    expect(run.status).toBe('succeeded');
    // written finished at the moment it was created: a worker would have finished it later
    expect(run.finishedAt).toEqual(run.createdAt);
    expect(run.steps.find((s) => s.nodeId === 'set')?.output).toMatchObject({ main: [{ plan: 'pro' }] });
    expect(deployed.flowId).toBe(run.flowId);
  });
});

describe('wait-for-event', () => {
  test('cart abandonment: buyers take received, the others time out, each exactly once', async () => {
    const deployed = await deployFlow(t.engine, cartFlow(800));
    const buyers = ['b1', 'b2', 'b3'].map((id) => `${id}-${n}`);
    const quitters = ['q1', 'q2'].map((id) => `${id}-${n}`);
    await ingestTracking(
      t.engine.ctx,
      sourceId,
      [...buyers, ...quitters].map((u) => track(u, 'Checkout Started')),
    );
    await waitFor(async () => {
      const [row] = await t.engine.ctx.db
        .select({ n: sql<number>`count(*)`.mapWith(Number) })
        .from(schema.waits)
        .where(eq(schema.waits.flowId, deployed.flowId));
      return (row?.n ?? 0) === 5;
    });
    // a completion from someone not waiting changes nothing
    await ingestTracking(t.engine.ctx, sourceId, [
      ...buyers.map((u) => track(u, 'Order Completed')),
      track('stranger', 'Order Completed'),
    ]);
    const runs = await finishedRunsOf(deployed.flowId, 5);
    for (const run of runs) {
      const statuses = await stepStatuses(run.id);
      const [trigger] = (await getRun(t.engine.ctx.db, run.id)).steps;
      const output = trigger?.output as { main: Array<{ userId: string }> } | undefined;
      const user = output?.main[0]?.userId;
      const expected = buyers.includes(user ?? '') ? ['succeeded', 'skipped'] : ['skipped', 'succeeded'];
      expect([statuses.bought, statuses.remind]).toEqual(expected);
    }
  });

  test('two events in one batch that both match a wait: the earlier one settles it, once', async () => {
    const deployed = await deployFlow(t.engine, cartFlow(30_000, 0));
    const user = `twice-${n}`;
    await ingestTracking(t.engine.ctx, sourceId, [track(user, 'Checkout Started')]);
    await waitFor(async () => {
      const rows = await t.engine.ctx.db
        .select()
        .from(schema.waits)
        .where(eq(schema.waits.flowId, deployed.flowId));
      return rows.length === 1;
    });
    const [first, second] = await ingestTracking(t.engine.ctx, sourceId, [
      track(user, 'Order Completed', { n: 1 }),
      track(user, 'Order Completed', { n: 2 }),
    ]);
    const [wait] = await t.engine.ctx.db
      .select()
      .from(schema.waits)
      .where(eq(schema.waits.flowId, deployed.flowId));
    expect(wait).toMatchObject({ status: 'received', matchedEventId: first?.eventId });
    expect(second?.eventId).not.toBe(first?.eventId);
    const [run] = await finishedRunsOf(deployed.flowId, 1);
    const statuses = await stepStatuses(run?.id ?? '');
    expect([statuses.bought, statuses.remind]).toEqual(['succeeded', 'skipped']);
  });

  test('an order completed while earlier steps still run is found in the log (lookback), not missed', async () => {
    const deployed = await deployFlow(
      t.engine,
      cartFlow(3_000, 5_000, [{ id: 'pause', type: 'logic.delay', name: 'Pause', config: { ms: 300 } }]),
    );
    const user = `early-${n}`;
    await ingestTracking(t.engine.ctx, sourceId, [track(user, 'Checkout Started')]);
    await new Promise((resolve) => setTimeout(resolve, 20));
    await ingestTracking(t.engine.ctx, sourceId, [track(user, 'Order Completed')]);
    const [run] = await finishedRunsOf(deployed.flowId, 1);
    expect(await stepStatuses(run?.id ?? '')).toMatchObject({ bought: 'succeeded', remind: 'skipped' });
    expect(Date.now() - (run?.createdAt.getTime() ?? 0)).toBeLessThan(3_000);
  });

  test('one commit settles waits of every kind among many parked, and only those its events match', async () => {
    // three kinds of wait (names and match expression), each behind its own flow and parked for many
    // people: the lookup after each commit reads one wait per kind, not every wait
    n += 1;
    const waitingFlow = (slug: string, wait: Record<string, unknown>) => ({
      name: slug,
      slug,
      nodes: [
        {
          id: 'start',
          type: 'trigger.tracking',
          name: 'Checkout',
          config: { type: 'track', events: ['Basket'] },
        },
        { id: 'wait', type: 'logic.wait-for-event', name: 'Wait', config: { timeoutMs: 60_000, ...wait } },
        { id: 'done', type: 'logic.set', name: 'Done', config: { fields: { done: true } } },
      ],
      edges: [
        { id: 'e1', source: 'start', target: 'wait' },
        { id: 'e2', source: 'wait', sourceHandle: 'received', target: 'done' },
      ],
    });
    const byPerson = await deployFlow(t.engine, waitingFlow(`kinds-person-${n}`, { event: 'Paid' }));
    const byOrder = await deployFlow(
      t.engine,
      waitingFlow(`kinds-order-${n}`, {
        event: ['Shipped', 'Paid'],
        correlation: '{{ $json.properties.orderId }}',
      }),
    );
    const other = await deployFlow(t.engine, waitingFlow(`kinds-other-${n}`, { event: 'Refunded' }));
    const people = Array.from({ length: 30 }, (_, i) => `kinds-${n}-${i}`);
    await ingestTracking(
      t.engine.ctx,
      sourceId,
      people.map((u, i) => track(u, 'Basket', { orderId: `order-${n}-${i}` })),
    );
    const flows = [byPerson.flowId, byOrder.flowId, other.flowId];
    const waitsOf = (flowId: string) =>
      t.engine.ctx.db.select().from(schema.waits).where(eq(schema.waits.flowId, flowId));
    await waitFor(async () => {
      const counts = await Promise.all(flows.map(async (f) => (await waitsOf(f)).length));
      return counts.every((c) => c === people.length);
    });
    // person 3 pays: their person-wait and their order-wait settle; person 7's order ships (by another id)
    await ingestTracking(t.engine.ctx, sourceId, [
      track(people[3] ?? '', 'Paid', { orderId: `order-${n}-3` }),
      track('someone-else', 'Shipped', { orderId: `order-${n}-7` }),
    ]);
    // the statement that settled the waits made their steps due: due once the calls are answered,
    // before their jobs are woken; the steps of the waits left waiting are not
    const dueNow = async (flowId: string) => {
      const waits = await waitsOf(flowId);
      const steps = await t.engine.ctx.db
        .select({ id: schema.steps.id, dueAt: schema.steps.dueAt })
        .from(schema.steps)
        .where(
          inArray(
            schema.steps.id,
            waits.map((w) => w.stepId),
          ),
        );
      const due = new Set(
        steps.filter((s) => (s.dueAt?.getTime() ?? Infinity) <= Date.now()).map((s) => s.id),
      );
      return waits
        .filter((w) => due.has(w.stepId))
        .map((w) => w.correlation)
        .sort();
    };
    expect(await dueNow(byPerson.flowId)).toEqual([`userId:${people[3]}`]);
    expect(await dueNow(byOrder.flowId)).toEqual([`order-${n}-3`, `order-${n}-7`]);
    expect(await dueNow(other.flowId)).toEqual([]);
    const received = async (flowId: string) =>
      (await waitsOf(flowId))
        .filter((w) => w.status === 'received')
        .map((w) => w.correlation)
        .sort();
    expect(await received(byPerson.flowId)).toEqual([`userId:${people[3]}`]);
    expect(await received(byOrder.flowId)).toEqual([`order-${n}-3`, `order-${n}-7`]);
    expect(await received(other.flowId)).toEqual([]);
  });

  test('when the event and the timeout race, exactly one port fires for every run', async () => {
    const deployed = await deployFlow(t.engine, cartFlow(400, 0));
    const users = Array.from({ length: 20 }, (_, i) => `race-${n}-${i}`);
    await ingestTracking(
      t.engine.ctx,
      sourceId,
      users.map((u) => track(u, 'Checkout Started')),
    );
    await waitFor(async () => {
      const [row] = await t.engine.ctx.db
        .select({ n: sql<number>`count(*)`.mapWith(Number) })
        .from(schema.waits)
        .where(eq(schema.waits.flowId, deployed.flowId));
      return (row?.n ?? 0) === 20;
    });
    // completions land around the timeout, spread over ±150 ms
    await new Promise((resolve) => setTimeout(resolve, 250));
    for (const u of users) {
      await ingestTracking(t.engine.ctx, sourceId, [track(u, 'Order Completed')]);
      await new Promise((resolve) => setTimeout(resolve, 15));
    }
    const runs = await finishedRunsOf(deployed.flowId, 20);
    for (const run of runs) {
      const statuses = await stepStatuses(run.id);
      expect([statuses.bought, statuses.remind].sort()).toEqual(['skipped', 'succeeded']);
      const [wait] = await t.engine.ctx.db.select().from(schema.waits).where(eq(schema.waits.runId, run.id));
      expect(wait?.status).toBe(statuses.bought === 'succeeded' ? 'received' : 'timeout');
    }
  });
});

describe('wait-for-event after Redis lost its jobs', () => {
  test('a parked wait still resolves: an event wakes it, and the sweeper brings back its timeout', async () => {
    const deployed = await deployFlow(t.engine, cartFlow(1_200));
    const buyer = `lost-buyer-${n}`;
    const quitter = `lost-quitter-${n}`;
    await ingestTracking(t.engine.ctx, sourceId, [
      track(buyer, 'Checkout Started'),
      track(quitter, 'Checkout Started'),
    ]);
    const waits = await waitFor(async () => {
      const rows = await t.engine.ctx.db
        .select()
        .from(schema.waits)
        .where(eq(schema.waits.flowId, deployed.flowId));
      return rows.length === 2 ? rows : undefined;
    });
    // the delayed jobs of both parked steps vanish, as after a Redis restart without persistence
    for (const wait of waits) {
      // the wait row commits before the worker moves the job to delayed: remove it once it got there
      const job = await waitFor(async () => {
        const found = await t.engine.ctx.queue.queue.getJob(wait.stepId);
        return (await found?.getState()) === 'delayed' ? found : undefined;
      });
      await job.remove();
      expect(await t.engine.ctx.queue.queue.getJob(wait.stepId)).toBeUndefined();
    }
    await ingestTracking(t.engine.ctx, sourceId, [track(buyer, 'Order Completed')]);
    const runs = await finishedRunsOf(deployed.flowId, 2);
    for (const run of runs) {
      const statuses = await stepStatuses(run.id);
      const wait = waits.find((w) => w.runId === run.id);
      const expected =
        wait?.correlation === `userId:${buyer}`
          ? { bought: 'succeeded', remind: 'skipped' }
          : { bought: 'skipped', remind: 'succeeded' };
      expect(statuses).toMatchObject(expected);
    }
  });
});

describe('wait-for-event whose wake-up was lost', () => {
  test('a wait settled by an event, its job never promoted (a crash in between), runs when the sweeper sees it due — not at its timeout', async () => {
    const deployed = await deployFlow(t.engine, cartFlow(24 * 3_600_000));
    const buyer = `unwoken-${n}`;
    await ingestTracking(t.engine.ctx, sourceId, [track(buyer, 'Checkout Started')]);
    const wait = await waitFor(async () => {
      const [row] = await t.engine.ctx.db
        .select()
        .from(schema.waits)
        .where(eq(schema.waits.flowId, deployed.flowId));
      const job = row && (await t.engine.ctx.queue.queue.getJob(row.stepId));
      return row && (await job?.getState()) === 'delayed' ? row : undefined;
    });
    // a real order event that settles nothing (somebody else's)
    await ingestTracking(t.engine.ctx, sourceId, [track(`someone-${n}`, 'Order Completed')]);
    const [order] = await t.engine.ctx.db
      .select({ id: schema.events.id })
      .from(schema.events)
      .where(and(eq(schema.events.name, 'Order Completed'), eq(schema.events.userId, `someone-${n}`)));
    // what the commit that resumes a wait writes (settleWaitsFor's statement): the wait received, its step
    // due now — and then no promotion of the step's delayed job, as when the process dies right after it
    await t.engine.ctx.db
      .update(schema.waits)
      .set({ status: 'received', matchedEventId: order?.id ?? null, resolvedAt: new Date() })
      .where(eq(schema.waits.id, wait.id));
    await t.engine.ctx.db
      .update(schema.steps)
      .set({ dueAt: new Date() })
      .where(eq(schema.steps.id, wait.stepId));
    // the job still waits for the timeout a day away; the engine's sweeper (every 300 ms) runs it now
    const [run] = await finishedRunsOf(deployed.flowId, 1);
    expect(await stepStatuses(run?.id ?? '')).toMatchObject({ bought: 'succeeded', remind: 'skipped' });
    const late = (await t.engine.ctx.metrics.sweeperReenqueued.get()).values.find(
      (v) => v.labels.reason === 'late',
    );
    expect(late?.value).toBeGreaterThanOrEqual(1);
  });
});

describe('wait-for-event defaults', () => {
  test("a wait whose timeout is an expression still correlates on the run's userId by default", async () => {
    const flow = cartFlow(1_000);
    const wait = flow.nodes.find((node) => (node as { id: string }).id === 'wait') as {
      config: Record<string, unknown>;
    };
    wait.config.timeoutMs = '{{ 500 * 4 }}';
    const deployed = await deployFlow(t.engine, flow);
    const user = `expr-${n}`;
    await ingestTracking(t.engine.ctx, sourceId, [track(user, 'Checkout Started')]);
    await waitFor(
      async () =>
        (await t.engine.ctx.db.select().from(schema.waits).where(eq(schema.waits.flowId, deployed.flowId)))
          .length === 1,
    );
    await ingestTracking(t.engine.ctx, sourceId, [track(user, 'Order Completed')]);
    const [run] = await finishedRunsOf(deployed.flowId, 1);
    expect(await stepStatuses(run?.id ?? '')).toMatchObject({ bought: 'succeeded', remind: 'skipped' });
    const [row] = await t.engine.ctx.db
      .select()
      .from(schema.waits)
      .where(eq(schema.waits.flowId, deployed.flowId));
    expect(row?.correlation).toBe(`userId:${user}`);
  });

  test('an anonymous visitor who signs in before ordering is the same person: the wait takes received', async () => {
    const deployed = await deployFlow(t.engine, cartFlow(20_000));
    const anonymousId = `anon-${n}`;
    const userId = `signed-in-${n}`;
    await ingestTracking(t.engine.ctx, sourceId, [
      message('track', { anonymousId, event: 'Checkout Started', properties: {} }),
    ]);
    await waitFor(
      async () =>
        (await t.engine.ctx.db.select().from(schema.waits).where(eq(schema.waits.flowId, deployed.flowId)))
          .length === 1,
    );
    // someone else's order ends nothing; then the visitor signs in and orders under the userId alone
    await ingestTracking(t.engine.ctx, sourceId, [track(`other-${n}`, 'Order Completed')]);
    await ingestTracking(t.engine.ctx, sourceId, [message('identify', { userId, anonymousId, traits: {} })]);
    await ingestTracking(t.engine.ctx, sourceId, [track(userId, 'Order Completed')]);
    const [run] = await finishedRunsOf(deployed.flowId, 1);
    expect(await stepStatuses(run?.id ?? '')).toMatchObject({ bought: 'succeeded', remind: 'skipped' });
    const [wait] = await t.engine.ctx.db
      .select()
      .from(schema.waits)
      .where(eq(schema.waits.flowId, deployed.flowId));
    expect(wait).toMatchObject({ correlation: `anonymousId:${anonymousId}`, status: 'received' });
  });

  test("an order the person's linked anonymousId placed just before the wait is found by the lookback", async () => {
    const deployed = await deployFlow(t.engine, cartFlow(20_000, 60_000));
    const anonymousId = `early-anon-${n}`;
    const userId = `early-user-${n}`;
    await ingestTracking(t.engine.ctx, sourceId, [message('identify', { userId, anonymousId, traits: {} })]);
    await ingestTracking(t.engine.ctx, sourceId, [
      message('track', { anonymousId, event: 'Order Completed', properties: {} }),
    ]);
    await ingestTracking(t.engine.ctx, sourceId, [track(userId, 'Checkout Started')]);
    const [run] = await finishedRunsOf(deployed.flowId, 1);
    expect(await stepStatuses(run?.id ?? '')).toMatchObject({ bought: 'succeeded', remind: 'skipped' });
  });

  test('a run with no person goes down timeout at once: no wait, no dead letter', async () => {
    const flow = cartFlow(60_000);
    const deployed = await deployFlow(t.engine, {
      ...flow,
      nodes: flow.nodes.map((node) =>
        (node as { id: string }).id === 'start'
          ? { id: 'start', type: 'trigger.manual', name: 'Checkout', config: {} }
          : node,
      ),
    });
    const started = await fireEvent(t.engine, deployed, { cart: 3 });
    const [run] = await finishedRunsOf(deployed.flowId, 1);
    expect(run?.id).toBe(started.runs[0]?.id);
    expect(run?.status).toBe('succeeded');
    expect(await stepStatuses(run?.id ?? '')).toMatchObject({
      wait: 'succeeded',
      bought: 'skipped',
      remind: 'succeeded',
    });
    expect(
      await t.engine.ctx.db
        .select()
        .from(schema.deadLetters)
        .where(eq(schema.deadLetters.flowId, deployed.flowId)),
    ).toEqual([]);
    expect(
      await t.engine.ctx.db.select().from(schema.waits).where(eq(schema.waits.flowId, deployed.flowId)),
    ).toEqual([]);
  });
});

describe('exit goals', () => {
  test("a goal event ends the user's waiting run of the flow, and only that user's", async () => {
    const deployed = await deployFlow(t.engine, {
      name: 'Welcome',
      slug: 'welcome-exit',
      settings: { exitOn: { event: 'Activated' } },
      nodes: [
        { id: 'start', type: 'trigger.tracking', name: 'Signed up', config: { type: 'identify' } },
        { id: 'later', type: 'logic.delay', name: 'Two days', config: { ms: 60_000 } },
        { id: 'again', type: 'logic.set', name: 'Second mail', config: { fields: { sent: true } } },
      ],
      edges: [
        { id: 'e1', source: 'start', target: 'later' },
        { id: 'e2', source: 'later', target: 'again' },
      ],
    });
    await ingestTracking(t.engine.ctx, sourceId, [
      message('identify', { userId: 'goal-a', traits: { email: 'a@example.com' } }),
      message('identify', { userId: 'goal-b', traits: { email: 'b@example.com' } }),
    ]);
    await waitFor(
      async () => (await runsOf(deployed.flowId)).filter((r) => r.status === 'waiting').length === 2,
    );
    await ingestTracking(t.engine.ctx, sourceId, [track('goal-a', 'Activated')]);
    const runs = await waitFor(async () => {
      const all = await runsOf(deployed.flowId);
      return all.some((r) => r.status === 'canceled') ? all : undefined;
    });
    const byUser = new Map(runs.map((r) => [r.exitKey, r]));
    expect(byUser.get('goal-a')?.status).toBe('canceled');
    expect(byUser.get('goal-a')?.error).toMatchObject({
      message: expect.stringContaining('exit goal "Activated"'),
    });
    expect(byUser.get('goal-b')?.status).toBe('waiting');
  });
});

describe('profiles in expressions', () => {
  test("$profile gives the traits identify merged for the run's user", async () => {
    const deployed = await deployFlow(t.engine, {
      name: 'Profiled',
      slug: 'profiled',
      nodes: [
        { id: 'start', type: 'trigger.tracking', name: 'Any', config: { type: 'track', events: ['Viewed'] } },
        {
          id: 'set',
          type: 'logic.set',
          name: 'Who',
          config: { fields: { email: '{{ $profile.traits.email }}' }, keepOnlySet: true },
        },
      ],
      edges: [{ id: 'e1', source: 'start', target: 'set' }],
    });
    await ingestTracking(t.engine.ctx, sourceId, [
      message('identify', { userId: 'p-1', traits: { email: 'p1@example.com' } }),
    ]);
    await ingestTracking(t.engine.ctx, sourceId, [track('p-1', 'Viewed')]);
    const [run] = await finishedRunsOf(deployed.flowId, 1);
    const full = await getRun(t.engine.ctx.db, run?.id ?? '');
    expect(full.steps.find((s) => s.nodeId === 'set')?.output).toEqual({
      main: [{ email: 'p1@example.com' }],
    });
  });
});

describe('wait bookkeeping', () => {
  test('waits of canceled runs are canceled too', async () => {
    const deployed = await deployFlow(t.engine, cartFlow(60_000));
    await ingestTracking(t.engine.ctx, sourceId, [track(`cancel-${n}`, 'Checkout Started')]);
    const [wait] = await waitFor(async () => {
      const rows = await t.engine.ctx.db
        .select()
        .from(schema.waits)
        .where(eq(schema.waits.flowId, deployed.flowId));
      return rows.length === 1 ? rows : undefined;
    });
    const { cancelRun } = await import('../runs/index.js');
    await cancelRun(t.engine.ctx, wait?.runId ?? '', 'test');
    const [after] = await t.engine.ctx.db
      .select()
      .from(schema.waits)
      .where(and(eq(schema.waits.flowId, deployed.flowId)));
    expect(after?.status).toBe('canceled');
  });
});

describe('profiles in a batch', () => {
  test('a device that changes hands and back within one batch ends where one call at a time leaves it', async () => {
    const [x, y, device] = [`x-${randomUUID()}`, `y-${randomUUID()}`, `d-${randomUUID()}`];
    const visit = (userId: string) => message('track', { userId, anonymousId: device, event: 'Visit' });
    await ingestTracking(t.engine.ctx, sourceId, [visit(x)]);
    // x and the device are linked before this batch; y uses the device, then x again
    await ingestTracking(t.engine.ctx, sourceId, [visit(x), visit(y), visit(x)]);
    const ofX = await getProfile(t.engine.ctx.db, x);
    expect(ofX.identities.map((i) => i.value).sort()).toEqual([device, x].sort());
    expect((await getProfile(t.engine.ctx.db, y)).identities.map((i) => i.value)).toEqual([y]);
  });
});

describe('calls that change no profile', () => {
  /**
   * How many ingest commits went as one statement, and how many as a transaction, so far; and how many
   * conditional statements wrote nothing (refused).
   */
  async function commitsByKind() {
    const { values } = await t.engine.ctx.metrics.ingestPhase.get();
    const count = (phase: string) =>
      values.find((v) => v.metricName?.endsWith('_count') && v.labels.phase === phase)?.value ?? 0;
    return { statement: count('statement'), transaction: count('commit'), refused: count('refused') };
  }

  test.skipIf(process.env.TEST_DB === 'pglite')(
    // PGlite has no ingest pool to take a connection of (no statement_timeout): every batch is a transaction
    "a known person's calls go as one statement; a new device of theirs, or an identify, takes the transaction and links",
    async () => {
      const [user, phone, laptop] = [`u-${randomUUID()}`, `p-${randomUUID()}`, `l-${randomUUID()}`];
      const visit = (anonymousId: string) => message('track', { userId: user, anonymousId, event: 'Visit' });
      // every Visit starts a run, so the one statement writes runs and steps beside the events
      const visits = await deployFlow(t.engine, {
        name: 'Visits',
        slug: `visits-${randomUUID()}`,
        nodes: [
          {
            id: 'start',
            type: 'trigger.tracking',
            name: 'Visit',
            config: { type: 'track', events: ['Visit'] },
          },
          { id: 'mark', type: 'logic.set', name: 'Mark', config: { fields: { seen: true } } },
        ],
        edges: [{ id: 'e1', source: 'start', target: 'mark' }],
      });
      /** The events stored for this call, and the runs they started. */
      const storedOf = async (messageId: string) => {
        const events = await t.engine.ctx.db
          .select({ id: schema.events.id })
          .from(schema.events)
          .where(eq(schema.events.idempotencyKey, messageId));
        const runs = (await runsOf(visits.flowId)).filter((r) => events.some((e) => e.id === r.eventId));
        return { events: events.length, runs: runs.length };
      };
      // first seen: the pair gets its profile in the transaction
      await ingestTracking(t.engine.ctx, sourceId, [visit(phone)]);
      let before = await commitsByKind();
      const known = [visit(phone), track(user, 'Visit')];
      const [answer] = await ingestTracking(t.engine.ctx, sourceId, known);
      let after = await commitsByKind();
      expect(after.statement - before.statement).toBe(1);
      expect(after.transaction - before.transaction).toBe(0);
      expect(after.refused - before.refused).toBe(0);
      expect(answer).toMatchObject({ duplicate: false, eventId: expect.any(String) });
      expect(answer?.runs).toHaveLength(1);
      for (const m of known) expect(await storedOf(m.messageId)).toEqual({ events: 1, runs: 1 });
      // the same call again, through the same path: a duplicate answered with the first event
      const repeated = message('track', { userId: user, anonymousId: phone, event: 'Visit' });
      const [first] = await ingestTracking(t.engine.ctx, sourceId, [repeated]);
      const [again] = await ingestTracking(t.engine.ctx, sourceId, [repeated]);
      expect(again).toMatchObject({ duplicate: true, eventId: first?.eventId });
      // a device not linked yet: the statement's condition does not hold and it writes nothing; the batch
      // takes the transaction, which stores the call once, starts its run once and links the device
      before = await commitsByKind();
      const onLaptop = visit(laptop);
      const [fromLaptop] = await ingestTracking(t.engine.ctx, sourceId, [onLaptop]);
      after = await commitsByKind();
      expect(after.transaction - before.transaction).toBe(1);
      // timed as refused, not as a commit of one statement
      expect(after.refused - before.refused).toBe(1);
      expect(after.statement - before.statement).toBe(0);
      expect(fromLaptop).toMatchObject({ duplicate: false, runs: [{ flowId: visits.flowId }] });
      expect(await storedOf(onLaptop.messageId)).toEqual({ events: 1, runs: 1 });
      expect((await getProfile(t.engine.ctx.db, user)).identities.map((i) => i.value).sort()).toEqual(
        [laptop, phone, user].sort(),
      );
      // an identify changes the profile: a transaction, whatever is linked
      before = await commitsByKind();
      await ingestTracking(t.engine.ctx, sourceId, [
        message('identify', { userId: user, anonymousId: phone, traits: { plan: 'pro' } }),
      ]);
      after = await commitsByKind();
      expect(after.transaction - before.transaction).toBe(1);
      expect((await getProfile(t.engine.ctx.db, user)).traits).toMatchObject({ plan: 'pro' });
    },
  );
});

describe('write keys', () => {
  test('a looked-up key is kept briefly: a change made elsewhere shows within WRITE_KEY_CACHE_MS, one made here at once', async () => {
    const db = t.engine.ctx.db;
    const source = await createSource(db, 'cached', 'test');
    // known without Postgres (no promise) only once looked up, and only while fresh
    expect(lookUpWriteKey(db, source.writeKey)).toBeInstanceOf(Promise);
    expect(await resolveWriteKey(db, source.writeKey)).toMatchObject({ ok: true });
    expect(lookUpWriteKey(db, source.writeKey)).toMatchObject({ ok: true, source: { id: source.id } });
    expect(lookUpWriteKey(db, '')).toEqual({ ok: false, reason: 'unknown' });
    // another process disables it: this one may accept the key for a little while, then refuses it
    await db.update(schema.sources).set({ status: 'disabled' }).where(eq(schema.sources.id, source.id));
    await new Promise((resolve) => setTimeout(resolve, WRITE_KEY_CACHE_MS + 100));
    const expired = lookUpWriteKey(db, source.writeKey);
    expect(expired).toBeInstanceOf(Promise);
    expect(await expired).toMatchObject({ ok: false, reason: 'disabled' });
    // through this process: at once
    await setSourceStatus(db, source.id, 'active', 'test');
    expect(lookUpWriteKey(db, source.writeKey)).toBeInstanceOf(Promise);
    expect(await resolveWriteKey(db, source.writeKey)).toMatchObject({ ok: true });
    const rotated = await rotateWriteKey(db, source.id, 'test');
    expect(await resolveWriteKey(db, source.writeKey)).toEqual({ ok: false, reason: 'unknown' });
    expect(await resolveWriteKey(db, rotated.writeKey)).toMatchObject({ ok: true });
  });

  test('calls that need a key at the same time share one lookup', async () => {
    const db = t.engine.ctx.db;
    const source = await createSource(db, 'herd', 'test');
    const calls = Array.from({ length: 50 }, () => lookUpWriteKey(db, source.writeKey));
    expect(new Set(calls).size).toBe(1);
    expect(calls[0]).toBeInstanceOf(Promise);
    expect(await calls[0]).toMatchObject({ ok: true, source: { id: source.id } });
    // a change made here while a lookup is under way: that lookup may have read the row before the change, so
    // its answer is not kept and the next call reads the key again
    const rotated = await rotateWriteKey(db, source.id, 'test');
    const under = lookUpWriteKey(db, rotated.writeKey);
    expect(under).toBeInstanceOf(Promise);
    await setSourceStatus(db, source.id, 'disabled', 'test');
    await under;
    const next = lookUpWriteKey(db, rotated.writeKey);
    expect(next).toBeInstanceOf(Promise);
    expect(await next).toMatchObject({ ok: false, reason: 'disabled' });
  });

  test('a key in use is looked up again before it expires, so a change made elsewhere shows sooner', async () => {
    const db = t.engine.ctx.db;
    const source = await createSource(db, 'refreshed', 'test');
    const looked = performance.now();
    expect(await resolveWriteKey(db, source.writeKey)).toMatchObject({ ok: true });
    await db.update(schema.sources).set({ status: 'disabled' }).where(eq(schema.sources.id, source.id));
    // past half its time the entry still answers, and the call starts a lookup behind it
    await new Promise((resolve) => setTimeout(resolve, WRITE_KEY_CACHE_MS / 2 + 100));
    expect(lookUpWriteKey(db, source.writeKey)).toMatchObject({ ok: true });
    // that lookup's answer replaces the entry before the entry would have expired
    let seen: unknown;
    while (performance.now() - looked < WRITE_KEY_CACHE_MS - 50) {
      seen = lookUpWriteKey(db, source.writeKey);
      if (!(seen instanceof Promise) && !(seen as { ok: boolean }).ok) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(seen).toMatchObject({ ok: false, reason: 'disabled' });
  });
});

describe('runs by person', () => {
  test("a person's runs are found by userId or anonymousId, and each says where it ended", async () => {
    const deployed = await deployFlow(t.engine, cartFlow(800));
    const buyer = `person-buyer-${n}`;
    const visitor = `person-visitor-${n}`;
    await ingestTracking(t.engine.ctx, sourceId, [
      track(buyer, 'Checkout Started'),
      message('track', { anonymousId: visitor, event: 'Checkout Started', properties: {} }),
    ]);
    await waitFor(
      async () =>
        (await t.engine.ctx.db.select().from(schema.waits).where(eq(schema.waits.flowId, deployed.flowId)))
          .length === 2,
    );
    await ingestTracking(t.engine.ctx, sourceId, [track(buyer, 'Order Completed')]);
    await finishedRunsOf(deployed.flowId, 2);

    const bought = await listRuns(t.engine.ctx.db, { flowId: deployed.flowId, person: buyer, limit: 10 });
    expect(bought.items).toHaveLength(1);
    expect(bought.items[0]).toMatchObject({
      person: buyer,
      endedAt: { nodeId: 'bought', name: 'Bought', port: null },
    });
    const reminded = await listRuns(t.engine.ctx.db, { flowId: deployed.flowId, person: visitor, limit: 10 });
    expect(reminded.items.map((r) => r.endedAt)).toEqual([{ nodeId: 'remind', name: 'Remind', port: null }]);
    const run = await getRun(t.engine.ctx.db, reminded.items[0]?.id ?? '');
    expect(run).toMatchObject({ person: visitor, endedAt: { name: 'Remind' } });
    expect((await listRuns(t.engine.ctx.db, { person: `nobody-${n}`, limit: 10 })).items).toEqual([]);
  });

  test('a run that ends at a wait says which port it took', async () => {
    const flow = cartFlow(500);
    const deployed = await deployFlow(t.engine, {
      ...flow,
      // nothing after the wait: the run ends there
      nodes: flow.nodes.filter((node) => !['bought', 'remind'].includes((node as { id: string }).id)),
      edges: flow.edges.filter((edge) => edge.source !== 'wait'),
    });
    const who = `person-waiter-${n}`;
    await ingestTracking(t.engine.ctx, sourceId, [track(who, 'Checkout Started')]);
    await finishedRunsOf(deployed.flowId, 1);
    const { items } = await listRuns(t.engine.ctx.db, { flowId: deployed.flowId, person: who, limit: 10 });
    expect(items.map((r) => r.endedAt)).toEqual([{ nodeId: 'wait', name: 'Wait order', port: 'timeout' }]);
  });
});
