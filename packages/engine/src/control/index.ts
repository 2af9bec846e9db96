// control/: what people do to runs after the fact — replay, test runs of a draft, and redrive of dead letters —
// the error flow a failed run starts, and the runs sub-flow steps start.

export type { DiscardResult } from './discard.js';
export { discardDeadLetters } from './discard.js';
export { startTestRun } from './draft-runs.js';
export type { ErrorFlowItem } from './error-flow.js';
export { ERROR_FLOW_SOURCE, startErrorFlow } from './error-flow.js';
export type { RedriveOptions } from './redrive.js';
export { redrive, redriveMany } from './redrive.js';
export { replayRun } from './replay.js';
export { callSubFlow, SUB_FLOW_SOURCE } from './sub-flows.js';
