// Every change of a step's state after it was claimed, each one transaction guarded by a compare-and-set
// on (status = running, lease token), so a re-delivered duplicate commits nothing.
import type { AttemptRecord, Transaction } from '@tributary/db';
import { jsonValues, newId, schema, selectRows } from '@tributary/db';
import type { NodeOutput, WebhookResponse } from '@tributary/nodes';
import { and, eq, inArray, sql } from 'drizzle-orm';
import type { RunRow, StepRef, StoredWebhookResponse } from '../core/index.js';
import { firstAnswerOf, hasErrorEdge, referPayload } from '../core/index.js';
import type { PendingJoin, Scope } from '../plan/index.js';
import { planAfterOutput } from '../plan/index.js';
import { applyPlan, lockRun, pendingJoins, releaseHeldSibling, settleRun } from '../runs/index.js';
import { releaseSend } from '../sending/index.js';
import type { Lease, StepError } from './attempt.js';
import { runInline } from './fusion.js';

/** Thrown inside a transition's transaction when the compare-and-set finds the step taken: rolls back. */
class StaleStep extends Error {}

/** The result of a transition: `stale` when another delivery owns the step now. */
export type TransitionResult = { kind: 'applied'; toEnqueue: StepRef[] } | { kind: 'stale' };

/** Step statuses that can still move a run on now (a waiting step waits for time or an event). */
const BUSY = ['queued', 'running'] as const;

async function casStep(
  tx: Transaction,
  { step, token }: Lease,
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
  { ctx }: Lease,
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

async function lockedRun(tx: Transaction, runId: string): Promise<RunRow> {
  const run = await lockRun(tx, runId);
  if (!run) throw new StaleStep();
  return run;
}

/** Plans what follows the step's output, runs the pure steps of that plan inline, and writes it. */
async function followOutput(
  tx: Transaction,
  lease: Lease,
  run: RunRow,
  output: NodeOutput,
  inlineBudgetMs: number,
): Promise<StepRef[]> {
  const { ctx, flow, step } = lease;
  const joins = flow.hasJoins ? await pendingJoins(tx, run.id) : new Map<string, PendingJoin>();
  // steps of a split's items carry their scope in state (written by applyPlan)
  const scope = (step.state as { scope?: Scope } | null)?.scope;
  const from = { nodeId: step.nodeId, stepId: step.id, scope };
  const planned = planAfterOutput(flow, run.edgeState, joins, from, output, newId);
  const plan = await runInline(planned, {
    ctx,
    flow,
    run,
    joins,
    source: { db: tx, event: lease.event },
    budgetMs: inlineBudgetMs,
  });
  // a run that just got steps to run cannot be finished: skip the count. An item of a split may release a
  // held sibling first, so it settles only after looking.
  const settle = { ctx, when: (queued: readonly StepRef[]) => scope === undefined && queued.length === 0 };
  const toEnqueue = await applyPlan(tx, run, flow, plan, run.edgeState, settle, lease.payload);
  if (scope !== undefined) {
    toEnqueue.push(...(await releaseHeldSibling(tx, step)));
    if (toEnqueue.length === 0) toEnqueue.push(...(await settleRun(tx, ctx, run.id)));
  }
  return toEnqueue;
}

/** How a step succeeded: its output, attempts, time taken, and how long pure successors may run inline. */
export interface Success {
  output: NodeOutput;
  attempts: AttemptRecord[];
  durationMs: number;
  /** 0 leaves every successor to its own job. */
  inlineBudgetMs: number;
  /** The node's answer to the run's webhook request (respond-to-webhook), if it gave one. */
  response?: WebhookResponse | undefined;
  /** What the step keeps in its state besides what it had (why it was held back: sending-rules.ts). */
  state?: Record<string, unknown> | undefined;
}

/** The step succeeded: store its output and create what follows (running pure successors inline). */
export function completeStep(lease: Lease, done: Success): Promise<TransitionResult> {
  const output = referPayload(done.output, lease.payload);
  const patch = {
    status: 'succeeded',
    output: output.value,
    outputRefs: output.refs,
    error: null,
    attempts: done.attempts,
    finishedAt: new Date(),
    durationMs: done.durationMs,
    ...(done.state ? { state: { ...lease.step.state, ...done.state } } : {}),
  } as const;
  const { response } = done;
  return inTransition(lease, async (tx) => {
    if (response) {
      // under the run lock (completions of a run are serialised), so exactly one step of the run answers
      const run = await lockedRun(tx, lease.step.runId);
      const state = {
        ...lease.step.state,
        ...done.state,
        ...(await answerOf(tx, lease.step.id, run.id, response)),
      };
      await casStep(tx, lease, { ...patch, state });
      return followOutput(tx, lease, run, done.output, done.inlineBudgetMs);
    }
    // sent together (one round trip): the compare-and-set runs after the lock, in order
    const [run] = await Promise.all([lockedRun(tx, lease.step.runId), casStep(tx, lease, patch)]);
    return followOutput(tx, lease, run, done.output, done.inlineBudgetMs);
  });
}

/** What a step that answers the run's webhook keeps in its state: the answer, or who answered first. */
async function answerOf(
  tx: Transaction,
  stepId: string,
  runId: string,
  response: WebhookResponse,
): Promise<{ webhookResponse: StoredWebhookResponse }> {
  const first = await firstAnswerOf(tx, runId);
  if (first && first !== stepId) return { webhookResponse: { sent: false, answeredBy: first } };
  return { webhookResponse: { sent: true, ...response } };
}

/** How an attempt failed, with every attempt so far. */
export interface Failure {
  error: StepError;
  attempts: AttemptRecord[];
}

/** The attempt failed and another is allowed: queue the step again at `dueAt`. */
export function scheduleRetry(lease: Lease, failed: Failure, dueAt: Date): Promise<TransitionResult> {
  return inTransition(lease, async (tx) => {
    await casStep(tx, lease, { status: 'queued', error: failed.error, attempts: failed.attempts, dueAt });
    return [];
  });
}

/**
 * The node asked to sleep or to wait for an event: park the step until `wakeAt` (the attempt does not
 * count); `alongside` writes what the park needs in the same transaction (the wait row); `state` is kept in
 * the step's state besides its wake-up time (why a sending rule held it back).
 */
export function parkStep(
  lease: Lease,
  wakeAt: Date,
  alongside?: (tx: Transaction) => Promise<unknown>,
  state?: Record<string, unknown>,
): Promise<TransitionResult> {
  const { step } = lease;
  return inTransition(lease, async (tx) => {
    await lockedRun(tx, step.runId);
    if (alongside) await alongside(tx);
    await casStep(tx, lease, {
      status: 'waiting',
      attempts: step.attempts.slice(0, -1),
      dueAt: wakeAt,
      state: { ...step.state, ...state, wakeAt: wakeAt.toISOString() },
    });
    // the run waits when nothing else of it can move now
    const [busy] = await tx
      .select({ n: sql<number>`count(*)`.mapWith(Number) })
      .from(schema.steps)
      .where(and(eq(schema.steps.runId, step.runId), inArray(schema.steps.status, [...BUSY])));
    if ((busy?.n ?? 0) === 0) {
      await tx
        .update(schema.runs)
        .set({ status: 'waiting' })
        .where(and(eq(schema.runs.id, step.runId), inArray(schema.runs.status, [...BUSY])));
    }
    return [];
  });
}

/**
 * No attempt is left (or the error is fatal). With a connected error port the run goes on down it and the
 * step is `failed`; otherwise the step is `dead`, a dead letter keeps its input and error, and the run fails
 * once nothing else of it is open.
 */
export function giveUpStep(lease: Lease, failed: Failure): Promise<TransitionResult> {
  const { ctx, flow, step } = lease;
  const { error, attempts } = failed;
  return inTransition(lease, async (tx) => {
    const run = await lockedRun(tx, step.runId);
    const handled = hasErrorEdge(flow, step.nodeId);
    const finishedAt = new Date();
    const durationMs = step.startedAt ? finishedAt.getTime() - step.startedAt.getTime() : null;
    await casStep(tx, lease, {
      status: handled ? 'failed' : 'dead',
      error,
      attempts,
      finishedAt,
      durationMs,
    });
    // nothing reached the person: the send the step took against frequency caps is given back
    if (flow.nodes.get(step.nodeId)?.channel !== undefined) await releaseSend(tx, step.id);
    if (handled) {
      const node = flow.nodes.get(step.nodeId);
      const item = { error: { ...error, nodeId: step.nodeId, nodeName: node?.name }, input: step.input };
      return followOutput(tx, lease, run, { error: [item] }, ctx.settings.fuseBudgetMs);
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
    return [...released, ...(await settleRun(tx, ctx, run.id))];
  });
}
