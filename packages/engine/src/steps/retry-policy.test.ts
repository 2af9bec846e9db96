import { describe, expect, test } from 'vitest';
import { effectivePolicy, hasAttemptsLeft, retryDelayMs } from './retry-policy.js';

const base = { attempts: 3, backoff: 'exponential', delayMs: 100, maxDelayMs: 1000, jitter: false } as const;

describe('retry policy', () => {
  test('flow node overrides win over the node type defaults', () => {
    const policy = effectivePolicy({ retry: base }, { retry: { attempts: 5, backoff: 'fixed' } });
    expect(policy).toEqual({ ...base, attempts: 5, backoff: 'fixed' });
  });

  test('exponential backoff doubles per attempt up to the maximum', () => {
    expect([1, 2, 3, 4, 5].map((n) => retryDelayMs(base, n))).toEqual([100, 200, 400, 800, 1000]);
  });

  test('fixed backoff waits the same each time', () => {
    const fixed = { ...base, backoff: 'fixed' as const };
    expect([1, 2, 3].map((n) => retryDelayMs(fixed, n))).toEqual([100, 100, 100]);
  });

  test('jitter keeps the wait between half and all of the delay', () => {
    const jittered = { ...base, jitter: true };
    expect(retryDelayMs(jittered, 3, undefined, () => 0)).toBe(200);
    expect(retryDelayMs(jittered, 3, undefined, () => 1)).toBe(400);
  });

  test('Retry-After longer than the backoff is honoured, capped by the maximum delay', () => {
    expect(retryDelayMs(base, 1, 700)).toBe(700);
    expect(retryDelayMs(base, 1, 5000)).toBe(1000);
    expect(retryDelayMs(base, 3, 10)).toBe(400);
  });

  test('counts attempts left', () => {
    expect(hasAttemptsLeft(base, 2)).toBe(true);
    expect(hasAttemptsLeft(base, 3)).toBe(false);
  });
});
