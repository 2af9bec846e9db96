import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { delay } from './delay.js';
import { runNode } from './test-context.js';

/** What the engine's sleep throws to park a step. */
const PARKED = new Error('parked');

describe('delay', () => {
  const item = { id: 1 };

  it('parks the step for the configured time on its first run', async () => {
    const calls: number[] = [];
    const sleep = (ms: number) => {
      calls.push(ms);
      throw PARKED;
    };
    await expect(runNode(delay, { ms: 60_000 }, item, { sleep })).rejects.toBe(PARKED);
    expect(calls).toEqual([60_000]);
  });

  it('passes the item on unchanged once woken', async () => {
    const calls: number[] = [];
    const out = await runNode(delay, { ms: 5 }, item, { sleep: (ms) => calls.push(ms) });
    expect(out).toEqual({ main: [item] });
    expect(out.main?.[0]).toBe(item);
    expect(calls).toEqual([5]);
  });

  it('waits between 0 ms and 30 days, in whole milliseconds', () => {
    const thirtyDays = 30 * 24 * 60 * 60 * 1000;
    expect(delay.config.safeParse({ ms: 0 }).success).toBe(true);
    expect(delay.config.safeParse({ ms: thirtyDays }).success).toBe(true);
    expect(delay.config.safeParse({ ms: thirtyDays + 1 }).success).toBe(false);
    expect(delay.config.safeParse({ ms: -1 }).success).toBe(false);
    expect(delay.config.safeParse({ ms: 1.5 }).success).toBe(false);
  });

  it('is not pure and is not retried', () => {
    expect(delay.traits.pure).toBe(false);
    expect(delay.canFail).toBe(true);
    expect(delay.retry.attempts).toBe(1);
  });

  it('keeps its JSON Schema for the editor', () => {
    expect(z.toJSONSchema(delay.config, { io: 'input' })).toMatchSnapshot();
  });
});
