// recovery/: the sweeper — steps Postgres says are open but Redis has no job for are enqueued again, and
// RedisLossWatch, which tells it when Redis may have lost jobs.
export type { FullCheckReason } from './redis-watch.js';
export { RedisLossWatch } from './redis-watch.js';
export type { SweepOptions, SweepScope, SweepState } from './sweeper.js';
export {
  admitStranded,
  DEFAULT_SWEEP_OPTIONS,
  newSweepState,
  startSweeper,
  sweep,
  sweepPass,
} from './sweeper.js';
