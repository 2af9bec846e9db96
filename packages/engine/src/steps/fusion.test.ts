// Step fusion on real Postgres and Redis: pure steps after a step run in its transaction, yet each keeps a
// row of its own; a failing pure step falls back to its own job; limits and "off" give the same history;
// the pure steps right after the trigger run while the event is accepted.
import { schema } from '@tributary/db';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { getRun, listDeadLetters } from '../history/index.js';
import { ingest } from '../ingest/index.js';
import { deployFlow, finishedRun, manualFlow, startTestEngine, type TestEngine } from '../testing/index.js';

let fused: TestEngine;
let limited: TestEngine;
let unfused: TestEngine;
/**
 * No worker, and an ingest budget no loaded machine runs out of (the default 5 ms can pass on a cold first
 * step while other suites hog the cores): whatever ingest does not finish stays queued.
 */
let atIngest: TestEngine;

beforeAll(async () => {
  // the worker-side engines run nothing at ingest, so what their tests count is fusion after a job
  [fused, limited, unfused, atIngest] = await Promise.all([
    startTestEngine(inject('templateDatabase'), { settings: { ingestFuseBudgetMs: 0 } }),
    startTestEngine(inject('templateDatabase'), { settings: { fuseMaxSteps: 2, ingestFuseBudgetMs: 0 } }),
    startTestEngine(inject('templateDatabase'), { settings: { fuseMaxSteps: 0 } }),
    startTestEngine(inject('templateDatabase'), { worker: false, settings: { ingestFuseBudgetMs: 2_000 } }),
  ]);
});

afterAll(async () => {
  await Promise.all([fused?.close(), limited?.close(), unfused?.close(), atIngest?.close()]);
});

const flow = manualFlow;

/** Ingests `item` as an event of `type` for the deployed flow. */
function accept(t: TestEngine, deployed: { flowId: string; version: number }, item: unknown, type = 'test') {
  return ingest(t.engine.ctx, { source: 'test', type, payload: item, targets: [{ ...deployed, item }] });
}

/** The run's stored steps by node id, read straight from the table (no worker needed). */
async function stepsByNode(t: TestEngine, runId: string) {
  const steps = await t.engine.ctx.db
    .select({
      id: schema.steps.id,
      nodeId: schema.steps.nodeId,
      status: schema.steps.status,
      output: schema.steps.output,
    })
    .from(schema.steps)
    .where(eq(schema.steps.runId, runId));
  return Object.fromEntries(steps.map((s) => [s.nodeId, s]));
}

async function runFlow(t: TestEngine, definition: unknown, item: unknown) {
  const deployed = await deployFlow(t.engine, definition);
  const result = await accept(t, deployed, item);
  const id = result.runs[0]?.id;
  if (!id) throw new Error('no run was started');
  return { run: await finishedRun(t.engine, id), deployed };
}

async function fusedCount(t: TestEngine): Promise<number> {
  const metric = await t.engine.ctx.metrics.stepsFused.get();
  return metric.values[0]?.value ?? 0;
}

/** set → if → (true: set reading an earlier step, false: set) — every node pure. */
const branchingFlow = () =>
  flow(
    [
      { id: 'tag', type: 'logic.set', name: 'Tag', config: { fields: { tier: 'gold' } } },
      { id: 'if', type: 'logic.if', name: 'Is gold', config: { condition: '{{ $json.tier = "gold" }}' } },
      {
        id: 'yes',
        type: 'logic.set',
        name: 'Gold',
        config: {
          fields: { copied: '{{ $steps.Tag.output.tier }}', seen: '{{ $steps.`Is gold`.output.tier }}' },
        },
      },
      { id: 'no', type: 'logic.set', name: 'Basic', config: { fields: { basic: true } } },
    ],
    [
      { id: 'e1', source: 'trigger', target: 'tag' },
      { id: 'e2', source: 'tag', target: 'if' },
      { id: 'e3', source: 'if', sourceHandle: 'true', target: 'yes' },
      { id: 'e4', source: 'if', sourceHandle: 'false', target: 'no' },
    ],
  );

/** What run history shows of each step, without ids and times. */
function history(run: Awaited<ReturnType<typeof getRun>>) {
  return run.steps.map((s) => ({
    nodeId: s.nodeId,
    status: s.status,
    input: s.input,
    output: s.output,
    attempts: s.attempts.length,
  }));
}

describe('step fusion', () => {
  test('pure steps after a step run inline, and each is stored with its own input, output, attempt and time', async () => {
    const before = await fusedCount(fused);
    const { run } = await runFlow(fused, branchingFlow(), { user: 'ada' });
    expect(run.status).toBe('succeeded');
    // the first step after the trigger is claimed from its job; the if and the true branch ran inline
    expect((await fusedCount(fused)) - before).toBe(2);
    expect(history(run)).toEqual([
      {
        nodeId: 'trigger',
        status: 'succeeded',
        input: null,
        output: { main: [{ user: 'ada' }] },
        attempts: 0,
      },
      {
        nodeId: 'tag',
        status: 'succeeded',
        input: { user: 'ada' },
        output: { main: [{ user: 'ada', tier: 'gold' }] },
        attempts: 1,
      },
      {
        nodeId: 'if',
        status: 'succeeded',
        input: { user: 'ada', tier: 'gold' },
        output: { true: [{ user: 'ada', tier: 'gold' }], false: [] },
        attempts: 1,
      },
      {
        nodeId: 'yes',
        status: 'succeeded',
        input: { user: 'ada', tier: 'gold' },
        // $steps sees both the stored step and the one run inline before it in the same transaction
        output: { main: [{ user: 'ada', tier: 'gold', copied: 'gold', seen: 'gold' }] },
        attempts: 1,
      },
      { nodeId: 'no', status: 'skipped', input: null, output: null, attempts: 0 },
    ]);
    for (const step of run.steps.filter((s) => s.nodeId === 'if' || s.nodeId === 'yes')) {
      expect(step.startedAt).not.toBeNull();
      expect(step.durationMs).not.toBeNull();
      expect(new Date(step.finishedAt ?? 0).getTime()).toBeGreaterThanOrEqual(
        new Date(step.startedAt ?? 0).getTime(),
      );
      expect(step.attempts[0]).toMatchObject({ n: 1, error: null });
    }
  });

  test("a run's end is written with its last steps and counted once, succeeded or failed", async () => {
    const finished = async (t: TestEngine) => {
      const metric = await t.engine.ctx.metrics.runsFinished.get();
      const count = (status: string) => metric.values.find((v) => v.labels.status === status)?.value ?? 0;
      return { succeeded: count('succeeded'), failed: count('failed') };
    };
    const failing = flow(
      [
        { id: 'tag', type: 'logic.set', name: 'Tag', config: { fields: { tier: 'gold' } } },
        { id: 'stop', type: 'logic.stop-and-error', name: 'Stop', config: { message: 'no gold today' } },
      ],
      [
        { id: 'e1', source: 'trigger', target: 'tag' },
        { id: 'e2', source: 'tag', target: 'stop' },
      ],
    );
    for (const t of [fused, unfused]) {
      const before = await finished(t);
      const ok = await runFlow(t, branchingFlow(), { user: 'lin' });
      const bad = await runFlow(t, failing, { user: 'lin' });
      expect([ok.run.status, bad.run.status]).toEqual(['succeeded', 'failed']);
      for (const run of [ok.run, bad.run]) {
        const lastStep = Math.max(...run.steps.map((s) => new Date(s.finishedAt ?? 0).getTime()));
        expect(new Date(run.finishedAt ?? 0).getTime()).toBeGreaterThanOrEqual(lastStep);
      }
      expect(await finished(t)).toEqual({ succeeded: before.succeeded + 1, failed: before.failed + 1 });
    }
  });

  test('with fusion off or limited, the same flow leaves the same history', async () => {
    const item = { user: 'grace' };
    const [a, b, c] = await Promise.all([
      runFlow(fused, branchingFlow(), item),
      runFlow(limited, branchingFlow(), item),
      runFlow(unfused, branchingFlow(), item),
    ]);
    expect(history(b.run)).toEqual(history(a.run));
    expect(history(c.run)).toEqual(history(a.run));
    expect(await fusedCount(unfused)).toBe(0);
  });

  test('the step limit hands the rest to a job, which fuses again', async () => {
    const chain = Array.from({ length: 6 }, (_, i) => ({
      id: `s${i}`,
      type: 'logic.set',
      name: `Step ${i}`,
      config: { fields: { [`f${i}`]: i } },
    }));
    const edges = chain.map((s, i) => ({
      id: `e${i}`,
      source: i === 0 ? 'trigger' : `s${i - 1}`,
      target: s.id,
    }));
    const before = await fusedCount(limited);
    const { run } = await runFlow(limited, flow(chain, edges), {});
    expect(run.status).toBe('succeeded');
    // s0 from its job fuses s1, s2; s3 from its job fuses s4, s5
    expect((await fusedCount(limited)) - before).toBe(4);
    expect(run.steps.at(-1)?.output).toEqual({ main: [{ f0: 0, f1: 1, f2: 2, f3: 3, f4: 4, f5: 5 }] });
  });

  test('branches that meet at a merge inside one fusion join once, and what follows runs', async () => {
    const before = await fusedCount(fused);
    const { run } = await runFlow(
      fused,
      flow(
        [
          { id: 'if', type: 'logic.if', name: 'Is pro', config: { condition: '{{ $json.plan = "pro" }}' } },
          { id: 'pro', type: 'logic.set', name: 'Pro', config: { fields: { branch: 'pro' } } },
          { id: 'free', type: 'logic.set', name: 'Free', config: { fields: { branch: 'free' } } },
          { id: 'also', type: 'logic.set', name: 'Also', config: { fields: { also: true } } },
          { id: 'merge', type: 'logic.merge', name: 'Join', config: {} },
          { id: 'end', type: 'logic.set', name: 'End', config: { fields: { joined: true } } },
        ],
        [
          { id: 'e1', source: 'trigger', target: 'if' },
          { id: 'e2', source: 'if', sourceHandle: 'true', target: 'pro' },
          { id: 'e3', source: 'if', sourceHandle: 'false', target: 'free' },
          { id: 'e4', source: 'if', sourceHandle: 'true', target: 'also' },
          { id: 'e5', source: 'pro', target: 'merge' },
          { id: 'e6', source: 'free', target: 'merge' },
          { id: 'e7', source: 'also', target: 'merge' },
          { id: 'e8', source: 'merge', target: 'end' },
        ],
      ),
      { plan: 'pro' },
    );
    expect(run.status).toBe('succeeded');
    const status = (nodeId: string) => run.steps.filter((s) => s.nodeId === nodeId).map((s) => s.status);
    expect(status('free')).toEqual(['skipped']);
    expect(status('merge')).toEqual(['succeeded']);
    expect(status('end')).toEqual(['succeeded']);
    expect(run.steps.find((s) => s.nodeId === 'merge')?.output).toEqual({
      main: [{ plan: 'pro', branch: 'pro', also: true }],
    });
    // pro, also, merge and end ran inline after the if's job
    expect((await fusedCount(fused)) - before).toBe(4);
  });

  test('a pure step that fails inline is left to its own job: the steps before it are kept, it is dead-lettered', async () => {
    const { run, deployed } = await runFlow(
      fused,
      flow(
        [
          { id: 'ok', type: 'logic.set', name: 'Ok', config: { fields: { a: 1 } } },
          { id: 'ok2', type: 'logic.set', name: 'Ok too', config: { fields: { b: 2 } } },
          { id: 'bad', type: 'logic.set', name: 'Bad', config: { fields: { c: '{{ $error("boom") }}' } } },
          { id: 'after', type: 'logic.set', name: 'After', config: { fields: { d: 4 } } },
        ],
        [
          { id: 'e1', source: 'trigger', target: 'ok' },
          { id: 'e2', source: 'ok', target: 'ok2' },
          { id: 'e3', source: 'ok2', target: 'bad' },
          { id: 'e4', source: 'bad', target: 'after' },
        ],
      ),
      {},
    );
    expect(run.status).toBe('failed');
    const byNode = Object.fromEntries(run.steps.map((s) => [s.nodeId, s]));
    expect(byNode.ok2?.status).toBe('succeeded');
    expect(byNode.ok2?.output).toEqual({ main: [{ a: 1, b: 2 }] });
    expect(byNode.bad?.status).toBe('dead');
    // one attempt, made by its own job: the inline try leaves no attempt behind
    expect(byNode.bad?.attempts).toHaveLength(1);
    expect(byNode.bad?.error).toMatchObject({ code: 'expression_failed', retryable: false });
    expect(byNode.after).toBeUndefined();
    const letters = await listDeadLetters(fused.engine.ctx.db, { flowId: deployed.flowId, limit: 5 });
    expect(letters.items.map((l) => l.nodeId)).toEqual(['bad']);
  });

  test('at ingest, the pure steps after the trigger run before the answer: a pure flow is finished with no job', async () => {
    const deployed = await deployFlow(atIngest.engine, branchingFlow());
    const item = { user: 'lin' };
    const result = await accept(atIngest, deployed, item);
    const run = await getRun(atIngest.engine.ctx.db, result.runs[0]?.id ?? '');
    // no worker runs in this engine: the run finished while the event was accepted
    expect(run.status).toBe('succeeded');
    expect(run.finishedAt).not.toBeNull();
    const { run: reference } = await runFlow(unfused, branchingFlow(), item);
    expect(history(run)).toEqual(history(reference));
    const jobs = await atIngest.engine.ctx.queue.queue.getJobCounts('waiting', 'delayed', 'active');
    expect(jobs).toEqual({ waiting: 0, delayed: 0, active: 0 });
  });

  test('at ingest, fusion stops at a node with side effects and at one that reads the profile', async () => {
    const deployed = await deployFlow(
      atIngest.engine,
      flow(
        [
          {
            id: 'tag',
            type: 'logic.set',
            name: 'Tag',
            config: { fields: { from: '{{ $event.type }}', started: '{{ $steps.Start.output.n }}' } },
          },
          { id: 'call', type: 'action.http', name: 'Call', config: { url: 'http://127.0.0.1:9/unused' } },
          {
            id: 'who',
            type: 'logic.set',
            name: 'Who',
            config: { fields: { plan: '{{ $profile.traits.plan }}' } },
          },
        ],
        [
          { id: 'e1', source: 'trigger', target: 'tag' },
          { id: 'e2', source: 'trigger', target: 'call' },
          { id: 'e3', source: 'trigger', target: 'who' },
        ],
      ),
    );
    const result = await accept(atIngest, deployed, { n: 7 }, 'order');
    const runId = result.runs[0]?.id ?? '';
    const byNode = await stepsByNode(atIngest, runId);
    // $event and $steps of the trigger are at hand while accepting the event
    expect(byNode.tag).toMatchObject({
      status: 'succeeded',
      output: { main: [{ n: 7, from: 'order', started: 7 }] },
    });
    expect(byNode.call?.status).toBe('queued');
    expect(byNode.who?.status).toBe('queued');
    expect((await getRun(atIngest.engine.ctx.db, runId)).status).toBe('queued');
    // what was left for the worker is queued with its job
    expect(await atIngest.engine.ctx.queue.queue.getJob(byNode.call?.id ?? '')).toBeDefined();
  });

  test('at ingest, a pure step whose output Postgres cannot store is left to its job; the event is accepted', async () => {
    const deployed = await deployFlow(
      atIngest.engine,
      flow(
        [
          { id: 'ok', type: 'logic.set', name: 'Ok', config: { fields: { fine: true } } },
          { id: 'nul', type: 'logic.set', name: 'Nul', config: { fields: { bad: '{{ "a\\u0000b" }}' } } },
        ],
        [
          { id: 'e1', source: 'trigger', target: 'ok' },
          { id: 'e2', source: 'ok', target: 'nul' },
        ],
      ),
    );
    const result = await accept(atIngest, deployed, { n: 1 });
    expect(result.duplicate).toBe(false);
    const byNode = await stepsByNode(atIngest, result.runs[0]?.id ?? '');
    // written without the inline steps: the first pure step waits for its job like the one after it will
    expect(Object.fromEntries(Object.values(byNode).map((s) => [s.nodeId, s.status]))).toEqual({
      trigger: 'succeeded',
      ok: 'queued',
    });
  });
});
