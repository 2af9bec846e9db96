// retention/: deleting finished runs, their steps and the events no run needs once they are older than their
// flow's (or the instance's) retention, in small batches.
export type { RetentionOptions, RetentionPass } from './retention.js';
export { applyRetention, DEFAULT_RETENTION_OPTIONS, startRetention } from './retention.js';
