// backfill/: the stored events of a time range replayed into a published flow version as new runs, a batch at a
// time by a job any process runs, paced by the flow's admission and a bound on its own open runs.
export type { BackfillPassOptions } from './advance.js';
export {
  advanceBackfill,
  advanceBackfills,
  DEFAULT_BACKFILL_PASS_OPTIONS,
  startBackfillJob,
} from './advance.js';
export type { BackfillRequest, BackfillView } from './backfills.js';
export {
  cancelBackfill,
  DEFAULT_BACKFILL_MAX_IN_FLIGHT,
  getBackfill,
  listBackfills,
  MAX_BACKFILL_MAX_IN_FLIGHT,
  startBackfill,
} from './backfills.js';
export type { BackfillFilter } from './filter.js';
export { BACKFILL_TRIGGER_KINDS } from './trigger-events.js';
