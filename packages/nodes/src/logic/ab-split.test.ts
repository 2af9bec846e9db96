import { describe, expect, it } from 'vitest';
import { abSplit, variantFor } from './ab-split.js';
import { runNode } from './test-context.js';

const config = {
  variants: [
    { port: 'a', weight: 45 },
    { port: 'b', weight: 45 },
    { port: 'holdout', weight: 10 },
  ],
};

/** The port the item took. */
async function portOf(item: unknown, extra: Record<string, unknown> = {}): Promise<string> {
  const out = await runNode(abSplit, { ...config, ...extra }, item);
  const taken = Object.entries(out).filter(([, items]) => (items?.length ?? 0) > 0);
  expect(taken).toHaveLength(1);
  return taken[0]?.[0] ?? '';
}

describe('A/B split', () => {
  it('sends a person down the same variant every time', async () => {
    const first = await portOf({ userId: 'ada', event: 'Signed Up' });
    for (let i = 0; i < 5; i++) expect(await portOf({ userId: 'ada', event: `Other ${i}` })).toBe(first);
    // an anonymous visitor is split by their anonymousId
    const anon = await portOf({ anonymousId: 'visitor-9' });
    expect(await portOf({ anonymousId: 'visitor-9' })).toBe(anon);
  });

  it('splits people in proportion to the weights', () => {
    const counts: Record<string, number> = { a: 0, b: 0, holdout: 0 };
    const n = 20_000;
    for (let i = 0; i < n; i++) {
      const port = variantFor(config, 'node-1', `user-${i}`);
      counts[port] = (counts[port] ?? 0) + 1;
    }
    // 45/45/10 within a percentage point at this size
    expect(Math.abs((counts.a ?? 0) / n - 0.45)).toBeLessThan(0.01);
    expect(Math.abs((counts.b ?? 0) / n - 0.45)).toBeLessThan(0.01);
    expect(Math.abs((counts.holdout ?? 0) / n - 0.1)).toBeLessThan(0.01);
  });

  it('a key of your own, and a new salt reshuffles', async () => {
    const byCustomer = await portOf({ body: {} }, { key: 'customer-7' });
    expect(await portOf({ userId: 'someone-else' }, { key: 'customer-7' })).toBe(byCustomer);
    const moved = Array.from({ length: 200 }, (_, i) => `u${i}`).filter(
      (key) => variantFor(config, 's1', key) !== variantFor(config, 's2', key),
    );
    expect(moved.length).toBeGreaterThan(50);
  });

  it('without a key it still splits, by the run', async () => {
    expect(['a', 'b', 'holdout']).toContain(await portOf({ body: { x: 1 } }));
  });

  it('declares a port per variant and refuses duplicate ports or no weight at all', () => {
    expect(abSplit.outputs(abSplit.config.parse(config))).toEqual(['a', 'b', 'holdout']);
    const dup = {
      variants: [
        { port: 'a', weight: 1 },
        { port: 'a', weight: 1 },
      ],
    };
    expect(abSplit.config.safeParse(dup).success).toBe(false);
    const zero = {
      variants: [
        { port: 'a', weight: 0 },
        { port: 'b', weight: 0 },
      ],
    };
    expect(abSplit.config.safeParse(zero).success).toBe(false);
    expect(abSplit.config.safeParse({ variants: [{ port: 'a', weight: 1 }] }).success).toBe(false);
  });
});
