// Step fusion, the planner's half: which planned steps may run inline (in the transaction that planned them)
// and how a plan grows as they do. Pure; steps/fusion.ts runs the nodes.
import type { CompiledFlow } from '../core/index.js';
import type { JoinState, PendingJoin, Plan, PlannedStep } from './planner.js';

/**
 * Whether a planned step may run inline: queued, of a pure node type, outside any split's scope. Before the
 * run is stored (`stored` false, at ingest, when nothing is read from the database) a node that reads the
 * profile or a variable waits for its own job.
 */
export function inlineable(flow: CompiledFlow, step: PlannedStep, stored: boolean): boolean {
  if (step.status !== 'queued') return false;
  // an item of a split keeps its own job: the split's concurrency limit and held siblings depend on it
  if (step.state && 'scope' in step.state && step.state.scope !== undefined) return false;
  const type = flow.types.get(step.nodeId);
  if (type?.traits.pure !== true || type.run === undefined) return false;
  if (stored) return true;
  const reads = flow.reads.get(step.nodeId);
  return !(flow.usesProfile && reads?.profile !== false) && reads?.vars === false;
}

/** Keeps an in-memory view of the run's pending joins in step with a plan. */
export function trackJoins(joins: Map<string, PendingJoin>, plan: Plan): void {
  const states: Array<{ stepId: string; status: string; state: JoinState }> = [
    ...plan.joinUpdates,
    ...plan.steps.flatMap((s) =>
      s.state && 'joinKey' in s.state ? [{ stepId: s.id, status: s.status, state: s.state }] : [],
    ),
  ];
  for (const { stepId, status, state } of states) {
    if (status === 'pending') {
      joins.set(state.joinKey, { stepId, arrivals: state.arrivals, expected: state.expected });
    } else {
      joins.delete(state.joinKey);
    }
  }
}

/**
 * Folds `next` — what followed an inline step's output — into `plan`, in place, and keeps `joins` in step.
 * A join this same fusion created is not written yet, so it is updated in place rather than by a join
 * update. Returns the steps that became inlineable.
 */
export function foldPlan(
  flow: CompiledFlow,
  plan: Plan,
  next: Plan,
  joins: Map<string, PendingJoin>,
  stored: boolean,
): PlannedStep[] {
  plan.edgeState = next.edgeState;
  plan.steps.push(...next.steps);
  const ready = next.steps.filter((s) => inlineable(flow, s, stored));
  for (const update of next.joinUpdates) {
    const local = plan.steps.find((s) => s.id === update.stepId);
    if (local) {
      Object.assign(local, { status: update.status, input: update.input, state: update.state });
      if (inlineable(flow, local, stored)) ready.push(local);
    } else {
      plan.joinUpdates = plan.joinUpdates.filter((u) => u.stepId !== update.stepId);
      plan.joinUpdates.push(update);
    }
  }
  trackJoins(joins, next);
  return ready;
}
