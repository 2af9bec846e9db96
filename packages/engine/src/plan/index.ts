// plan/: the scheduling decisions, pure — which steps a node's output creates, joins, "skipped"
// propagation, split scopes, and which planned steps may run inline (step fusion's decision).
export { foldPlan, inlineable, trackJoins } from './inline.js';
export type {
  EdgeState,
  JoinArrival,
  JoinState,
  JoinUpdate,
  PendingJoin,
  Plan,
  PlannedStatus,
  PlannedStep,
  PlanSource,
  Scope,
} from './planner.js';
export { edgeKey, joinKey, planAfterOutput } from './planner.js';
