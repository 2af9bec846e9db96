// control/: what people do to runs after the fact — replay, test runs of a draft, and redrive of dead letters.

export { startTestRun } from './draft-runs.js';
export type { RedriveOptions } from './redrive.js';
export { redrive, redriveMany } from './redrive.js';
export { replayRun } from './replay.js';
