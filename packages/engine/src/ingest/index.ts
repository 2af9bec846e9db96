// ingest/: where an event becomes runs — webhook routing, accepting within the time limit, the group commit
// that writes concurrent events together, and starting runs (with their pure first steps run inline).
export {
  acceptStatement,
  acceptTransaction,
  busyRefusal,
  canAcceptInOneStatement,
  enqueueAccepted,
  withDatabase,
} from './accept.js';
export type { EventInsert, IngestResult } from './event-batch.js';
export { insertEventsWithRuns } from './event-batch.js';
export type { GroupCommitOptions } from './group-commit.js';
export { GroupCommit } from './group-commit.js';
export type { IngestInput, IngestTarget } from './ingest.js';
export { ingest } from './ingest.js';
export type { PreparedRun, RunInsert, StartedRun, StartRunInput } from './run-start.js';
export { admitPrepared, insertRuns, prepareRun, startRun, writeRuns } from './run-start.js';
export type { WebhookTarget } from './webhook.js';
export { routeWebhook } from './webhook.js';
