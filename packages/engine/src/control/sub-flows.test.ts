// Sub-flows on real Postgres and Redis: a step calls another flow and goes on with its last output, or at
// once; a failing, canceled or slow child fails the step with what happened, also one that ends while its
// parent parks; one child per step however often the call is made; parent and child link both ways; publish
// refuses calls that cannot be made or go round in a circle, and the depth limit stops what publish cannot
// see; a parent waiting for its child survives the kill of its worker process.
import { schema, selectRows } from '@tributary/db';
import { ValidationError } from '@tributary/flow';
import { eq, sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, inject, test } from 'vitest';
import { createFlow, publishFlow, updateDraft } from '../flows/index.js';
import { getRun } from '../history/index.js';
import { cancelRun } from '../runs/index.js';
import { wakeParentStep } from '../runs/parent-step.js';
import {
  deployFlow,
  finishedRun,
  fireEvent,
  runIdOf,
  startTestEngine,
  startWorkerProcess,
  type TestEngine,
  waitFor,
} from '../testing/index.js';
import { SubFlowWaitSignal } from '../waits/index.js';

const onPglite = process.env.TEST_DB === 'pglite';
let t: TestEngine;
const cleanups: Array<() => Promise<void>> = [];

beforeAll(async () => {
  t = await startTestEngine(inject('templateDatabase'), { settings: { subFlowMaxDepth: 2 } });
});

afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

afterAll(async () => {
  await t?.close();
});

type Node = { id: string; type: string; name: string; config: Record<string, unknown> };

/** A flow called by others: its trigger, then `nodes` in a line. */
function callee(slug: string, nodes: Node[]) {
  return chain(slug, { id: 'called', type: 'trigger.sub-flow', name: 'Called', config: {} }, nodes);
}

/** A flow started by hand, then `nodes` in a line. */
function caller(slug: string, nodes: Node[]) {
  return chain(slug, { id: 'start', type: 'trigger.manual', name: 'Start', config: {} }, nodes);
}

function chain(slug: string, trigger: Node, nodes: Node[]) {
  const all = [trigger, ...nodes];
  return {
    name: `Flow ${slug}`,
    slug,
    nodes: all,
    edges: nodes.map((n, i) => ({ id: `e${i}`, source: all[i]?.id ?? '', target: n.id })),
  };
}

const call = (flow: string, extra: Record<string, unknown> = {}): Node => ({
  id: 'call',
  type: 'logic.sub-flow',
  name: 'Call',
  config: { flow, ...extra },
});

const set = (id: string, fields: Record<string, unknown>): Node => ({
  id,
  type: 'logic.set',
  name: `Set ${id}`,
  config: { fields },
});

async function outputOf(runId: string, nodeId: string) {
  const run = await getRun(t.engine.ctx.db, runId);
  return run.steps.find((s) => s.nodeId === nodeId);
}

async function start(deployed: { flowId: string; version: number }, item: unknown) {
  return runIdOf(await fireEvent(t.engine, deployed, item));
}

describe('sub-flows', () => {
  test('a step waits for the child run and goes on with its last output; parent and child link both ways', async () => {
    await deployFlow(t.engine, callee('price-order', [set('price', { total: '{{ $json.qty * 10 }}' })]));
    const parent = await deployFlow(
      t.engine,
      caller('checkout', [call('price-order'), set('after', { charged: '{{ $json.total }}' })]),
    );
    const runId = await start(parent, { qty: 3 });
    const run = await finishedRun(t.engine, runId);
    expect(run.status).toBe('succeeded');
    expect((await outputOf(runId, 'call'))?.output).toEqual({ main: [{ qty: 3, total: 30 }] });
    expect((await outputOf(runId, 'after'))?.output).toEqual({ main: [{ qty: 3, total: 30, charged: 30 }] });
    const step = await outputOf(runId, 'call');
    expect(run.children).toEqual([expect.objectContaining({ parentStepId: step?.id, status: 'succeeded' })]);
    const child = await getRun(t.engine.ctx.db, run.children[0]?.id ?? '');
    expect(child).toMatchObject({ parentRunId: runId, parentStepId: step?.id, status: 'succeeded' });
    // the child's trigger item is the calling step's input
    expect(child.steps[0]?.output).toEqual({ main: [{ qty: 3 }] });
    const [row] = await t.engine.ctx.db
      .select({ depth: schema.runs.depth })
      .from(schema.runs)
      .where(eq(schema.runs.id, child.id));
    expect(row?.depth).toBe(1);
  });

  test('input sets the child item; without wait the step goes on at once with the child run id', async () => {
    await deployFlow(
      t.engine,
      callee('slow-log', [{ id: 'pause', type: 'logic.delay', name: 'Pause', config: { ms: 1500 } }]),
    );
    const parent = await deployFlow(
      t.engine,
      caller('fire-and-forget', [call('slow-log', { wait: false, input: { note: '{{ $json.id }}' } })]),
    );
    const runId = await start(parent, { id: 'n-1' });
    const run = await finishedRun(t.engine, runId);
    expect(run.status).toBe('succeeded');
    const childId = run.children[0]?.id;
    expect((await outputOf(runId, 'call'))?.output).toEqual({
      main: [{ id: 'n-1', subFlow: { runId: childId, flowId: expect.any(String) } }],
    });
    // the child was still going when the parent ended, and ends on its own
    const child = await finishedRun(t.engine, childId ?? '');
    expect(child.status).toBe('succeeded');
    expect(child.steps[0]?.output).toEqual({ main: [{ note: 'n-1' }] });
  });

  test('a failed child fails the step with its error; a canceled one too', async () => {
    await deployFlow(
      t.engine,
      callee('always-fails', [
        { id: 'stop', type: 'logic.stop-and-error', name: 'Stop', config: { message: 'card declined' } },
      ]),
    );
    const parent = await deployFlow(t.engine, caller('charges', [call('always-fails')]));
    const runId = await start(parent, {});
    expect((await finishedRun(t.engine, runId)).status).toBe('failed');
    const step = await outputOf(runId, 'call');
    expect(step?.error).toMatchObject({
      code: 'sub_flow_failed',
      message: expect.stringContaining('card declined'),
    });

    await deployFlow(
      t.engine,
      callee('waits-long', [{ id: 'pause', type: 'logic.delay', name: 'Pause', config: { ms: 60_000 } }]),
    );
    const waiting = await deployFlow(t.engine, caller('waits-for-long', [call('waits-long')]));
    const second = await start(waiting, {});
    const childId = await waitFor(async () => (await getRun(t.engine.ctx.db, second)).children[0]?.id, {
      what: 'the child run',
    });
    // the parent parks while its child runs
    await waitFor(async () => (await outputOf(second, 'call'))?.status === 'waiting', {
      what: 'the parent to park',
    });
    await cancelRun(t.engine.ctx, childId, 'test', 'not needed');
    const parentRun = await finishedRun(t.engine, second);
    expect(parentRun.status).toBe('failed');
    expect((await outputOf(second, 'call'))?.error).toMatchObject({
      code: 'sub_flow_failed',
      message: expect.stringContaining('canceled'),
    });
  });

  test.skipIf(onPglite)(
    // PGlite runs one transaction at a time, so the child's ending cannot interleave with the park there
    'a child whose ending looks for the parked step too early and commits late still wakes it',
    async () => {
      await deployFlow(
        t.engine,
        callee('ends-late', [{ id: 'pause', type: 'logic.delay', name: 'Pause', config: { ms: 60_000 } }]),
      );
      const parent = await deployFlow(t.engine, caller('parks-early', [call('ends-late')]));
      const original = t.engine.ctx.callSubFlow;
      if (!original) throw new Error('the engine calls no flows');
      let commit = () => {};
      const committed = new Promise<void>((resolve) => {
        commit = resolve;
      });
      let ending: Promise<void> | undefined;
      // the step's call returns "wait"; before it parks, the child ends in a transaction that wakes the
      // parent step (not parked yet: nothing to wake) and commits only when the test says
      t.engine.ctx.callSubFlow = async (caller, request) => {
        try {
          return await original(caller, request);
        } catch (err) {
          if (!(err instanceof SubFlowWaitSignal) || ending) throw err;
          let looked = () => {};
          const lookedEarly = new Promise<void>((resolve) => {
            looked = resolve;
          });
          ending = t.engine.ctx.db.transaction(async (tx) => {
            await tx
              .update(schema.runs)
              .set({
                status: 'failed',
                finishedAt: new Date(),
                error: { code: 'test', message: 'ended late' },
              })
              .where(eq(schema.runs.id, err.childRunId));
            expect(await wakeParentStep(tx, caller.stepId)).toEqual([]);
            looked();
            await committed;
          });
          await lookedEarly;
          throw err;
        }
      };
      cleanups.push(async () => {
        t.engine.ctx.callSubFlow = original;
      });
      const runId = await start(parent, {});
      // the park goes as far as it can: committed, or waiting for the child's row
      await waitFor(
        async () => {
          if ((await outputOf(runId, 'call'))?.status === 'waiting') return true;
          const [blocked] = await selectRows<{ n: number }>(
            t.engine.ctx.db,
            sql`select count(*)::int as n from pg_stat_activity
                where datname = current_database() and wait_event_type = 'Lock'`,
          );
          return (blocked?.n ?? 0) > 0;
        },
        { what: 'the parent step to park or to wait for its child' },
      );
      commit();
      await ending;
      const run = await finishedRun(t.engine, runId);
      expect(run.status).toBe('failed');
      expect((await outputOf(runId, 'call'))?.error).toMatchObject({
        code: 'sub_flow_failed',
        message: expect.stringContaining('ended late'),
      });
    },
  );

  test('a child slower than timeoutMs fails the step (sub_flow_timeout) and still finishes', async () => {
    await deployFlow(
      t.engine,
      callee('takes-3s', [{ id: 'pause', type: 'logic.delay', name: 'Pause', config: { ms: 3000 } }]),
    );
    const parent = await deployFlow(t.engine, caller('impatient', [call('takes-3s', { timeoutMs: 1000 })]));
    const runId = await start(parent, {});
    const run = await finishedRun(t.engine, runId);
    expect(run.status).toBe('failed');
    expect((await outputOf(runId, 'call'))?.error).toMatchObject({ code: 'sub_flow_timeout' });
    expect((await finishedRun(t.engine, run.children[0]?.id ?? '')).status).toBe('succeeded');
  });

  test('the same step calling again finds its child: one child run per step', async () => {
    await deployFlow(t.engine, callee('once-only', [set('x', { y: 1 })]));
    const parent = await deployFlow(t.engine, caller('calls-once', [set('noop', { z: 1 })]));
    const runId = await start(parent, {});
    await finishedRun(t.engine, runId);
    const stepId = (await outputOf(runId, 'noop'))?.id ?? '';
    const request = { flow: 'once-only', input: { a: 1 }, wait: false, timeoutMs: 60_000 };
    const callSubFlow = t.engine.ctx.callSubFlow;
    if (!callSubFlow) throw new Error('the engine calls no flows');
    const outcomes = await Promise.all([1, 2, 3].map(() => callSubFlow({ runId, stepId }, request)));
    expect(new Set(outcomes.map((o) => o.runId)).size).toBe(1);
    const children = await t.engine.ctx.db
      .select()
      .from(schema.runs)
      .where(eq(schema.runs.parentStepId, stepId));
    expect(children).toHaveLength(1);
  });

  test('publish refuses a missing flow, a flow that cannot be called, a call to itself and a circle of calls', async () => {
    const refusal = async (definition: unknown) => {
      const flow = await createFlow(t.engine.ctx.db, definition, 'test', { allowInvalid: true });
      const err = await publishFlow(t.engine.ctx.db, flow.id, 'test').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ValidationError);
      return { flow, problems: (err as ValidationError).problems };
    };
    expect((await refusal(caller('calls-nobody', [call('nobody-here')]))).problems).toEqual([
      expect.objectContaining({ path: 'nodes[1].config.flow', nodeId: 'call', code: 'sub_flow_not_found' }),
    ]);
    await deployFlow(t.engine, caller('plain-manual', [set('a', { b: 1 })]));
    expect((await refusal(caller('calls-plain', [call('plain-manual')]))).problems).toEqual([
      expect.objectContaining({ code: 'not_a_sub_flow' }),
    ]);
    expect((await refusal(callee('narcissus', [call('narcissus')]))).problems).toEqual([
      expect.objectContaining({ code: 'sub_flow_cycle', message: 'a flow cannot call itself' }),
    ]);
    // ping calls pong (not yet calling anything), then pong is changed to call ping: a circle
    await deployFlow(t.engine, callee('pong', [set('a', { b: 1 })]));
    await deployFlow(t.engine, callee('ping', [call('pong')]));
    const pong = (await t.engine.ctx.db.select().from(schema.flows).where(eq(schema.flows.slug, 'pong')))[0];
    await updateDraft(t.engine.ctx.db, pong?.id ?? '', callee('pong', [call('ping')]), 'test');
    const err = await publishFlow(t.engine.ctx.db, pong?.id ?? '', 'test').catch((e: unknown) => e);
    expect((err as ValidationError).problems).toEqual([
      expect.objectContaining({
        code: 'sub_flow_cycle',
        message: expect.stringContaining('pong → ping → pong'),
      }),
    ]);
  });

  test('past the depth limit a call fails its step (sub_flow_depth)', async () => {
    // the limit is 2 in this file: top → middle (1) → bottom (2) → leaf would be 3
    await deployFlow(t.engine, callee('leaf', [set('a', { b: 1 })]));
    await deployFlow(t.engine, callee('bottom', [call('leaf')]));
    await deployFlow(t.engine, callee('middle', [call('bottom')]));
    const top = await deployFlow(t.engine, caller('top', [call('middle')]));
    const runId = await start(top, {});
    expect((await finishedRun(t.engine, runId)).status).toBe('failed');
    const bottom = await waitFor(async () => {
      const [row] = await t.engine.ctx.db.select().from(schema.runs).where(eq(schema.runs.depth, 2));
      return row;
    });
    const failed = await finishedRun(t.engine, bottom.id);
    expect(failed.steps.find((s) => s.nodeId === 'call')?.error).toMatchObject({ code: 'sub_flow_depth' });
  });
});

describe('sub-flows and restarts', () => {
  test.skipIf(onPglite)(
    // PGlite is an in-process database: a second process cannot open it, so this runs on Postgres only
    'a parent waiting for its child survives the kill of its worker process',
    { timeout: 60_000 },
    async () => {
      const apiOnly = await startTestEngine(inject('templateDatabase'), { worker: false, sweepMs: 500 });
      cleanups.push(() => apiOnly.close());
      await deployFlow(
        apiOnly.engine,
        callee('nightly-report', [
          { id: 'pause', type: 'logic.delay', name: 'Pause', config: { ms: 2500 } },
          set('report', { lines: 12 }),
        ]),
      );
      const parent = await deployFlow(
        apiOnly.engine,
        caller('report-then-mail', [call('nightly-report'), set('mail', { sent: true })]),
      );
      const doomed = await startWorkerProcess(apiOnly);
      cleanups.push(async () => {
        doomed.kill('SIGKILL');
      });
      const runId = runIdOf(await fireEvent(apiOnly.engine, parent, { day: 'mon' }));
      // killed while both are parked — the parent waiting for its child, the child sleeping — so no step is
      // cut off mid-attempt (a stalled attempt is a fault of its own, tested in recovery/)
      const parked = async (id: string, nodeId: string) =>
        (await getRun(apiOnly.engine.ctx.db, id)).steps.find((s) => s.nodeId === nodeId)?.status ===
        'waiting';
      const childId = await waitFor(
        async () => {
          const run = await getRun(apiOnly.engine.ctx.db, runId);
          const child = run.children[0]?.id;
          return child && (await parked(runId, 'call')) && (await parked(child, 'pause')) ? child : undefined;
        },
        { what: 'the parent and its child to park' },
      );
      doomed.kill('SIGKILL');
      const survivor = await startWorkerProcess(apiOnly);
      cleanups.push(async () => {
        survivor.kill('SIGKILL');
      });
      const run = await finishedRun(apiOnly.engine, runId, 40_000);
      expect(run.status).toBe('succeeded');
      expect(run.steps.find((s) => s.nodeId === 'mail')?.output).toEqual({
        main: [{ day: 'mon', lines: 12, sent: true }],
      });
      expect((await getRun(apiOnly.engine.ctx.db, childId)).status).toBe('succeeded');
    },
  );
});
