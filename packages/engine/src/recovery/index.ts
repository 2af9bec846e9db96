// recovery/: the sweeper — steps Postgres says are open but Redis has no job for are enqueued again.
export type { SweepOptions } from './sweeper.js';
export { admitStranded, DEFAULT_SWEEP_OPTIONS, startSweeper, sweep } from './sweeper.js';
