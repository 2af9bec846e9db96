// Starting a run inside a transaction: the run row, its trigger step and the first queued steps.
import type { Transaction } from '@tributary/db';
import { newId, schema } from '@tributary/db';
import type { CompiledFlow } from './compiled-flow.js';
import { planAfterOutput } from './planner.js';
import { applyPlan } from './run-state.js';
import type { StepRef } from './step-queue.js';

export interface StartRunInput {
  flow: CompiledFlow;
  eventId: string;
  /** The trigger's output item. */
  item: unknown;
  replayOf?: string;
}

export interface StartedRun {
  id: string;
  flowId: string;
  toEnqueue: StepRef[];
}

/** Creates a run whose trigger step has already produced `item`; returns the steps to enqueue. */
export async function startRun(tx: Transaction, input: StartRunInput): Promise<StartedRun> {
  const { flow, item } = input;
  const runId = newId();
  // the trigger step's id is taken before the plan's, so steps sort in the order they happened
  const triggerStepId = newId();
  const triggerOutput = { main: [item] };
  const plan = planAfterOutput(flow, {}, new Map(), flow.trigger.id, triggerOutput, newId);
  const now = new Date();
  const finished = !plan.steps.some((s) => s.status === 'queued' || s.status === 'pending');
  await tx.insert(schema.runs).values({
    id: runId,
    flowId: flow.flowId,
    version: flow.version,
    eventId: input.eventId,
    status: finished ? 'succeeded' : 'queued',
    edgeState: plan.edgeState,
    replayOf: input.replayOf ?? null,
    startedAt: now,
    finishedAt: finished ? now : null,
  });
  await tx.insert(schema.steps).values({
    id: triggerStepId,
    runId,
    nodeId: flow.trigger.id,
    name: flow.trigger.name,
    type: flow.trigger.type,
    status: 'succeeded',
    input: null,
    output: triggerOutput,
    startedAt: now,
    finishedAt: now,
    durationMs: 0,
  });
  const toEnqueue = await applyPlan(tx, { id: runId }, flow, plan, plan.edgeState);
  return { id: runId, flowId: flow.flowId, toEnqueue };
}
