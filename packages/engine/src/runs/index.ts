// runs/: a run's state as its steps move it — admission under the flow's concurrency limit and partition key,
// the run lock, writing a plan (new steps, joins, edge state), settling the run once nothing of it is open,
// and canceling it.

export type { AdmissionContext, LockMode } from './admission.js';
export { admitWaiting, flowsWithWaitingRuns, isGated, waitingRunCount } from './admission.js';
export type { SettleAfter } from './apply-plan.js';
export { applyPlan, insertSteps, planStepRows, releaseHeldSibling } from './apply-plan.js';
export { cancelRun } from './cancel.js';
export { lockRun, pendingJoins } from './lock.js';
export { settleRun } from './settle.js';
