// Every status a run, step or dead letter can have, and the sets the engine, API and editor decide by: each
// defined once here, beside the columns that hold them.

/** Statuses of a run, in the order a run passes through them. */
export const RUN_STATUSES = ['queued', 'running', 'waiting', 'succeeded', 'failed', 'canceled'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

/** A run in one of these goes on; one in any other status is over and never changes again. */
export const OPEN_RUN_STATUSES = ['queued', 'running', 'waiting'] as const satisfies readonly RunStatus[];
/** A run in one of these is over. */
export const FINAL_RUN_STATUSES = ['succeeded', 'failed', 'canceled'] as const satisfies readonly RunStatus[];

/**
 * Statuses of a backfill: `running` while it still starts runs or runs it started are open; `done` once every
 * event of its range was looked at and its runs ended; `canceled` by someone (runs already started go on);
 * `failed` when it cannot go on (its flow was deleted).
 */
export const BACKFILL_STATUSES = ['running', 'done', 'canceled', 'failed'] as const;
export type BackfillStatus = (typeof BACKFILL_STATUSES)[number];

/** Statuses of a step. */
export const STEP_STATUSES = [
  /** A join waiting for branches. */
  'pending',
  /** An item of a split held back by the split's concurrency limit. */
  'held',
  'queued',
  'running',
  'waiting',
  'succeeded',
  'failed',
  'dead',
  'skipped',
  'canceled',
] as const;
export type StepStatus = (typeof STEP_STATUSES)[number];

/**
 * Steps that keep their run open: work that will still happen. A pending join is not among them: it waits
 * for a branch that is itself open, or that died, and then the run must be able to end (failed).
 */
export const OPEN_STEP_STATUSES = [
  'queued',
  'running',
  'waiting',
  'held',
] as const satisfies readonly StepStatus[];
/** Steps a cancel ends: the open ones and pending joins. */
export const CANCELABLE_STEP_STATUSES = [
  'pending',
  ...OPEN_STEP_STATUSES,
] as const satisfies readonly StepStatus[];
/** Steps a delivery may claim. */
export const CLAIMABLE_STEP_STATUSES = ['queued', 'waiting'] as const satisfies readonly StepStatus[];

/** Statuses of a dead letter. */
export const DEAD_LETTER_STATUSES = ['pending', 'redriven', 'discarded'] as const;
export type DeadLetterStatus = (typeof DEAD_LETTER_STATUSES)[number];

/** Whether a status is one of `set` (a type guard over the set's members). */
export function isIn<S extends string>(set: readonly S[], status: string): status is S {
  return (set as readonly string[]).includes(status);
}
