// Run, step and dead-letter statuses as the editor lists and decides by them. Each list and table is checked
// against the status types generated from the API's document: a status added on the server fails to compile here.
import type { DeadLetterStatus, RunStatus, StepStatus } from './types';

/**
 * Returns a function that gives back its list unchanged, and compiles only when the list names every member of
 * `T` (the error names the ones missing).
 */
function everyOf<T extends string>() {
  return <const L extends readonly T[]>(
    list: L & ([Exclude<T, L[number]>] extends [never] ? unknown : { missing: Exclude<T, L[number]> }),
  ): L => list;
}

/** Every run status, in the order a run passes through them. */
export const RUN_STATUSES = everyOf<RunStatus>()([
  'queued',
  'running',
  'waiting',
  'succeeded',
  'failed',
  'canceled',
]);

/** Every dead-letter status, the open one first. */
export const DEAD_LETTER_STATUSES = everyOf<DeadLetterStatus>()(['pending', 'redriven', 'discarded']);

const RUN_IS_FINAL: Record<RunStatus, boolean> = {
  queued: false,
  running: false,
  waiting: false,
  succeeded: true,
  failed: true,
  canceled: true,
};

/** Whether a run in `status` is over: it never changes again. */
export function isFinalRun(status: RunStatus): boolean {
  return RUN_IS_FINAL[status];
}

const STEP_IS_DONE: Record<StepStatus, boolean> = {
  pending: false,
  held: false,
  queued: false,
  running: false,
  waiting: false,
  succeeded: true,
  failed: true,
  dead: true,
  skipped: true,
  canceled: true,
};

/** Whether a step in `status` is done: it runs no more unless it is redriven. */
export function isDoneStep(status: StepStatus): boolean {
  return STEP_IS_DONE[status];
}

/** The status of `statuses` that `value` (e.g. a select's value) names, if any. */
export function statusNamed<S extends string>(statuses: readonly S[], value: string): S | undefined {
  return statuses.find((s) => s === value);
}
