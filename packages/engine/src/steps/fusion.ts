// Step fusion: when a step's outcome is committed, the pure, in-memory nodes that follow it (set, if,
// switch, filter, merge, split) run inline in the same transaction instead of each getting a job, a claim
// and a transaction of its own. Each still becomes a step row of its own, with its input, output, attempt
// and timing, so run history reads exactly as if each had run alone. Steps with side effects or waits, and
// steps inside a split's scope, keep their own job and retry boundary.
import { newId } from '@tributary/db';
import { TributaryError } from '@tributary/flow';
import type { NodeOutput } from '@tributary/nodes';
import type { CompiledFlow } from '../core/compiled-flow.js';
import { isDatabaseError } from '../core/db-errors.js';
import type { EngineContext } from '../core/context.js';
import type { JoinState, PendingJoin, Plan, PlannedStep } from '../plan/planner.js';
import { planAfterOutput } from '../plan/planner.js';
import type { RunView, ScopeSource, StepResult } from './execute.js';
import { executeNode } from './execute.js';

/** Whether a planned step may run inline: queued, of a pure node type, outside any split's scope. */
function fusable(flow: CompiledFlow, step: PlannedStep, stored: boolean): boolean {
  if (step.status !== 'queued') return false;
  // an item of a split keeps its own job: the split's concurrency limit and held siblings depend on it
  if (step.state && 'scope' in step.state && step.state.scope !== undefined) return false;
  const type = flow.types.get(step.nodeId);
  if (type?.traits.pure !== true || type.run === undefined) return false;
  // before the run is stored (at ingest), a node that reads the profile waits for its own job
  return stored || !(flow.usesProfile && flow.reads.get(step.nodeId)?.profile !== false);
}

/** Keeps the in-memory view of the run's pending joins in step with a plan. */
function trackJoins(joins: Map<string, PendingJoin>, plan: Plan): void {
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
 * Runs the pure steps a plan queued (and the pure steps their outputs queue, and so on) inline, within the
 * settings' step count and `budgetMs`, and returns the plan with their results folded in: fused steps are
 * `succeeded` with their output and timing, and what they lead to is planned as usual. A fused step that
 * throws is left `queued`, so its own job runs it again with retries and, failing still, a dead letter.
 * Without `source.db` (at ingest, before anything of the run is stored) the scope comes from `source`.
 */
export async function fusePlan(
  ctx: EngineContext,
  run: RunView,
  flow: CompiledFlow,
  plan: Plan,
  joins: ReadonlyMap<string, PendingJoin>,
  source: ScopeSource,
  budgetMs: number,
): Promise<Plan> {
  const { fuseMaxSteps } = ctx.settings;
  const stored = source.db !== undefined;
  const todo = plan.steps.filter((s) => fusable(flow, s, stored));
  if (fuseMaxSteps <= 0 || budgetMs <= 0 || todo.length === 0) return plan;
  const merged: Plan = {
    steps: [...plan.steps],
    joinUpdates: [...plan.joinUpdates],
    edgeState: plan.edgeState,
  };
  const pendingJoins = new Map(joins);
  trackJoins(pendingJoins, plan);
  const unsaved = new Map<string, StepResult>(source.unsaved);
  const deadline = performance.now() + budgetMs;
  let fused = 0;
  for (let step = todo.shift(); step; step = todo.shift()) {
    if (fused >= fuseMaxSteps || performance.now() > deadline) break;
    // a later plan may have changed it (a join that another branch reached)
    if (!fusable(flow, step, stored)) continue;
    const output = await runInline(ctx, run, flow, step, { ...source, unsaved });
    if (!output) continue;
    fused++;
    const next = planAfterOutput(
      flow,
      merged.edgeState,
      pendingJoins,
      { nodeId: step.nodeId, stepId: step.id },
      output,
      newId,
    );
    merged.edgeState = next.edgeState;
    merged.steps.push(...next.steps);
    todo.push(...next.steps.filter((s) => fusable(flow, s, stored)));
    for (const update of next.joinUpdates) {
      const local = merged.steps.find((s) => s.id === update.stepId);
      if (local) {
        // a join this same fusion created: not written yet, so it is updated in place
        Object.assign(local, { status: update.status, input: update.input, state: update.state });
        if (fusable(flow, local, stored)) todo.push(local);
      } else {
        merged.joinUpdates = merged.joinUpdates.filter((u) => u.stepId !== update.stepId);
        merged.joinUpdates.push(update);
      }
    }
    trackJoins(pendingJoins, next);
  }
  if (fused > 0) ctx.metrics.stepsFused.inc(fused);
  return merged;
}

/** Runs one planned step's node; on success marks the step succeeded and returns its output. */
async function runInline(
  ctx: EngineContext,
  run: RunView,
  flow: CompiledFlow,
  step: PlannedStep,
  source: ScopeSource & { unsaved: Map<string, StepResult> },
): Promise<NodeOutput | undefined> {
  const node = flow.nodes.get(step.nodeId);
  const type = flow.types.get(step.nodeId);
  if (!node || !type) return undefined;
  const startedAt = new Date();
  const started = performance.now();
  const attempt = { n: 1, startedAt: startedAt.toISOString(), finishedAt: null, error: null };
  try {
    const output = await executeNode(
      ctx,
      run,
      flow,
      node,
      type,
      {
        id: step.id,
        runId: run.id,
        nodeId: step.nodeId,
        input: step.input,
        state: null,
        attempts: [attempt],
      },
      node.timeoutMs ?? ctx.settings.stepTimeoutMs,
      source,
    );
    const durationMs = performance.now() - started;
    step.status = 'succeeded';
    step.output = output;
    step.ran = { startedAt, finishedAt: new Date(), durationMs: Math.round(durationMs) };
    source.unsaved.set(node.name, { input: step.input, output });
    ctx.metrics.stepDuration.observe({ type: type.type, status: 'succeeded' }, durationMs / 1000);
    return output;
  } catch (err) {
    // the transaction itself is in trouble: let the whole completion fail and be delivered again
    if (!(err instanceof TributaryError) && isDatabaseError(err)) throw err;
    ctx.logger.debug(
      { runId: run.id, stepId: step.id, nodeId: step.nodeId, err },
      'inline step failed; it runs again as a job of its own',
    );
    return undefined;
  }
}
