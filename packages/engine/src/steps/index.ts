// steps/: running steps — the BullMQ worker, one delivery as a pipeline (claim → resolve scope → execute →
// transition), retries, parking for time and events, and step fusion's executor.
export type { RunView, ScopeSource, StepError, StepResult } from './attempt.js';
export type { InlineRun } from './fusion.js';
export { runInline, withInlineFallback } from './fusion.js';
export type { StepOutcome } from './park.js';
export { runStep } from './pipeline.js';
export { classifyError, effectivePolicy, hasAttemptsLeft, retryDelayMs } from './retry-policy.js';
export type { StepWorkerOptions } from './worker.js';
export { DEFAULT_WORKER_OPTIONS, startStepWorker } from './worker.js';
