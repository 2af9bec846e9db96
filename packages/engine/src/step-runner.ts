// Runs one delivery of a step job: claim, resolve config, run the node under a time limit, then commit
// the outcome (success, retry, sleep or give up) as one guarded transition.
import { randomUUID } from 'node:crypto';
import type { AttemptRecord } from '@tributary/db';
import { schema } from '@tributary/db';
import type { FlowNode } from '@tributary/flow';
import { FatalError, isExpression, RetryableError, resolveConfig, TributaryError } from '@tributary/flow';
import type { NodeContext, NodeOutput, NodeType } from '@tributary/nodes';
import { and, eq, inArray } from 'drizzle-orm';
import type { CompiledFlow } from './compiled-flow.js';
import type { EngineContext } from './engine-context.js';
import { eventLogReader } from './event-log.js';
import { enqueueSafely } from './ingest.js';
import { profileForUser } from './profiles.js';
import { effectivePolicy, hasAttemptsLeft, retryDelayMs } from './retry-policy.js';
import type { RunRow, StepRow } from './run-state.js';
import { claimStep, extendLease } from './step-claim.js';
import type { StepError } from './step-transitions.js';
import { completeStep, giveUpStep, parkStep, scheduleRetry } from './step-transitions.js';
import { parkForEvent, SleepSignal, WaitSignal, waitForEventIn } from './step-wait.js';
import { eventScope } from './waits.js';

export { SleepSignal } from './step-wait.js';

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
  const [run] = await ctx.db.select().from(schema.runs).where(eq(schema.runs.id, step.runId));
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
  if (run.status === 'queued' || run.status === 'waiting') await markRunning(ctx, run.id);

  const timeoutMs = node.timeoutMs ?? ctx.settings.stepTimeoutMs;
  if (timeoutMs > ctx.settings.stepTimeoutMs) await extendLease(ctx.db, step.id, token, timeoutMs + grace);
  const started = performance.now();
  try {
    const output = await execute(ctx, run, flow, node, type, step, timeoutMs);
    const durationMs = Math.round(performance.now() - started);
    const result = await completeStep(
      ctx,
      flow,
      step,
      token,
      output,
      finishAttempt(step.attempts, null),
      durationMs,
    );
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

async function markRunning(ctx: EngineContext, runId: string): Promise<void> {
  await ctx.db
    .update(schema.runs)
    .set({ status: 'running' })
    .where(and(eq(schema.runs.id, runId), inArray(schema.runs.status, ['queued', 'waiting'])));
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

async function loadScope(ctx: EngineContext, run: RunRow, flow: CompiledFlow, step: StepRow) {
  const reads = flow.reads.get(step.nodeId) ?? { event: true, steps: true, profile: true };
  const needEvent = reads.event || (reads.profile && flow.usesProfile);
  const [[event], done] = await Promise.all([
    needEvent ? ctx.db.select().from(schema.events).where(eq(schema.events.id, run.eventId)) : [],
    reads.steps
      ? ctx.db
          .select({ name: schema.steps.name, input: schema.steps.input, output: schema.steps.output })
          .from(schema.steps)
          .where(and(eq(schema.steps.runId, run.id), eq(schema.steps.status, 'succeeded')))
      : [],
  ]);
  const steps: Record<string, unknown> = {};
  for (const s of done) {
    // outputs are only ever written as NodeOutput (items per port)
    const ports = (s.output ?? {}) as NodeOutput;
    const items = Object.values(ports).find((list) => list.length > 0) ?? [];
    steps[s.name] = { output: items[0] ?? null, items, ports, input: s.input };
  }
  const userId = (event?.payload as { userId?: unknown } | undefined)?.userId ?? event?.userId;
  const profile =
    reads.profile && flow.usesProfile && typeof userId === 'string'
      ? ((await profileForUser(ctx.db, userId)) ?? null)
      : null;
  return {
    json: step.input,
    profile: profile ? { id: profile.id, traits: profile.traits, identities: profile.identities } : null,
    event: event ? eventScope(event) : null,
    steps,
    run: { id: run.id, flowId: run.flowId, version: run.version, eventId: run.eventId },
  };
}

async function execute(
  ctx: EngineContext,
  run: RunRow,
  flow: CompiledFlow,
  node: FlowNode,
  type: NodeType,
  step: StepRow,
  timeoutMs: number,
): Promise<NodeOutput> {
  if (!type.run)
    throw new FatalError(`node "${node.name}" (${type.type}) cannot run as a step`, { code: 'not_runnable' });
  const scope = await loadScope(ctx, run, flow, step);
  let resolved: unknown;
  try {
    resolved = await resolveConfig(node.config, scope, { timeoutMs: ctx.settings.expressionTimeoutMs });
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    throw new FatalError(`node "${node.name}": ${message}`, { code: 'expression_failed', cause: err });
  }
  const parsed = type.config.safeParse(resolved);
  if (parsed.success) await resolveDefaultExpressions(ctx, resolved, parsed.data, scope);
  if (!parsed.success) {
    const issues = parsed.error.issues
      .map((i) => `${['config', ...i.path].join('.')}: ${i.message}`)
      .join('; ');
    throw new FatalError(`node "${node.name}" has an invalid config after resolving expressions: ${issues}`, {
      code: 'invalid_config',
    });
  }
  const controller = new AbortController();
  const wakeAt = typeof step.state?.wakeAt === 'string' ? Date.parse(step.state.wakeAt) : undefined;
  const nodeCtx: NodeContext<unknown> = {
    config: parsed.data,
    signal: controller.signal,
    logger: ctx.logger.child({ runId: run.id, stepId: step.id, nodeId: node.id, eventId: run.eventId }),
    runId: run.id,
    stepId: step.id,
    nodeId: node.id,
    attempt: step.attempts.length,
    correlationId: run.eventId,
    idempotencyKey: step.id,
    http: ctx.http,
    waitForEvent: (request) => waitForEventIn(ctx, step, node, request),
    eventLog: eventLogReader(ctx.db),
    sleep(ms: number) {
      if (wakeAt !== undefined) {
        if (Date.now() >= wakeAt - 50) return;
        throw new SleepSignal(wakeAt);
      }
      throw new SleepSignal(Date.now() + ms);
    },
  };
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const err = new RetryableError(`node "${node.name}" did not finish within ${timeoutMs} ms`, {
        code: 'timeout',
      });
      controller.abort(err);
      reject(err);
    }, timeoutMs);
  });
  try {
    const run = type.run;
    const output = await Promise.race([Promise.resolve().then(() => run(nodeCtx, step.input)), timedOut]);
    return checkOutput(node, output);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * A schema default may itself be an expression (wait-for-event's correlation defaults to the run's userId).
 * Such defaults land after expressions were resolved, so they are resolved here — only at top-level keys the
 * node's own config did not set, so values that came from data are never evaluated as expressions.
 */
async function resolveDefaultExpressions(
  ctx: EngineContext,
  fromConfig: unknown,
  data: unknown,
  scope: Record<string, unknown>,
): Promise<void> {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return;
  const set = typeof fromConfig === 'object' && fromConfig !== null ? fromConfig : {};
  // data is the schema's parse result, a plain object: its keys are safe to write
  const target = data as Record<string, unknown>;
  for (const [key, value] of Object.entries(target)) {
    if (key in set || !isExpression(value)) continue;
    target[key] = await resolveConfig(value, scope, { timeoutMs: ctx.settings.expressionTimeoutMs });
  }
}

function checkOutput(node: FlowNode, output: unknown): NodeOutput {
  if (typeof output !== 'object' || output === null || Array.isArray(output)) {
    throw new FatalError(`node "${node.name}" returned no items per port`, { code: 'invalid_output' });
  }
  for (const [port, items] of Object.entries(output)) {
    if (!Array.isArray(items)) {
      throw new FatalError(`node "${node.name}" returned a non-list for port ${port}`, {
        code: 'invalid_output',
      });
    }
  }
  // checked just above: an object whose values are all arrays
  return output as NodeOutput;
}
