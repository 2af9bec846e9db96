// Sleeping and waiting for events inside a step: the signals a node's ctx throws to park its step, and the
// engine side of ctx.waitForEvent() (look in the log, park with a wait row, settle exactly once).
import type { FlowNode } from '@tributary/flow';
import { FatalError, RetryableError } from '@tributary/flow';
import type { NodeType, WaitForEventRequest, WaitOutcome } from '@tributary/nodes';
import type { EngineContext } from '../core/context.js';
import type { RunRow, StepRow } from '../runs/run-state.js';
import type { StepOutcome } from '../steps/pipeline.js';
import { parkStep } from '../steps/transitions.js';
import type { NewWait } from './waits.js';
import {
  findMatchingEvent,
  insertWait,
  outcomeOf,
  receivedOutcome,
  settleWait,
  waitOfStep,
  wakeSteps,
} from './waits.js';

/** Thrown by ctx.sleep() to park the step until `wakeAt` (epoch ms). */
export class SleepSignal {
  readonly wakeAt: number;
  constructor(wakeAt: number) {
    this.wakeAt = wakeAt;
  }
}

/** Thrown by ctx.waitForEvent() the first time: park the step and record the wait. */
export class WaitSignal extends SleepSignal {
  readonly wait: Omit<NewWait, 'runId' | 'stepId' | 'flowId'>;
  /** When the wait began: the lookback window counts back from here. */
  readonly startedAt = Date.now();
  constructor(wait: Omit<NewWait, 'runId' | 'stepId' | 'flowId'>) {
    super(wait.expiresAt.getTime());
    this.wait = wait;
  }
}

/**
 * Parks a wait-for-event step and records its wait in one transaction, then looks into the event log once
 * more: an event committed while we parked was not visible to the first look, and its own post-commit
 * check may not have seen our wait yet. Whichever side commits last sees the other.
 */
export async function parkForEvent(
  ctx: EngineContext,
  run: RunRow,
  step: StepRow,
  token: string,
  signal: WaitSignal,
): Promise<StepOutcome> {
  let waitId = '';
  const parked = await parkStep(ctx, step, token, step.attempts, signal.wait.expiresAt, async (tx) => {
    waitId = await insertWait(tx, { ...signal.wait, runId: run.id, stepId: step.id, flowId: run.flowId });
  });
  if (parked.kind !== 'applied') return { kind: 'done' };
  const { wait } = signal;
  const since = new Date(signal.startedAt - wait.lookbackMs);
  const event = await findMatchingEvent(ctx, wait.eventNames, wait.matchExpression, wait.correlation, since);
  if (event && (await settleWait(ctx.db, waitId, { status: 'received', eventId: event.id }))) {
    await wakeSteps(ctx, [{ stepId: step.id, runId: run.id }]);
  }
  return { kind: 'later', at: signal.wakeAt };
}

/** ctx.waitForEvent(): the outcome once the step has one, else the signal that parks it. */
export async function waitForEventIn(
  ctx: EngineContext,
  step: Pick<StepRow, 'id'>,
  node: FlowNode,
  type: NodeType,
  request: WaitForEventRequest,
): Promise<WaitOutcome> {
  const trait = type.traits.waitsForEvent;
  if (!trait) {
    throw new FatalError(`node "${node.name}" (${type.type}) does not declare that it waits for events`, {
      code: 'not_a_wait',
    });
  }
  // the incoming side evaluates the node's own (unresolved) correlation expression per event
  const matchExpression = trait.correlation(node.config);
  const wait = await waitOfStep(ctx.db, step.id);
  if (!wait) {
    const since = new Date(Date.now() - request.lookbackMs);
    const early = await findMatchingEvent(ctx, request.events, matchExpression, request.key, since);
    if (early) return receivedOutcome(early);
    throw new WaitSignal({
      eventNames: request.events,
      correlation: request.key,
      matchExpression,
      lookbackMs: request.lookbackMs,
      expiresAt: new Date(Date.now() + request.timeoutMs),
    });
  }
  const settled = await outcomeOf(ctx.db, wait);
  if (settled) return settled;
  if (wait.expiresAt.getTime() > Date.now() + 50) throw new SleepSignal(wait.expiresAt.getTime());
  // time is up: one last look, so an event that raced the timeout still wins if it is in the log
  const since = new Date(wait.createdAt.getTime() - wait.lookbackMs);
  const late = await findMatchingEvent(ctx, wait.eventNames, wait.matchExpression, wait.correlation, since);
  const outcome = late
    ? ({ status: 'received', eventId: late.id } as const)
    : ({ status: 'timeout' } as const);
  await settleWait(ctx.db, wait.id, outcome);
  const final = await outcomeOf(ctx.db, (await waitOfStep(ctx.db, step.id)) ?? wait);
  if (!final) throw new RetryableError('the wait could not be settled', { code: 'wait_unsettled' });
  return final;
}
