// The engine side of ctx.waitForEvent(): look in the event log first, else park the step with a wait; once
// woken, the wait's outcome — or, at its timeout, one last look before settling it exactly once.
import { RetryableError } from '@tributary/flow';
import type { WaitForEventRequest, WaitOutcome } from '@tributary/nodes';
import type { EngineContext } from '../core/index.js';
import { SleepSignal, WaitSignal } from './signals.js';
import type { WaitOfStep } from './waits.js';
import { findMatchingEvent, outcomeOf, receivedOutcome, settleWait, waitOfStep } from './waits.js';

/**
 * ctx.waitForEvent() of a step: the outcome once the step has one, else the signal that parks it.
 * `matchExpression` is the node's own correlation expression, evaluated per incoming event. `parked` is the
 * step's wait as the delivery's claim read it, if it did (else it is read here).
 */
export async function waitForEventIn(
  ctx: EngineContext,
  stepId: string,
  matchExpression: string,
  request: WaitForEventRequest,
  parked?: WaitOfStep,
): Promise<WaitOutcome> {
  const found = parked ?? (await waitOfStep(ctx.db, stepId));
  if (!found) {
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
  const settled = outcomeOf(found);
  if (settled) return settled;
  const { wait } = found;
  if (wait.expiresAt.getTime() > Date.now() + 50) throw new SleepSignal(wait.expiresAt.getTime());
  // time is up: one last look, so an event that raced the timeout still wins if it is in the log
  const since = new Date(wait.createdAt.getTime() - wait.lookbackMs);
  const late = await findMatchingEvent(ctx, wait.eventNames, wait.matchExpression, wait.correlation, since);
  const outcome = late
    ? ({ status: 'received', eventId: late.id } as const)
    : ({ status: 'timeout' } as const);
  await settleWait(ctx.db, wait.id, outcome);
  const again = await waitOfStep(ctx.db, stepId);
  const final = again && outcomeOf(again);
  if (!final) throw new RetryableError('the wait could not be settled', { code: 'wait_unsettled' });
  return final;
}
