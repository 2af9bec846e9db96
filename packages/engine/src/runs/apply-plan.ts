// Writing a plan into a run: its new steps, join updates and edge state — and, when that was the run's last
// open work, its end, in the same statement.
import type { Transaction } from '@tributary/db';
import { isIn, isoString, jsonRows, OPEN_STEP_STATUSES, schema, selectRows, statement } from '@tributary/db';
import type { SQL } from 'drizzle-orm';
import { and, eq, getTableName, sql } from 'drizzle-orm';
import type { CompiledFlow, PayloadIndex, RunRow, StepInsert, StepRef, StepRow } from '../core/index.js';
import { referPayload } from '../core/index.js';
import type { EdgeState, Plan } from '../plan/index.js';
import type { SettleContext, SettledRun } from './settle.js';
import { anyDead, nothingOpen, runOpen, runSettled, settledColumns, settleRun } from './settle.js';

/**
 * The rows for a plan's new steps, and which of them to enqueue. With the run's payload index, the parts of
 * the event's payload their inputs and outputs hold are stored as references (core/payload-refs.ts).
 */
export function planStepRows(
  runId: string,
  flow: CompiledFlow,
  plan: Pick<Plan, 'steps'>,
  payload?: PayloadIndex,
): { rows: StepInsert[]; toEnqueue: StepRef[] } {
  const now = new Date();
  const toEnqueue: StepRef[] = [];
  const rows = plan.steps.map((s): StepInsert => {
    const node = flow.nodes.get(s.nodeId);
    const done = s.status === 'succeeded' || s.status === 'skipped';
    if (s.status === 'queued') toEnqueue.push({ id: s.id, runId });
    const ran = s.ran;
    const input = referPayload(s.input, payload);
    const output = referPayload(s.output ?? null, payload);
    return {
      id: s.id,
      runId,
      nodeId: s.nodeId,
      name: node?.name ?? s.nodeId,
      type: node?.type ?? 'unknown',
      status: s.status,
      input: input.value,
      inputRefs: input.refs,
      output: output.value,
      outputRefs: output.refs,
      state: s.state ?? null,
      startedAt: ran?.startedAt ?? (done ? now : null),
      finishedAt: ran?.finishedAt ?? (done ? now : null),
      durationMs: ran?.durationMs ?? null,
      attempts: ran
        ? [
            {
              n: 1,
              startedAt: isoString(ran.startedAt),
              finishedAt: isoString(ran.finishedAt),
              error: null,
              ...(ran.emptyExpressions ? { emptyExpressions: ran.emptyExpressions } : {}),
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
  // one JSON parameter (up to JSON_CHUNK_ROWS rows): the same SQL text, so it stays a prepared statement
  const { columns, select } = jsonRows(schema.steps, rows);
  await tx.execute(sql`insert into ${schema.steps} ${columns} ${select}`);
}

/** Settling a run after a plan is written, if nothing of it is left open. */
export interface SettleAfter {
  ctx: SettleContext;
  /** Whether to try, given the steps the plan queued. */
  when: (toEnqueue: readonly StepRef[]) => boolean;
}

/**
 * Inserts the plan's steps, updates joins and the run's edge state, and settles the run when `settle` says
 * so and nothing is open; returns the steps to enqueue. Without joins to update, that is one statement (the
 * insert, and one update of the run for both its edge state and its end); with joins, the writes go out
 * together (one round trip) and the settle behind them.
 */
export async function applyPlan(
  tx: Transaction,
  run: Pick<RunRow, 'id'>,
  flow: CompiledFlow,
  plan: Plan,
  previousEdgeState: EdgeState | undefined,
  settle?: SettleAfter,
  payload?: PayloadIndex,
): Promise<StepRef[]> {
  const now = new Date();
  const { rows, toEnqueue } = planStepRows(run.id, flow, plan, payload);
  const edgeText = JSON.stringify(plan.edgeState);
  const edgeChanged = edgeText !== JSON.stringify(previousEdgeState ?? {});
  const trySettle = settle?.when(toEnqueue) === true;
  if (plan.joinUpdates.length === 0) {
    // the statement cannot see the rows it inserts: a new open step rules the settle out here
    const mayFinish = trySettle && !rows.some((r) => isIn(OPEN_STEP_STATUSES, r.status));
    if (!edgeChanged && !mayFinish) {
      await insertSteps(tx, rows);
      return toEnqueue;
    }
    const settled = await writeRun(tx, run.id, rows, edgeChanged ? edgeText : undefined, mayFinish);
    if (settled && settle) toEnqueue.push(...(await runSettled(tx, settle.ctx, settled.run, settled.status)));
    return toEnqueue;
  }
  const writes: Array<Promise<unknown>> = [insertSteps(tx, rows)];
  for (const join of plan.joinUpdates) {
    writes.push(
      tx
        .update(schema.steps)
        .set({
          status: join.status,
          input: join.input,
          inputRefs: null,
          state: join.state,
          finishedAt: join.status === 'skipped' ? now : null,
        })
        .where(eq(schema.steps.id, join.stepId))
        .execute(),
    );
    if (join.status === 'queued') toEnqueue.push({ id: join.stepId, runId: run.id });
  }
  if (edgeChanged) {
    writes.push(
      tx.update(schema.runs).set({ edgeState: plan.edgeState }).where(eq(schema.runs.id, run.id)).execute(),
    );
  }
  // sent behind the writes, so it sees their effects (a connection runs its statements in order)
  const settled = settle && trySettle ? settleRun(tx, settle.ctx, run.id) : undefined;
  await Promise.all([...writes, settled]);
  if (settled) toEnqueue.push(...(await settled));
  return toEnqueue;
}

const R = schema.runs;

/**
 * The statement of `writeRun`, one per shape: with the run's new edge state or without, and with the settle's
 * questions or without (the new steps come in as the `insert` value, a CTE or nothing).
 */
function writeRunStatement(withEdge: boolean, mayFinish: boolean) {
  const settles = mayFinish ? sql`${runOpen} and ${nothingOpen}` : sql`false`;
  const dead = mayFinish ? anyDead : sql`false`;
  const edge = withEdge ? sql`${R.edgeState} = ${sql.placeholder('edgeState')}::jsonb,` : sql``;
  const onlySettling = withEdge ? sql`` : sql` and d.settle`;
  return statement<{ insert: SQL; runId: string; edgeState?: string; now: string }>`
    with ${sql.placeholder('insert')}decision as (
      select ${settles} as settle, ${dead} as dead
      from ${R} r where r.${R.id} = ${sql.placeholder('runId')}
    )
    update ${R} set ${edge}
      ${R.status} = case when d.settle then (case when d.dead then 'failed' else 'succeeded' end)
        else ${R}.${R.status} end,
      ${R.finishedAt} = case when d.settle then ${sql.placeholder('now')}::timestamptz else ${R}.${R.finishedAt} end
    from decision d
    where ${R}.${R.id} = ${sql.placeholder('runId')}${onlySettling}
    returning d.settle as settled, ${R}.${R.status} as status, ${settledColumns(getTableName(R))}`;
}

const writeRunStatements = {
  edgeAndSettle: writeRunStatement(true, true),
  edge: writeRunStatement(true, false),
  settle: writeRunStatement(false, true),
};

/**
 * One statement: inserts `rows` and updates the run once, with its new edge state (when given) and, when
 * `mayFinish` and nothing of the run is open any more, its end. Returns the status the run ended with.
 * (Called only when there is an edge state to write or a settle to try.)
 */
async function writeRun(
  tx: Transaction,
  runId: string,
  rows: readonly StepInsert[],
  /** The run's new edge state as JSON text, when it changed. */
  edgeState: string | undefined,
  mayFinish: boolean,
): Promise<{ run: SettledRun; status: 'succeeded' | 'failed' } | undefined> {
  const inserted = rows.length > 0 ? jsonRows(schema.steps, rows) : undefined;
  const insert = inserted
    ? sql`new_steps as (insert into ${schema.steps} ${inserted.columns} ${inserted.select}), `
    : sql``;
  const write =
    edgeState === undefined
      ? writeRunStatements.settle
      : mayFinish
        ? writeRunStatements.edgeAndSettle
        : writeRunStatements.edge;
  const [result] = await selectRows<{ settled: boolean; status: string } & Omit<SettledRun, 'id'>>(
    tx,
    write({ insert, runId, edgeState, now: isoString(new Date()) }),
  );
  if (!result?.settled) return undefined;
  const { flowId, version, admission, parentStepId, trace, createdAt } = result;
  return {
    run: { id: runId, flowId, version, admission, parentStepId, trace, createdAt },
    status: result.status === 'failed' ? 'failed' : 'succeeded',
  };
}

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
