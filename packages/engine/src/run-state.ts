// Writing a plan into a run (new steps, joins, edge state) and settling the run when nothing is left to do.
import type { Transaction } from '@tributary/db';
import { jsonRows, schema } from '@tributary/db';
import type { SQL } from 'drizzle-orm';
import { and, eq, inArray, sql } from 'drizzle-orm';
import type { CompiledFlow } from './compiled-flow.js';
import type { EngineContext } from './engine-context.js';
import type { EdgeState, JoinState, PendingJoin, Plan } from './planner.js';
import type { StepRef } from './step-queue.js';

export type RunRow = typeof schema.runs.$inferSelect;
export type StepRow = typeof schema.steps.$inferSelect;

/** Locks a run row for the rest of the transaction: completions within one run are serialised. */
export async function lockRun(tx: Transaction, runId: string): Promise<RunRow | undefined> {
  const rows = await tx.select().from(schema.runs).where(eq(schema.runs.id, runId)).for('update');
  return rows[0];
}

/** The run's joins that still wait for branches, by node id. */
export async function pendingJoins(tx: Transaction, runId: string): Promise<Map<string, PendingJoin>> {
  const rows = await tx
    .select({ id: schema.steps.id, nodeId: schema.steps.nodeId, state: schema.steps.state })
    .from(schema.steps)
    .where(and(eq(schema.steps.runId, runId), eq(schema.steps.status, 'pending')));
  return new Map(
    rows.map((r) => {
      // pending steps are only ever written by applyPlan with a JoinState
      const state = (r.state ?? {}) as Partial<JoinState>;
      const pending: PendingJoin = {
        stepId: r.id,
        arrivals: state.arrivals ?? {},
        expected: state.expected ?? 1,
      };
      return [state.joinKey ?? r.nodeId, pending];
    }),
  );
}

export type StepInsert = typeof schema.steps.$inferInsert;

/** The rows for a plan's new steps, and which of them to enqueue. */
export function planStepRows(
  runId: string,
  flow: CompiledFlow,
  plan: Pick<Plan, 'steps'>,
): { rows: StepInsert[]; toEnqueue: StepRef[] } {
  const now = new Date();
  const toEnqueue: StepRef[] = [];
  const rows = plan.steps.map((s): StepInsert => {
    const node = flow.nodes.get(s.nodeId);
    const done = s.status === 'succeeded' || s.status === 'skipped';
    if (s.status === 'queued') toEnqueue.push({ id: s.id, runId });
    const ran = s.ran;
    return {
      id: s.id,
      runId,
      nodeId: s.nodeId,
      name: node?.name ?? s.nodeId,
      type: node?.type ?? 'unknown',
      status: s.status,
      input: s.input,
      output: s.output ?? null,
      state: s.state ?? null,
      startedAt: ran?.startedAt ?? (done ? now : null),
      finishedAt: ran?.finishedAt ?? (done ? now : null),
      durationMs: ran?.durationMs ?? null,
      attempts: ran
        ? [
            {
              n: 1,
              startedAt: ran.startedAt.toISOString(),
              finishedAt: ran.finishedAt.toISOString(),
              error: null,
            },
          ]
        : [],
    };
  });
  return { rows, toEnqueue };
}

/** Inserts step rows. */
export async function insertSteps(tx: Transaction, rows: readonly StepInsert[]): Promise<void> {
  if (rows.length === 0) return;
  // one JSON parameter: the same SQL text whatever the number of rows, so it stays a prepared statement
  const { columns, select } = jsonRows(schema.steps, rows);
  await tx.execute(sql`insert into ${schema.steps} ${columns} ${select}`);
}

/**
 * Inserts the plan's steps, updates joins and the run's edge state; returns the steps to enqueue. The
 * writes go out together (one round trip), and so does `after(toEnqueue)` when it returns a statement to
 * run behind them (it sees their effects: a connection runs its statements in order).
 */
export async function applyPlan(
  tx: Transaction,
  run: Pick<RunRow, 'id'>,
  flow: CompiledFlow,
  plan: Plan,
  previousEdgeState: EdgeState | undefined,
  after?: (toEnqueue: readonly StepRef[]) => Promise<unknown> | undefined,
): Promise<StepRef[]> {
  const now = new Date();
  const { rows, toEnqueue } = planStepRows(run.id, flow, plan);
  const writes: Array<Promise<unknown>> = [insertSteps(tx, rows)];
  for (const join of plan.joinUpdates) {
    writes.push(
      tx
        .update(schema.steps)
        .set({
          status: join.status,
          input: join.input,
          state: join.state,
          finishedAt: join.status === 'skipped' ? now : null,
        })
        .where(eq(schema.steps.id, join.stepId))
        .execute(),
    );
    if (join.status === 'queued') toEnqueue.push({ id: join.stepId, runId: run.id });
  }
  if (JSON.stringify(plan.edgeState) !== JSON.stringify(previousEdgeState ?? {})) {
    writes.push(
      tx.update(schema.runs).set({ edgeState: plan.edgeState }).where(eq(schema.runs.id, run.id)).execute(),
    );
  }
  const last = after?.(toEnqueue);
  if (last) writes.push(last);
  await Promise.all(writes);
  return toEnqueue;
}

/** Steps that keep a run open. */
const OPEN_STATUSES = ['queued', 'running', 'waiting', 'held'] as const;

/**
 * When a step right after a split finishes, lets the next item the split's concurrency limit held back go
 * (oldest first). Returns it for enqueueing.
 */
export async function releaseHeldSibling(tx: Transaction, step: StepRow): Promise<StepRef[]> {
  // steps of a split's items carry their scope in state (written by applyPlan)
  const split = (step.state as { scope?: { split?: string } } | null)?.scope?.split;
  if (!split) return [];
  const [next] = await tx
    .select({ id: schema.steps.id })
    .from(schema.steps)
    .where(
      and(
        eq(schema.steps.runId, step.runId),
        eq(schema.steps.nodeId, step.nodeId),
        eq(schema.steps.status, 'held'),
        sql`${schema.steps.state}->'scope'->>'split' = ${split}`,
      ),
    )
    .orderBy(schema.steps.id)
    .limit(1)
    .for('update');
  if (!next) return [];
  await tx.update(schema.steps).set({ status: 'queued' }).where(eq(schema.steps.id, next.id));
  return [{ id: next.id, runId: step.runId }];
}

/**
 * Finishes the run when no step is open any more: `failed` if a step is dead, else `succeeded`.
 * Returns the final status, or undefined while the run goes on. One statement: the check and the update.
 */
export async function settleRun(
  tx: Transaction,
  ctx: Pick<EngineContext, 'metrics'>,
  runId: string,
): Promise<'succeeded' | 'failed' | undefined> {
  const stepsOfRun = (status: SQL) =>
    sql`exists (select 1 from ${schema.steps} where ${schema.steps.runId} = ${runId} and ${status})`;
  const [updated] = await tx
    .update(schema.runs)
    .set({
      status: sql`case when ${stepsOfRun(sql`${schema.steps.status} = 'dead'`)} then 'failed' else 'succeeded' end`,
      finishedAt: new Date(),
    })
    .where(
      and(
        eq(schema.runs.id, runId),
        inArray(schema.runs.status, ['queued', 'running', 'waiting']),
        sql`not ${stepsOfRun(inArray(schema.steps.status, [...OPEN_STATUSES]))}`,
      ),
    )
    .returning({ status: schema.runs.status });
  if (!updated) return undefined;
  const status = updated.status === 'failed' ? 'failed' : 'succeeded';
  ctx.metrics.runsFinished.inc({ status });
  return status;
}
