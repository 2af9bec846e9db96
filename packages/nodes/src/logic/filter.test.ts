import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { filter } from './filter.js';
import { runNode } from './test-context.js';

describe('filter', () => {
  const item = { id: 1, country: 'DE' };

  it.each([true, 1, 'DE', { a: 1 }, [0, 2]])('lets the item through when the condition is %j', async (c) => {
    expect(await runNode(filter, { condition: c }, item)).toEqual({ main: [item] });
  });

  it.each([false, 0, '', null, undefined, {}, [], [false]])(
    'drops the item when the condition is %j',
    async (c) => {
      expect(await runNode(filter, { condition: c }, item)).toEqual({ main: [] });
    },
  );

  it('passes the very same item on, unchanged', async () => {
    const out = await runNode(filter, { condition: true }, item);
    expect(out.main?.[0]).toBe(item);
  });

  it('lets non-object items through as well', async () => {
    expect(await runNode(filter, { condition: true }, 'plain')).toEqual({ main: ['plain'] });
  });

  it('has one main output and is pure', () => {
    expect(filter.outputs({ condition: true })).toEqual(['main']);
    expect(filter.traits.pure).toBe(true);
  });

  it('requires the condition key, though an expression may resolve it to undefined', () => {
    expect(filter.config.safeParse({}).success).toBe(false);
    expect(filter.config.safeParse({ condition: undefined }).success).toBe(true);
    expect(filter.config.safeParse({ condition: true, else: 'drop' }).success).toBe(false);
  });

  it('keeps its JSON Schema for the editor', () => {
    expect(z.toJSONSchema(filter.config, { io: 'input' })).toMatchSnapshot();
  });
});
