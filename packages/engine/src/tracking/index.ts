// tracking/: Segment-compatible tracking — sources and their write keys, a batch of calls accepted in one
// transaction (profiles, runs of matching tracking triggers), then waits resumed and exit goals applied.
export type { TrackingMessage, TrackingResult } from './ingest-tracking.js';
export {
  changedTraits,
  eventNameOf,
  ingestTracking,
  TRACKING_SOURCE_PREFIX,
  trackingAfterWorkDone,
  trackingTriggerMatches,
} from './ingest-tracking.js';
export type { PlanBreach, PlanCheck } from './plan-check.js';
export { checkTrackingPlan } from './plan-check.js';
export type { SampleEvent } from './sample-event.js';
export { sampleTrackingEvent } from './sample-event.js';
export type { SourceView, SourceWithKey, WriteKeyResolution } from './sources.js';
export {
  createSource,
  generateWriteKey,
  getSource,
  listSources,
  lookUpWriteKey,
  resolveWriteKey,
  rotateWriteKey,
  setSourceStatus,
} from './sources.js';
export type { EventSchemaVersion, EventSchemaView } from './tracking-plan.js';
export {
  deleteEventSchema,
  eventSchemaVersions,
  listEventSchemas,
  putEventSchema,
  setSourcePlan,
} from './tracking-plan.js';
