// core/: the shared leaves every stage stands on — the engine context and settings, flow versions as the
// engine runs them (compiled, cached, the live set), the step queue, row types, errors, time limits, logging,
// metrics, the audit log and the keyring that seals credentials. Nothing here imports a stage.
export { audit } from './audit.js';
export type { CompiledFlow, NodeReads } from './compiled-flow.js';
export { compileFlow, hasErrorEdge, isJoin } from './compiled-flow.js';
export type { EngineContext, EngineSettings } from './context.js';
export { DEFAULT_SETTINGS } from './context.js';
export {
  isCanceledStatement,
  isConnectionError,
  isDatabaseError,
  isUniqueViolation,
  isUntranslatableText,
} from './db-errors.js';
export { enqueueSafely } from './enqueue.js';
export { FlowCache, loadDefinition } from './flow-cache.js';
export type { FlowUser } from './flows-in-use.js';
export { usersOf } from './flows-in-use.js';
export type { Sealed } from './keyring.js';
export { generateEncryptionKey, Keyring, KeyringError, keyIdOf, parseEncryptionKey } from './keyring.js';
export type { LabelValues, LeanHistogramConfig } from './lean-histogram.js';
export { LeanHistogram } from './lean-histogram.js';
export { LiveFlows } from './live-flows.js';
export type { Logger } from './logger.js';
export { createLogger, REDACT_PATHS } from './logger.js';
export type { EngineMetrics } from './metrics.js';
export { createMetrics } from './metrics.js';
export type { PayloadRef, Referenced } from './payload-refs.js';
export { PayloadIndex, referPayload, resolvePayload } from './payload-refs.js';
export { runEvery } from './periodic.js';
export type { EventRow, EventView, RunRow, StepInsert, StepRow, WaitRow } from './rows.js';
export { eventScope } from './rows.js';
export type { StepJobData, StepRef } from './step-queue.js';
export { STEP_QUEUE_NAME, StepQueue } from './step-queue.js';
export { TimeoutError, withTimeout } from './timeouts.js';
export type { IngestSpan, TracedRun, TracedStep, Tracing } from './tracing.js';
export {
  endIngestSpan,
  endRunSpan,
  endStepSpan,
  SPAN_ATTRIBUTES,
  startIngestSpan,
  startRunTrace,
  startStepSpan,
  toTraced,
  withContext,
  withSpan,
} from './tracing.js';
export type { RunAnswer, StoredWebhookResponse } from './webhook-responses.js';
export { firstAnswerOf, responseSummary, webhookAnswerOf } from './webhook-responses.js';
export type { WebhookRoute } from './webhook-routes.js';
export { findWebhookRoute, normaliseHookPath } from './webhook-routes.js';
