import { FatalError } from '@tributary/flow';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { split } from './split.js';
import { runNode } from './test-context.js';

describe('split', () => {
  const input = { orderId: 7 };

  it('emits one item per element, with its index and the list length', async () => {
    const lines = [{ sku: 'a' }, { sku: 'b' }, 'c'];
    expect(await runNode(split, { items: lines }, input)).toEqual({
      main: [
        { item: { sku: 'a' }, index: 0, total: 3 },
        { item: { sku: 'b' }, index: 1, total: 3 },
        { item: 'c', index: 2, total: 3 },
      ],
    });
  });

  it('ends the branch on an empty list', async () => {
    expect(await runNode(split, { items: [] }, input)).toEqual({ main: [] });
  });

  it.each([
    ['an object', { sku: 'a' }],
    ['a string', 'a,b'],
    ['null', null],
    ['nothing', undefined],
  ])('fails fatally with not_a_list when items is %s', async (_, items) => {
    const run = runNode(split, { items }, input);
    await expect(run).rejects.toBeInstanceOf(FatalError);
    await expect(run).rejects.toMatchObject({ code: 'not_a_list' });
  });

  it('allows a list as long as maxItems and refuses a longer one with too_many_items', async () => {
    const out = await runNode(split, { items: [1, 2, 3], maxItems: 3 }, input);
    expect(out.main).toHaveLength(3);
    const run = runNode(split, { items: [1, 2, 3, 4], maxItems: 3 }, input);
    await expect(run).rejects.toBeInstanceOf(FatalError);
    await expect(run).rejects.toMatchObject({
      code: 'too_many_items',
      message: 'the list has 4 items; the limit is 3',
    });
  });

  it('refuses lists over 1000 items by default', async () => {
    expect(split.config.parse({ items: [] })).toEqual({ items: [], maxItems: 1000 });
    await expect(
      runNode(split, { items: Array.from({ length: 1001 }, (_, i) => i) }, input),
    ).rejects.toMatchObject({ code: 'too_many_items' });
  });

  it('takes maxItems between 1 and 10000, in whole items', () => {
    expect(split.config.safeParse({ items: [], maxItems: 1 }).success).toBe(true);
    expect(split.config.safeParse({ items: [], maxItems: 10_000 }).success).toBe(true);
    expect(split.config.safeParse({ items: [], maxItems: 0 }).success).toBe(false);
    expect(split.config.safeParse({ items: [], maxItems: 10_001 }).success).toBe(false);
    expect(split.config.safeParse({ items: [], maxItems: 2.5 }).success).toBe(false);
  });

  it('is pure, with one main output', () => {
    expect(split.traits.pure).toBe(true);
    expect(split.outputs({ items: [], maxItems: 1000 })).toEqual(['main']);
  });

  it('keeps its JSON Schema for the editor', () => {
    expect(z.toJSONSchema(split.config, { io: 'input' })).toMatchSnapshot();
  });
});
