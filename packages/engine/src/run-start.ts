// Starting a run inside a transaction: the run row, its trigger step and the first queued steps.
import type { Transaction } from '@tributary/db';
import { newId, schema } from '@tributary/db';
import type { CompiledFlow } from './compiled-flow.js';
import type { EngineContext } from './engine-context.js';
import { planAfterOutput } from './planner.js';
import { applyPlan } from './run-state.js';
import type { StepRef } from './step-queue.js';
import type { EventRow } from './waits.js';
import { correlationOf } from './waits.js';

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

/** Creates a run whose trigger step has already produced `item`; returns the steps to enqueue. */
export async function startRun(
  tx: Transaction,
  ctx: Pick<EngineContext, 'settings'>,
  input: StartRunInput,
): Promise<StartedRun> {
  const { flow, item } = input;
  const exitOn = flow.definition.settings.exitOn;
  const exitKey = exitOn ? await correlationOf(ctx, exitOn.correlation, input.event) : undefined;
  const runId = newId();
  // the trigger step's id is taken before the plan's, so steps sort in the order they happened
  const triggerStepId = newId();
  const triggerOutput = { main: [item] };
  const plan = planAfterOutput(
    flow,
    {},
    new Map(),
    { nodeId: flow.trigger.id, stepId: triggerStepId },
    triggerOutput,
    newId,
  );
  const now = new Date();
  const finished = !plan.steps.some((s) => s.status === 'queued' || s.status === 'pending');
  await tx.insert(schema.runs).values({
    id: runId,
    flowId: flow.flowId,
    version: flow.version,
    eventId: input.event.id,
    status: finished ? 'succeeded' : 'queued',
    exitKey: exitKey ?? null,
    edgeState: plan.edgeState,
    replayOf: input.replayOf ?? null,
    startedAt: now,
    finishedAt: finished ? now : null,
  });
  // the trigger step goes in with the plan's steps: one insert for all of them
  plan.steps.unshift({
    id: triggerStepId,
    nodeId: flow.trigger.id,
    status: 'succeeded',
    input: null,
    output: triggerOutput,
  });
  const toEnqueue = await applyPlan(tx, { id: runId }, flow, plan, plan.edgeState);
  return { id: runId, flowId: flow.flowId, toEnqueue };
}
