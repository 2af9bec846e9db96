// Where retries are decided (pure): which errors are retried, the effective policy of a flow node, whether
// another attempt is allowed and how long to wait before it.
import type { FlowNode } from '@tributary/flow';
import { RetryableError, TributaryError } from '@tributary/flow';
import type { NodeType, RetryPolicy } from '@tributary/nodes';
import type { StepError } from './attempt.js';

/** Classifies an error: only RetryableError and unexpected (non-project) errors are retried. */
export function classifyError(err: unknown): StepError & { retryAfterMs?: number } {
  if (err instanceof RetryableError) {
    return { code: err.code, message: err.message, retryable: true, retryAfterMs: err.retryAfterMs };
  }
  if (err instanceof TributaryError) return { code: err.code, message: err.message, retryable: false };
  const message = err instanceof Error ? err.message : String(err);
  return { code: 'internal_error', message, retryable: true };
}

/** The node type's retry defaults with the flow node's overrides applied. */
export function effectivePolicy(type: Pick<NodeType, 'retry'>, node: Pick<FlowNode, 'retry'>): RetryPolicy {
  const merged = { ...type.retry };
  for (const [key, value] of Object.entries(node.retry ?? {})) {
    // only keys of RetryPolicy reach here: node.retry passed retryPolicySchema (strict)
    if (value !== undefined) (merged as Record<string, unknown>)[key] = value;
  }
  return merged;
}

/**
 * Milliseconds to wait before attempt `failedAttempt + 1`.
 * A peer's Retry-After wins when it asks for longer than the policy would wait (capped by maxDelayMs).
 */
export function retryDelayMs(
  policy: RetryPolicy,
  failedAttempt: number,
  retryAfterMs?: number,
  random: () => number = Math.random,
): number {
  const base =
    policy.backoff === 'exponential' ? policy.delayMs * 2 ** Math.max(0, failedAttempt - 1) : policy.delayMs;
  let delay = Math.min(base, policy.maxDelayMs);
  // equal jitter: between half and all of the computed delay, so retries of a herd spread out while none
  // comes back sooner than half the backoff
  if (policy.jitter) delay = delay / 2 + (random() * delay) / 2;
  if (retryAfterMs !== undefined && retryAfterMs > delay) delay = Math.min(retryAfterMs, policy.maxDelayMs);
  return Math.round(delay);
}

/** Whether another attempt is allowed after `failedAttempt` attempts. */
export function hasAttemptsLeft(policy: RetryPolicy, failedAttempt: number): boolean {
  return failedAttempt < policy.attempts;
}
