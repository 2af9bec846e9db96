// Starting a run: its row, its trigger step and the first steps — worked out in memory (with the pure steps
// after the trigger run inline when the caller gives them a budget), then inserted.
import type { Transaction } from '@tributary/db';
import { isIn, jsonRows, newId, OPEN_STEP_STATUSES, schema } from '@tributary/db';
import { sql } from 'drizzle-orm';
import type { CompiledFlow, EngineContext, EventView, StepInsert, StepRef } from '../core/index.js';
import { PayloadIndex, startRunTrace } from '../core/index.js';
import { planAfterOutput } from '../plan/index.js';
import type { AdmissionContext, LockMode } from '../runs/index.js';
import { admitWaiting, isGated, planStepRows } from '../runs/index.js';
import { runInline } from '../steps/index.js';
import { correlationOf } from '../waits/index.js';
import { runKeysOf } from './run-key.js';

export interface StartRunInput {
  flow: CompiledFlow;
  /** The triggering event (for `$event`, and for the exit-goal correlation). */
  event: EventView;
  /** The trigger's output item. */
  item: unknown;
  replayOf?: string;
  /** The backfill that starts this run from its stored event (backfill/). */
  backfillId?: string;
  /** The sub-flow step that calls this run (control/sub-flows.ts), and how deep the call is. */
  parent?: { runId: string; stepId: string; depth: number };
  /**
   * How long the pure steps right after the trigger may run inline (from the event and trigger output at
   * hand, before anything is stored), so a run of pure nodes is stored finished; 0 or absent: none.
   */
  inlineBudgetMs?: number;
}

export interface StartedRun {
  id: string;
  flowId: string;
  toEnqueue: StepRef[];
}

export type RunInsert = typeof schema.runs.$inferInsert;

/** A run worked out in memory: its row, its steps' rows and the steps to enqueue once written. */
export interface PreparedRun {
  run: RunInsert & { id: string; flowId: string };
  steps: StepInsert[];
  toEnqueue: StepRef[];
}

/** Works out a run whose trigger step has already produced `item`, ready to insert. */
export async function prepareRun(ctx: EngineContext, input: StartRunInput): Promise<PreparedRun> {
  const { flow, item, event } = input;
  const exitOn = flow.definition.settings.exitOn;
  const exitKey = exitOn ? await correlationOf(ctx, exitOn.correlation, event) : undefined;
  // a run that waits for its turn runs nothing before it (not even pure steps inline): its steps' times are
  // when it really ran. Test runs of a draft (negative versions) never wait behind the flow's real runs.
  const gated = flow.version >= 0 && isGated(flow.definition.settings);
  const keys = gated ? await runKeysOf(ctx, flow.definition.settings, event, item) : undefined;
  const runId = newId();
  // a child of the active span (the ingest request's, a calling step's); undefined when tracing is off
  const trace = startRunTrace(ctx.tracing);
  // the trigger step's id is taken before the plan's, so steps sort in the order they happened
  const triggerStepId = newId();
  const triggerOutput = { main: [item] };
  const from = { nodeId: flow.trigger.id, stepId: triggerStepId };
  const planned = planAfterOutput(flow, {}, new Map(), from, triggerOutput, newId);
  const plan = await runInline(planned, {
    ctx,
    flow,
    run: { id: runId, flowId: flow.flowId, version: flow.version, eventId: event.id, trace: trace ?? null },
    joins: new Map(),
    source: { event, unsaved: new Map([[flow.trigger.name, { input: null, output: triggerOutput }]]) },
    budgetMs: gated ? 0 : (input.inlineBudgetMs ?? 0),
  });
  const now = new Date();
  const finished = !plan.steps.some((s) => isIn(OPEN_STEP_STATUSES, s.status));
  // the trigger step goes in with the plan's steps: one insert for all of them
  plan.steps.unshift({
    id: triggerStepId,
    nodeId: flow.trigger.id,
    status: 'succeeded',
    input: null,
    output: triggerOutput,
  });
  // the steps' inputs and outputs hold the payload's parts by reference, not as copies
  const { rows, toEnqueue } = planStepRows(runId, flow, plan, new PayloadIndex(event.payload));
  const waits = gated && !finished;
  if (waits) {
    // held until the run is admitted (runs/admission.ts), which queues and enqueues them
    for (const row of rows) if (row.status === 'queued') row.status = 'held';
  }
  return {
    run: {
      id: runId,
      flowId: flow.flowId,
      version: flow.version,
      eventId: event.id,
      status: finished ? 'succeeded' : 'queued',
      exitKey: exitKey ?? null,
      // only runs started while tracing is on carry it: the rows of the others stay as they were
      ...(trace ? { trace } : {}),
      edgeState: plan.edgeState,
      replayOf: input.replayOf ?? null,
      ...(input.backfillId ? { backfillId: input.backfillId } : {}),
      ...(input.parent
        ? { parentRunId: input.parent.runId, parentStepId: input.parent.stepId, depth: input.parent.depth }
        : {}),
      // only runs of such flows carry these columns: the rows (and statements) of the others stay as they were
      ...(keys ? { ...keys, admission: waits ? 'waiting' : null } : {}),
      // set here, not by the database, so a run finished while being accepted never ends before it began;
      // a waiting run starts when it is admitted
      createdAt: now,
      startedAt: waits ? null : now,
      finishedAt: finished ? now : null,
    },
    steps: rows,
    toEnqueue: waits ? [] : toEnqueue,
  };
}

/**
 * Inserts prepared runs and their steps, in one statement. Runs that wait for
 * their turn are admitted at once when their flow has room — with `lock: 'try'`, only when no other admission
 * is under way (else the next one, a run of the flow ending, or the sweeper's next pass admits them). Pass
 * `'wait'` only from a transaction that holds no flow's admission lock. Returns the steps of the runs
 * admitted, to enqueue after commit.
 */
export async function insertRuns(
  tx: Transaction,
  ctx: AdmissionContext,
  runs: readonly PreparedRun[],
  lock: LockMode = 'try',
): Promise<StepRef[]> {
  await writeRuns(tx, runs);
  // started inside other work (a failing run's error flow holds its own flow's lock): by default only try
  return admitPrepared(tx, ctx, runs, lock);
}

/**
 * Inserts prepared runs and their steps in one statement, admitting none: the caller admits them with
 * `admitPrepared`, once for all the runs of its transaction (flows' admission locks in one order).
 */
export async function writeRuns(tx: Transaction, runs: readonly PreparedRun[]): Promise<void> {
  if (runs.length === 0) return;
  const runRows = jsonRows(
    schema.runs,
    runs.map((r) => r.run),
  );
  const steps = runs.flatMap((r) => r.steps);
  if (steps.length === 0) {
    await tx.execute(sql`insert into ${schema.runs} ${runRows.columns} ${runRows.select}`);
  } else {
    // one statement, one round trip: the steps' reference to their run is checked at the statement's end
    const stepRows = jsonRows(schema.steps, steps);
    await tx.execute(
      sql`with new_runs as (insert into ${schema.runs} ${runRows.columns} ${runRows.select})
        insert into ${schema.steps} ${stepRows.columns} ${stepRows.select}`,
    );
  }
}

/**
 * Admits what may start of the waiting runs among `runs` (just inserted in `tx`), a flow at a time in the
 * order of their ids; returns the steps to enqueue after commit.
 */
export async function admitPrepared(
  tx: Transaction,
  ctx: AdmissionContext,
  runs: readonly PreparedRun[],
  lock: LockMode,
): Promise<StepRef[]> {
  const flows = new Map<string, number>();
  for (const r of runs) if (r.run.admission === 'waiting') flows.set(r.run.flowId, r.run.version);
  const released: StepRef[] = [];
  for (const flowId of [...flows.keys()].sort()) {
    released.push(...(await admitWaiting(tx, ctx, flowId, flows.get(flowId) ?? 0, lock)));
  }
  return released;
}

/** Creates a run whose trigger step has already produced `item`, inside `tx`; returns the steps to enqueue. */
export async function startRun(
  tx: Transaction,
  ctx: EngineContext,
  input: StartRunInput,
): Promise<StartedRun> {
  const prepared = await prepareRun(ctx, input);
  const admitted = await insertRuns(tx, ctx, [prepared]);
  return {
    id: prepared.run.id,
    flowId: prepared.run.flowId,
    toEnqueue: [...prepared.toEnqueue, ...admitted],
  };
}
