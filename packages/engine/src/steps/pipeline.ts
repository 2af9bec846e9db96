// One delivery of a step job, as a pipeline: claim → resolve scope and execute → transition. The outcome
// (success, retry, park or give up) is committed as one transition guarded by the step's lease.
import { randomUUID } from 'node:crypto';
import { schema } from '@tributary/db';
import { CAPPED_PORT, copyWith, FatalError, RetryableError } from '@tributary/flow';
import type { WebhookResponse } from '@tributary/nodes';
import { eq } from 'drizzle-orm';
import type { EngineContext } from '../core/index.js';
import { endStepSpan, enqueueSafely, isUntranslatableText, startStepSpan, withSpan } from '../core/index.js';
import { SleepSignal, SubFlowWaitSignal, WaitSignal } from '../waits/index.js';
import type { AttemptExtras, Delivery, Lease, StepError } from './attempt.js';
import { finishAttempt } from './attempt.js';
import { claimStep, extendLease } from './claim.js';
import { executeNode, timeLimitOf } from './execute.js';
import { withInlineFallback } from './fusion.js';
import type { StepOutcome } from './park.js';
import { DONE, parkForEvent, parkForSendingRule, parkForSleep, parkForSubFlow } from './park.js';
import { classifyError, effectivePolicy, hasAttemptsLeft, retryDelayMs } from './retry-policy.js';
import { decideSending, type HeldState } from './sending-rules.js';
import { completeStep, giveUpStep, scheduleRetry } from './transitions.js';

/** Runs one delivery of the step's job. */
export async function runStep(ctx: EngineContext, stepId: string): Promise<StepOutcome> {
  const token = randomUUID();
  const grace = ctx.settings.leaseGraceMs;
  const claim = await claimStep(ctx.db, stepId, token, ctx.settings.stepTimeoutMs + grace);
  if (claim.kind === 'gone') return DONE;
  if (claim.kind === 'later') return { kind: 'later', at: claim.at };
  const { step } = claim;
  const run =
    claim.kind === 'claimed'
      ? claim.run
      : (await ctx.db.select().from(schema.runs).where(eq(schema.runs.id, step.runId)))[0];
  if (!run) return DONE;
  const flow = await ctx.flows.get(ctx.db, run.flowId, run.version);
  const lease: Lease = { ctx, flow, step, token, event: claim.event, payload: claim.payload };
  const node = flow.nodes.get(step.nodeId);
  const type = flow.types.get(step.nodeId);
  if (!node || !type) {
    const error = {
      code: 'node_missing',
      message: `node ${step.nodeId} is not in version ${run.version}`,
      retryable: false,
    };
    await giveUpStep(lease, { error, attempts: finishAttempt(step.attempts, error) });
    return DONE;
  }
  const parked = claim.kind === 'claimed' ? claim.parked : undefined;
  const delivery: Delivery = copyWith(lease, {
    run,
    node,
    type,
    source: { db: ctx.db, event: claim.event },
    parked,
  });
  const span = startStepSpan(ctx.tracing, delivery, false);
  if (!span) return attemptStep(delivery, claim.kind === 'stalled');
  // the whole attempt under the step span: what the node calls out to, and a sub-flow or error flow it starts
  let outcome: SpanOutcome = { outcome: 'succeeded' };
  try {
    return await withSpan(span, () =>
      attemptStep(delivery, claim.kind === 'stalled', (reported) => {
        outcome = reported;
      }),
    );
  } catch (err) {
    // a database or queue failure: its text is not the step's, and may quote stored values
    outcome = {
      outcome: 'interrupted',
      error: {
        code: 'interrupted',
        message: 'the attempt ended without committing its outcome',
        retryable: true,
      },
    };
    throw err;
  } finally {
    endStepSpan(span, outcome.outcome, outcome.error);
  }
}

/** How an attempt ended, for its span. */
interface SpanOutcome {
  outcome: 'succeeded' | 'parked' | 'retrying' | 'failed' | 'interrupted';
  error?: StepError | undefined;
}

/** Tells the step span how the attempt ended (absent when tracing is off). */
type Report = (outcome: SpanOutcome) => void;

/** Runs a claimed step's node and commits the outcome (a stalled one's lost attempt is failed at once). */
async function attemptStep(delivery: Delivery, stalled: boolean, report?: Report): Promise<StepOutcome> {
  const { ctx, step, token, node, type } = delivery;
  const grace = ctx.settings.leaseGraceMs;
  if (stalled) return fail(delivery, stallError(step.attempts), undefined, report);
  if (node.channel !== undefined) {
    const decision = await decideSending(delivery);
    if (decision.kind !== 'send') {
      const { rule, outcome, channel } = decision.held;
      ctx.metrics.stepsHeld.inc({ rule, outcome, channel });
    }
    if (decision.kind === 'delay') {
      report?.({ outcome: 'parked' });
      return parkForSendingRule(delivery, decision.until, decision.held);
    }
    if (decision.kind === 'capped') return takeCappedPort(delivery, decision.held);
  }
  const timeoutMs = timeLimitOf(delivery);
  if (timeoutMs > ctx.settings.stepTimeoutMs) await extendLease(ctx.db, step.id, token, timeoutMs + grace);
  const started = performance.now();
  const extras: AttemptExtras = {};
  let response: WebhookResponse | undefined;
  try {
    const output = await executeNode(delivery, {
      onLogs: (printed) => {
        extras.logs = printed;
      },
      onRequest: (sent) => {
        extras.request = sent;
      },
      onEmptyExpressions: (found) => {
        extras.emptyExpressions = found;
      },
      onResponse: (answer) => {
        response = answer;
      },
    });
    const durationMs = Math.round(performance.now() - started);
    const attempts = finishAttempt(step.attempts, null, extras);
    const result = await withInlineFallback(ctx.settings.fuseBudgetMs, (inlineBudgetMs) =>
      completeStep(delivery, { output, attempts, durationMs, inlineBudgetMs, response }),
    ).catch((err: unknown) => {
      if (!isUntranslatableText(err)) throw err;
      // refused again without inline steps: the text is this node's own, and retrying would not change it
      throw new FatalError(
        `node "${node.name}" returned text Postgres cannot store (a \\u0000 character); its output is not kept`,
        { code: 'unstorable_output', cause: err },
      );
    });
    ctx.metrics.stepDuration.observe({ type: type.type, status: 'succeeded' }, durationMs / 1000);
    if (result.kind === 'applied') await enqueueSafely(ctx, result.toEnqueue);
    return DONE;
  } catch (err) {
    ctx.metrics.stepDuration.observe(
      { type: type.type, status: 'failed' },
      (performance.now() - started) / 1000,
    );
    if (err instanceof WaitSignal || err instanceof SubFlowWaitSignal || err instanceof SleepSignal) {
      report?.({ outcome: 'parked' });
      if (err instanceof WaitSignal) return parkForEvent(delivery, err);
      if (err instanceof SubFlowWaitSignal) return parkForSubFlow(delivery, err);
      return parkForSleep(delivery, err);
    }
    return fail(delivery, err, extras, report);
  }
}

/** A frequency cap holds the step back: it succeeds without sending, its item on the `capped` port. */
async function takeCappedPort(delivery: Delivery, held: HeldState): Promise<StepOutcome> {
  const { ctx, step } = delivery;
  const result = await completeStep(delivery, {
    output: { [CAPPED_PORT]: [step.input] },
    attempts: finishAttempt(step.attempts, null),
    durationMs: 0,
    inlineBudgetMs: ctx.settings.fuseBudgetMs,
    state: { held },
  });
  if (result.kind === 'applied') await enqueueSafely(ctx, result.toEnqueue);
  return DONE;
}

/**
 * The error of an attempt whose worker stopped before finishing it (the claim recorded its start in Postgres
 * before it ran). The first stall is retried as the node's policy allows — a deploy or a killed machine is
 * no fault of the step. A second one is not: a step that was running each time two workers died may be what
 * kills them (an evaluator that crashed its process), and retrying it would take down one more.
 */
function stallError(attempts: readonly { error?: { code: string } | null }[]): Error {
  const message = 'the worker running this step stopped before finishing it';
  const stalledBefore = attempts.slice(0, -1).some((a) => a.error?.code === 'stalled');
  if (!stalledBefore) return new RetryableError(message, { code: 'stalled' });
  return new FatalError(
    `${message}, for the second time: not retried, as the step itself may be stopping its workers`,
    { code: 'stalled' },
  );
}

/** The attempt failed: retry it after the policy's delay while attempts are left, else give the step up. */
async function fail(
  delivery: Delivery,
  err: unknown,
  extras?: AttemptExtras,
  report?: Report,
): Promise<StepOutcome> {
  const { ctx, node, type, step } = delivery;
  const { retryAfterMs, ...error } = classifyError(err);
  const failed = { error: error satisfies StepError, attempts: finishAttempt(step.attempts, error, extras) };
  const policy = effectivePolicy(type, node);
  const log = ctx.logger.child({ runId: step.runId, stepId: step.id, nodeId: step.nodeId });
  const attempt = failed.attempts.length;
  if (error.retryable && hasAttemptsLeft(policy, attempt)) {
    const dueAt = Date.now() + retryDelayMs(policy, attempt, retryAfterMs);
    report?.({ outcome: 'retrying', error });
    const result = await scheduleRetry(delivery, failed, new Date(dueAt));
    if (result.kind === 'stale') return DONE;
    ctx.metrics.stepRetries.inc({ type: type.type });
    log.warn({ attempt, code: error.code, retryInMs: dueAt - Date.now() }, 'step attempt failed; retrying');
    return { kind: 'later', at: dueAt };
  }
  log.warn({ attempt, code: error.code, err: error.message }, 'step failed');
  report?.({ outcome: 'failed', error });
  const result = await giveUpStep(delivery, failed);
  if (result.kind === 'applied') await enqueueSafely(ctx, result.toEnqueue);
  return DONE;
}
