// Runs one delivery of a step job: claim, resolve config, run the node under a time limit, then commit
// the outcome (success, retry, sleep or give up) as one guarded transition.
import { randomUUID } from 'node:crypto';
import type { AttemptRecord } from '@tributary/db';
import { schema } from '@tributary/db';
import type { FlowNode } from '@tributary/flow';
import { FatalError, RetryableError, TributaryError } from '@tributary/flow';
import type { NodeType } from '@tributary/nodes';
import { eq } from 'drizzle-orm';
import type { CompiledFlow } from '../core/compiled-flow.js';
import { isUntranslatableText } from '../core/db-errors.js';
import type { EngineContext } from '../core/context.js';
import { enqueueSafely } from '../ingest/ingest.js';
import { effectivePolicy, hasAttemptsLeft, retryDelayMs } from './retry-policy.js';
import type { StepRow } from '../runs/run-state.js';
import { claimStep, extendLease } from './claim.js';
import { executeNode } from './execute.js';
import type { StepError } from './transitions.js';
import { completeStep, giveUpStep, parkStep, scheduleRetry } from './transitions.js';
import { parkForEvent, SleepSignal, WaitSignal } from '../waits/wait-for-event.js';

export { SleepSignal } from '../waits/wait-for-event.js';

/** What the job should do after this delivery. */
export type StepOutcome = { kind: 'done' } | { kind: 'later'; at: number };

const DONE: StepOutcome = { kind: 'done' };

/** Runs one delivery of the step's job. */
export async function runStep(ctx: EngineContext, stepId: string): Promise<StepOutcome> {
  const token = randomUUID();
  const grace = ctx.settings.leaseGraceMs;
  const claim = await claimStep(ctx.db, stepId, token, ctx.settings.stepTimeoutMs + grace);
  if (claim.kind === 'gone') return DONE;
  if (claim.kind === 'later') return { kind: 'later', at: claim.at };
  const step = claim.step;
  const run =
    claim.kind === 'claimed'
      ? claim.run
      : (await ctx.db.select().from(schema.runs).where(eq(schema.runs.id, step.runId)))[0];
  if (!run) return DONE;
  const flow = await ctx.flows.get(ctx.db, run.flowId, run.version);
  const node = flow.nodes.get(step.nodeId);
  const type = flow.types.get(step.nodeId);
  if (!node || !type) {
    const error = {
      code: 'node_missing',
      message: `node ${step.nodeId} is not in version ${run.version}`,
      retryable: false,
    };
    await giveUpStep(ctx, flow, step, token, error, finishAttempt(step.attempts, error));
    return DONE;
  }
  if (claim.kind === 'stalled') {
    const stalled = new RetryableError('the worker running this step stopped before finishing it', {
      code: 'stalled',
    });
    return fail(ctx, flow, node, type, step, token, stalled);
  }
  const timeoutMs = node.timeoutMs ?? ctx.settings.stepTimeoutMs;
  if (timeoutMs > ctx.settings.stepTimeoutMs) await extendLease(ctx.db, step.id, token, timeoutMs + grace);
  const started = performance.now();
  try {
    const output = await executeNode(ctx, run, flow, node, type, step, timeoutMs, { db: ctx.db });
    const durationMs = Math.round(performance.now() - started);
    const complete = (fuse: boolean) =>
      completeStep(ctx, flow, step, token, output, finishAttempt(step.attempts, null), durationMs, fuse);
    const result = await complete(true).catch(async (err: unknown) => {
      if (!isUntranslatableText(err)) throw err;
      // text Postgres cannot store, from this node or from a pure step run inline after it: without the
      // inline steps, a second refusal is this node's own (and retrying the node would not change it)
      return complete(false).catch((again: unknown) => {
        if (!isUntranslatableText(again)) throw again;
        throw new FatalError(
          `node "${node.name}" returned text Postgres cannot store (a \\u0000 character); its output is not kept`,
          { code: 'unstorable_output', cause: again },
        );
      });
    });
    ctx.metrics.stepDuration.observe({ type: type.type, status: 'succeeded' }, durationMs / 1000);
    if (result.kind === 'applied') await enqueueSafely(ctx, result.toEnqueue);
    return DONE;
  } catch (err) {
    ctx.metrics.stepDuration.observe(
      { type: type.type, status: 'failed' },
      (performance.now() - started) / 1000,
    );
    if (err instanceof WaitSignal) return parkForEvent(ctx, run, step, token, err);
    if (err instanceof SleepSignal) {
      const result = await parkStep(ctx, step, token, step.attempts, new Date(err.wakeAt));
      return result.kind === 'applied' ? { kind: 'later', at: err.wakeAt } : DONE;
    }
    return fail(ctx, flow, node, type, step, token, err);
  }
}

/** Classifies an error: only RetryableError and unexpected (non-project) errors are retried. */
export function classifyError(err: unknown): StepError & { retryAfterMs?: number } {
  if (err instanceof RetryableError) {
    return { code: err.code, message: err.message, retryable: true, retryAfterMs: err.retryAfterMs };
  }
  if (err instanceof TributaryError) return { code: err.code, message: err.message, retryable: false };
  const message = err instanceof Error ? err.message : String(err);
  return { code: 'internal_error', message, retryable: true };
}

function finishAttempt(attempts: readonly AttemptRecord[], error: StepError | null): AttemptRecord[] {
  const copy = attempts.map((a) => ({ ...a }));
  const last = copy[copy.length - 1];
  if (last) {
    last.finishedAt = new Date().toISOString();
    last.error = error ? { code: error.code, message: error.message, retryable: error.retryable } : null;
  }
  return copy;
}

async function fail(
  ctx: EngineContext,
  flow: CompiledFlow,
  node: FlowNode,
  type: NodeType,
  step: StepRow,
  token: string,
  err: unknown,
): Promise<StepOutcome> {
  const { retryAfterMs, ...error } = classifyError(err);
  const attempts = finishAttempt(step.attempts, error);
  const policy = effectivePolicy(type, node);
  const log = ctx.logger.child({ runId: step.runId, stepId: step.id, nodeId: step.nodeId });
  if (error.retryable && hasAttemptsLeft(policy, attempts.length)) {
    const dueAt = Date.now() + retryDelayMs(policy, attempts.length, retryAfterMs);
    const result = await scheduleRetry(ctx, step, token, error, attempts, new Date(dueAt));
    if (result.kind === 'stale') return DONE;
    ctx.metrics.stepRetries.inc({ type: type.type });
    log.warn(
      { attempt: attempts.length, code: error.code, retryInMs: dueAt - Date.now() },
      'step attempt failed; retrying',
    );
    return { kind: 'later', at: dueAt };
  }
  log.warn({ attempt: attempts.length, code: error.code, err: error.message }, 'step failed');
  const result = await giveUpStep(ctx, flow, step, token, error, attempts);
  if (result.kind === 'applied') await enqueueSafely(ctx, result.toEnqueue);
  return DONE;
}
