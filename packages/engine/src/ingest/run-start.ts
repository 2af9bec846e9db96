// Starting a run inside a transaction: the run row, its trigger step and the first queued steps.
import type { Transaction } from '@tributary/db';
import { jsonRows, newId, schema } from '@tributary/db';
import { sql } from 'drizzle-orm';
import type { CompiledFlow } from '../core/compiled-flow.js';
import type { EngineContext } from '../core/context.js';
import { planAfterOutput } from '../plan/planner.js';
import type { StepInsert } from '../runs/run-state.js';
import { insertSteps, planStepRows } from '../runs/run-state.js';
import { fusePlan } from '../steps/fusion.js';
import type { StepRef } from '../core/step-queue.js';
import type { EventRow } from '../waits/waits.js';
import { correlationOf } from '../waits/waits.js';

export interface StartRunInput {
  flow: CompiledFlow;
  /** The triggering event (for `$event` in the exit-goal correlation). */
  event: Pick<EventRow, 'id' | 'source' | 'type' | 'receivedAt' | 'payload'>;
  /** The trigger's output item. */
  item: unknown;
  replayOf?: string;
}

export interface StartedRun {
  id: string;
  flowId: string;
  toEnqueue: StepRef[];
}

export type RunInsert = typeof schema.runs.$inferInsert;

/** Planned statuses that keep a run open. */
const OPEN = new Set(['queued', 'pending', 'held']);

/** A run worked out in memory (no I/O): its row, its steps' rows and the steps to enqueue once written. */
export interface PreparedRun {
  run: RunInsert & { id: string; flowId: string };
  steps: StepInsert[];
  toEnqueue: StepRef[];
}

/**
 * Works out a run whose trigger step has already produced `item`, ready to insert. Given the whole engine
 * context (`fuse`), the pure steps right after the trigger run now, within the ingest fusion budget, so a
 * run of pure nodes is stored finished.
 */
export async function prepareRun(
  ctx: Pick<EngineContext, 'settings'>,
  input: StartRunInput,
  fuse?: EngineContext,
): Promise<PreparedRun> {
  const { flow, item } = input;
  const exitOn = flow.definition.settings.exitOn;
  const exitKey = exitOn ? await correlationOf(ctx, exitOn.correlation, input.event) : undefined;
  const runId = newId();
  // the trigger step's id is taken before the plan's, so steps sort in the order they happened
  const triggerStepId = newId();
  const triggerOutput = { main: [item] };
  const planned = planAfterOutput(
    flow,
    {},
    new Map(),
    { nodeId: flow.trigger.id, stepId: triggerStepId },
    triggerOutput,
    newId,
  );
  const plan = fuse
    ? await fusePlan(
        fuse,
        { id: runId, flowId: flow.flowId, version: flow.version, eventId: input.event.id },
        flow,
        planned,
        new Map(),
        {
          event: input.event,
          unsaved: new Map([[flow.trigger.name, { input: null, output: triggerOutput }]]),
        },
        fuse.settings.ingestFuseBudgetMs,
      )
    : planned;
  const now = new Date();
  const finished = !plan.steps.some((s) => OPEN.has(s.status));
  // the trigger step goes in with the plan's steps: one insert for all of them
  plan.steps.unshift({
    id: triggerStepId,
    nodeId: flow.trigger.id,
    status: 'succeeded',
    input: null,
    output: triggerOutput,
  });
  const { rows, toEnqueue } = planStepRows(runId, flow, plan);
  return {
    run: {
      id: runId,
      flowId: flow.flowId,
      version: flow.version,
      eventId: input.event.id,
      status: finished ? 'succeeded' : 'queued',
      exitKey: exitKey ?? null,
      edgeState: plan.edgeState,
      replayOf: input.replayOf ?? null,
      // set here, not by the database, so a run finished while being accepted never ends before it began
      createdAt: now,
      startedAt: now,
      finishedAt: finished ? now : null,
    },
    steps: rows,
    toEnqueue,
  };
}

/** Inserts prepared runs and their steps: one statement for the runs and one for the steps. */
export async function insertRuns(tx: Transaction, runs: readonly PreparedRun[]): Promise<void> {
  if (runs.length === 0) return;
  const { columns, select } = jsonRows(
    schema.runs,
    runs.map((r) => r.run),
  );
  await tx.execute(sql`insert into ${schema.runs} ${columns} ${select}`);
  await insertSteps(
    tx,
    runs.flatMap((r) => r.steps),
  );
}

/** Creates a run whose trigger step has already produced `item`; returns the steps to enqueue. */
export async function startRun(
  tx: Transaction,
  ctx: Pick<EngineContext, 'settings'>,
  input: StartRunInput,
): Promise<StartedRun> {
  const prepared = await prepareRun(ctx, input);
  await insertRuns(tx, [prepared]);
  return { id: prepared.run.id, flowId: prepared.run.flowId, toEnqueue: prepared.toEnqueue };
}
