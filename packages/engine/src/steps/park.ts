// Parking a step that asked to sleep or to wait for an event: the step waits in Postgres, its job is delayed.
import { FINAL_RUN_STATUSES, isIn, schema } from '@tributary/db';
import { eq } from 'drizzle-orm';
import type { HeldState } from '../sending/index.js';
import {
  findMatchingEvent,
  insertWait,
  type SleepSignal,
  type SubFlowWaitSignal,
  settleWait,
  type WaitSignal,
  wakeSteps,
} from '../waits/index.js';
import type { Delivery } from './attempt.js';
import { parkStep } from './transitions.js';

/** What the job should do after this delivery: nothing more, or run again at `at`. */
export type StepOutcome = { kind: 'done' } | { kind: 'later'; at: number };

export const DONE: StepOutcome = { kind: 'done' };

/** ctx.sleep(): parks the step until the wake-up time; the job is delayed until then. */
export async function parkForSleep(delivery: Delivery, signal: SleepSignal): Promise<StepOutcome> {
  const parked = await parkStep(delivery, new Date(signal.wakeAt));
  return parked.kind === 'applied' ? { kind: 'later', at: signal.wakeAt } : DONE;
}

/** A sending rule (quiet hours, a frequency cap in wait mode) delays the step: park it until `until`. */
export async function parkForSendingRule(
  delivery: Delivery,
  until: Date,
  held: HeldState,
): Promise<StepOutcome> {
  const parked = await parkStep(delivery, until, undefined, { held });
  return parked.kind === 'applied' ? { kind: 'later', at: until.getTime() } : DONE;
}

/**
 * Parks a wait-for-event step and records its wait in one transaction, then looks into the event log once
 * more: an event committed while we parked was not visible to the first look, and its own post-commit
 * check may not have seen our wait yet. Whichever side commits last sees the other.
 */
export async function parkForEvent(delivery: Delivery, signal: WaitSignal): Promise<StepOutcome> {
  const { ctx, run, step } = delivery;
  let waitId = '';
  const parked = await parkStep(delivery, signal.wait.expiresAt, async (tx) => {
    waitId = await insertWait(tx, { ...signal.wait, runId: run.id, stepId: step.id, flowId: run.flowId });
  });
  if (parked.kind !== 'applied') return DONE;
  const { wait } = signal;
  const since = new Date(signal.startedAt - wait.lookbackMs);
  const event = await findMatchingEvent(ctx, wait.eventNames, wait.matchExpression, wait.correlation, since);
  if (event && (await settleWait(ctx.db, waitId, { status: 'received', eventId: event.id }))) {
    await wakeSteps(ctx, [{ stepId: step.id, runId: run.id }]);
  }
  return { kind: 'later', at: signal.wakeAt };
}

/**
 * Parks a sub-flow step until its child run ends (which makes it due: runs/parent-step.ts) or its deadline.
 * The transaction that ends the child wakes the parent step only if it finds it parked, and it looks before
 * it commits; so the park reads the child's status under a share lock first. A child ended and committed
 * shows as ended; a transaction ending it now holds its row, and the read waits for its commit; one that
 * comes later waits for the park's commit and then finds the step parked. Reading after the park's commit
 * instead would miss a child whose ending looked before the park and committed after the read.
 */
export async function parkForSubFlow(delivery: Delivery, signal: SubFlowWaitSignal): Promise<StepOutcome> {
  let childEnded = false;
  const parked = await parkStep(delivery, new Date(signal.wakeAt), async (tx) => {
    const [child] = await tx
      .select({ status: schema.runs.status })
      .from(schema.runs)
      .where(eq(schema.runs.id, signal.childRunId))
      .for('share');
    childEnded = !child || isIn(FINAL_RUN_STATUSES, child.status);
  });
  if (parked.kind !== 'applied') return DONE;
  if (!childEnded) return { kind: 'later', at: signal.wakeAt };
  // due now in Postgres too, or the next delivery's claim would find it parked until its deadline
  await wakeSteps(delivery.ctx, [{ stepId: delivery.step.id, runId: delivery.run.id }]);
  return { kind: 'later', at: Date.now() };
}
