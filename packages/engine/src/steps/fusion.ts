// Step fusion, the executor's half: the pure steps a plan queued run inline, in the transaction that planned
// them, instead of each getting a job, a claim and a transaction of its own — after a completion (transitions)
// and while an event is accepted (ingest). Each still becomes a step row of its own with its input, output,
// one attempt and its timing, so run history reads exactly as if each had run alone. Which steps qualify is
// the planner's decision (plan/inline.ts); steps with side effects or waits, and items of a split, keep
// their own job and retry boundary. Measured reason (issue 6): a job, a claim and a transaction per pure step
// cost several times the step itself.
import type { EmptyExpression } from '@tributary/db';
import { isoString, newId } from '@tributary/db';
import { copyWith, TributaryError } from '@tributary/flow';
import type { NodeOutput } from '@tributary/nodes';
import type { CompiledFlow, EngineContext } from '../core/index.js';
import {
  endStepSpan,
  isDatabaseError,
  isUntranslatableText,
  startStepSpan,
  withSpan,
} from '../core/index.js';
import type { PendingJoin, Plan, PlannedStep } from '../plan/index.js';
import { foldPlan, inlineable, planAfterOutput, trackJoins } from '../plan/index.js';
import type { RunView, ScopeSource, StepResult } from './attempt.js';
import { executeNode } from './execute.js';
import { classifyError } from './retry-policy.js';

/** What running a plan's pure steps inline needs. */
export interface InlineRun {
  ctx: EngineContext;
  flow: CompiledFlow;
  run: RunView;
  /** The run's pending joins as the plan found them. */
  joins: ReadonlyMap<string, PendingJoin>;
  /** Without `db` (at ingest, before anything of the run is stored) the scope comes from here alone. */
  source: ScopeSource;
  /** Time after which no further step starts inline; 0 runs none. */
  budgetMs: number;
}

/**
 * Runs the pure steps `plan` queued (and the pure steps their outputs queue, and so on) inline, within the
 * settings' step count and the budget, and returns the plan with their results folded in: inline steps are
 * `succeeded` with their output and timing, and what they lead to is planned as usual. A step that throws
 * is left `queued`, so its own job runs it again with retries and, failing still, a dead letter.
 */
export async function runInline(plan: Plan, inline: InlineRun): Promise<Plan> {
  const { ctx, flow, source, budgetMs } = inline;
  const { fuseMaxSteps } = ctx.settings;
  if (fuseMaxSteps <= 0 || budgetMs <= 0) return plan;
  const stored = source.db !== undefined;
  const todo = plan.steps.filter((s) => inlineable(flow, s, stored));
  if (todo.length === 0) return plan;
  const merged: Plan = {
    steps: [...plan.steps],
    joinUpdates: [...plan.joinUpdates],
    edgeState: plan.edgeState,
  };
  const joins = new Map(inline.joins);
  trackJoins(joins, plan);
  const unsaved = new Map<string, StepResult>(source.unsaved);
  const deadline = performance.now() + budgetMs;
  let ran = 0;
  for (let step = todo.shift(); step; step = todo.shift()) {
    if (ran >= fuseMaxSteps || performance.now() > deadline) break;
    // a later plan may have changed it (a join that another branch reached)
    if (!inlineable(flow, step, stored)) continue;
    const output = await runOne(inline, step, copyWith(source, { unsaved }));
    if (!output) continue;
    ran++;
    const from = { nodeId: step.nodeId, stepId: step.id };
    const next = planAfterOutput(flow, merged.edgeState, joins, from, output, newId);
    todo.push(...foldPlan(flow, merged, next, joins, stored));
  }
  if (ran > 0) ctx.metrics.stepsFused.inc(ran);
  return merged;
}

/**
 * Writes with the pure steps inline, and when Postgres refuses text one of them made (a \u0000 in JSON),
 * writes again without them: then only the step that made the text fails, on its own job. `write` gets the
 * inline budget to use.
 */
export async function withInlineFallback<T>(
  budgetMs: number,
  write: (budgetMs: number) => Promise<T>,
): Promise<T> {
  if (budgetMs <= 0) return write(0);
  try {
    return await write(budgetMs);
  } catch (err) {
    if (!isUntranslatableText(err)) throw err;
    return write(0);
  }
}

/** Runs one planned step's node; on success marks the step succeeded and returns its output. */
async function runOne(
  { ctx, flow, run }: InlineRun,
  step: PlannedStep,
  source: ScopeSource & { unsaved: Map<string, StepResult> },
): Promise<NodeOutput | undefined> {
  const node = flow.nodes.get(step.nodeId);
  const type = flow.types.get(step.nodeId);
  if (!node || !type) return undefined;
  const startedAt = new Date();
  const started = performance.now();
  const attempt = { n: 1, startedAt: isoString(startedAt), finishedAt: null, error: null };
  const executable = {
    id: step.id,
    runId: run.id,
    nodeId: step.nodeId,
    input: step.input,
    state: null,
    attempts: [attempt],
  };
  // a fused step is a step all the same: it gets a span of its own (when tracing is on)
  const span = ctx.tracing
    ? startStepSpan(ctx.tracing, { flow, run, node, type, step: executable }, true, startedAt)
    : undefined;
  let emptyExpressions: EmptyExpression[] | undefined;
  const observer = {
    onEmptyExpressions: (found: EmptyExpression[]) => {
      emptyExpressions = found;
    },
  };
  try {
    const delivery = { ctx, flow, run, node, type, step: executable, source };
    const output = await (span
      ? withSpan(span, () => executeNode(delivery, observer))
      : executeNode(delivery, observer));
    if (span) endStepSpan(span, 'succeeded');
    const durationMs = performance.now() - started;
    step.status = 'succeeded';
    step.output = output;
    step.ran = { startedAt, finishedAt: new Date(), durationMs: Math.round(durationMs), emptyExpressions };
    source.unsaved.set(node.name, { input: step.input, output });
    ctx.metrics.stepDuration.observe({ type: type.type, status: 'succeeded' }, durationMs / 1000);
    return output;
  } catch (err) {
    if (span) {
      const { code, message } = classifyError(err);
      endStepSpan(span, 'left for its job', { code, message });
    }
    // the transaction itself is in trouble: let the whole completion fail and be delivered again
    if (!(err instanceof TributaryError) && isDatabaseError(err)) throw err;
    ctx.logger.debug(
      { runId: run.id, stepId: step.id, nodeId: step.nodeId, err },
      'inline step failed; it runs again as a job of its own',
    );
    return undefined;
  }
}
