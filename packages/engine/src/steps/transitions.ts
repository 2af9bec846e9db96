// Every change of a step's state after it was claimed, each one transaction guarded by a compare-and-set
// on (status = running, lease token), so a re-delivered duplicate commits nothing.
import type { AttemptRecord, Transaction } from '@tributary/db';
import { jsonValues, newId, schema, selectRows } from '@tributary/db';
import type { NodeOutput } from '@tributary/nodes';
import { and, eq, inArray, sql } from 'drizzle-orm';
import type { CompiledFlow } from '../core/compiled-flow.js';
import { hasErrorEdge } from '../core/compiled-flow.js';
import type { EngineContext } from '../core/context.js';
import type { PendingJoin, Scope } from '../plan/planner.js';
import { planAfterOutput } from '../plan/planner.js';
import type { RunRow, StepRow } from '../runs/run-state.js';
import { applyPlan, lockRun, pendingJoins, releaseHeldSibling, settleRun } from '../runs/run-state.js';
import { fusePlan } from './fusion.js';
import type { StepRef } from '../core/step-queue.js';

/** A step error as stored on attempts, steps and dead letters. */
export interface StepError {
  code: string;
  message: string;
  retryable: boolean;
}

/** Thrown inside a transition's transaction when the compare-and-set finds the step taken: rolls back. */
class StaleStep extends Error {}

/** The result of a transition: `stale` when another delivery owns the step now. */
export type TransitionResult = { kind: 'applied'; toEnqueue: StepRef[] } | { kind: 'stale' };

async function casStep(
  tx: Transaction,
  step: Pick<StepRow, 'id'>,
  token: string,
  patch: Partial<typeof schema.steps.$inferInsert>,
): Promise<void> {
  const values = jsonValues(schema.steps, { leaseToken: null, leaseUntil: null, ...patch });
  const updated = await selectRows<{ id: string }>(
    tx,
    sql`update ${schema.steps} set ${values.columns} = (${values.select})
    where ${schema.steps.id} = ${step.id} and ${schema.steps.status} = 'running'
      and ${schema.steps.leaseToken} = ${token}
    returning ${schema.steps.id} as id`,
  );
  if (updated.length === 0) throw new StaleStep();
}

async function inTransition(
  ctx: EngineContext,
  fn: (tx: Transaction) => Promise<StepRef[]>,
): Promise<TransitionResult> {
  try {
    const toEnqueue = await ctx.db.transaction(fn);
    return { kind: 'applied', toEnqueue };
  } catch (err) {
    if (err instanceof StaleStep) return { kind: 'stale' };
    throw err;
  }
}

async function followOutput(
  tx: Transaction,
  ctx: EngineContext,
  run: RunRow,
  flow: CompiledFlow,
  step: StepRow,
  output: NodeOutput,
  fuse = true,
): Promise<StepRef[]> {
  const joins = flow.hasJoins ? await pendingJoins(tx, run.id) : new Map<string, PendingJoin>();
  // steps of a split's items carry their scope in state (written by applyPlan)
  const scope = (step.state as { scope?: Scope } | null)?.scope;
  const planned = planAfterOutput(
    flow,
    run.edgeState,
    joins,
    { nodeId: step.nodeId, stepId: step.id, scope },
    output,
    newId,
  );
  const budget = fuse ? ctx.settings.fuseBudgetMs : 0;
  const plan = await fusePlan(ctx, run, flow, planned, joins, { db: tx }, budget);
  // a run that just got steps to run cannot be finished: skip the count. An item of a split may release a
  // held sibling first, so it settles only after looking.
  const toEnqueue = await applyPlan(tx, run, flow, plan, run.edgeState, {
    ctx,
    when: (queued) => scope === undefined && queued.length === 0,
  });
  if (scope !== undefined) {
    toEnqueue.push(...(await releaseHeldSibling(tx, step)));
    if (toEnqueue.length === 0) await settleRun(tx, ctx, run.id);
  }
  return toEnqueue;
}

async function lockedRun(tx: Transaction, runId: string): Promise<RunRow> {
  const run = await lockRun(tx, runId);
  if (!run) throw new StaleStep();
  return run;
}

/**
 * The step succeeded: store its output and create what follows (running the pure steps that follow inline,
 * unless `fuse` is false).
 */
export function completeStep(
  ctx: EngineContext,
  flow: CompiledFlow,
  step: StepRow,
  token: string,
  output: NodeOutput,
  attempts: AttemptRecord[],
  durationMs: number,
  fuse = true,
): Promise<TransitionResult> {
  return inTransition(ctx, async (tx) => {
    // sent together (one round trip): the compare-and-set runs after the lock, in order
    const [run] = await Promise.all([
      lockedRun(tx, step.runId),
      casStep(tx, step, token, {
        status: 'succeeded',
        output,
        error: null,
        attempts,
        finishedAt: new Date(),
        durationMs,
      }),
    ]);
    return followOutput(tx, ctx, run, flow, step, output, fuse);
  });
}

/** The attempt failed and another is allowed: queue the step again at `dueAt`. */
export function scheduleRetry(
  ctx: EngineContext,
  step: StepRow,
  token: string,
  error: StepError,
  attempts: AttemptRecord[],
  dueAt: Date,
): Promise<TransitionResult> {
  return inTransition(ctx, async (tx) => {
    await casStep(tx, step, token, { status: 'queued', error, attempts, dueAt });
    return [];
  });
}

/**
 * The node asked to sleep or to wait for an event: park the step until `wakeAt` (the attempt does not
 * count); `alongside` writes what the park needs in the same transaction (the wait row).
 */
export function parkStep(
  ctx: EngineContext,
  step: StepRow,
  token: string,
  attempts: AttemptRecord[],
  wakeAt: Date,
  alongside?: (tx: Transaction) => Promise<unknown>,
): Promise<TransitionResult> {
  return inTransition(ctx, async (tx) => {
    await lockedRun(tx, step.runId);
    if (alongside) await alongside(tx);
    await casStep(tx, step, token, {
      status: 'waiting',
      attempts: attempts.slice(0, -1),
      dueAt: wakeAt,
      state: { ...step.state, wakeAt: wakeAt.toISOString() },
    });
    // the run waits when nothing else of it can move now
    const [busy] = await tx
      .select({ n: sql<number>`count(*)`.mapWith(Number) })
      .from(schema.steps)
      .where(and(eq(schema.steps.runId, step.runId), inArray(schema.steps.status, ['queued', 'running'])));
    if ((busy?.n ?? 0) === 0) {
      await tx
        .update(schema.runs)
        .set({ status: 'waiting' })
        .where(and(eq(schema.runs.id, step.runId), inArray(schema.runs.status, ['queued', 'running'])));
    }
    return [];
  });
}

/**
 * No attempt is left (or the error is fatal). With a connected error port the run goes on down it and the
 * step is `failed`; otherwise the step is `dead`, a dead letter keeps its input and error, and the run fails
 * once nothing else of it is open.
 */
export function giveUpStep(
  ctx: EngineContext,
  flow: CompiledFlow,
  step: StepRow,
  token: string,
  error: StepError,
  attempts: AttemptRecord[],
): Promise<TransitionResult> {
  return inTransition(ctx, async (tx) => {
    const run = await lockedRun(tx, step.runId);
    const handled = hasErrorEdge(flow, step.nodeId);
    const finishedAt = new Date();
    const durationMs = step.startedAt ? finishedAt.getTime() - step.startedAt.getTime() : null;
    await casStep(tx, step, token, {
      status: handled ? 'failed' : 'dead',
      error,
      attempts,
      finishedAt,
      durationMs,
    });
    if (handled) {
      const node = flow.nodes.get(step.nodeId);
      const item = { error: { ...error, nodeId: step.nodeId, nodeName: node?.name }, input: step.input };
      return followOutput(tx, ctx, run, flow, step, { error: [item] });
    }
    await tx.insert(schema.deadLetters).values({
      id: newId(),
      flowId: run.flowId,
      runId: run.id,
      stepId: step.id,
      nodeId: step.nodeId,
      version: run.version,
      input: step.input,
      error,
      attempts,
    });
    ctx.metrics.deadLetters.inc({ type: step.type });
    const released = await releaseHeldSibling(tx, step);
    await tx.update(schema.runs).set({ error }).where(eq(schema.runs.id, run.id));
    await settleRun(tx, ctx, run.id);
    return released;
  });
}
