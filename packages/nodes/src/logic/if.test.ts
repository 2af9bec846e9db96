import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ifNode } from './if.js';
import { runNode } from './test-context.js';

describe('if', () => {
  const item = { id: 1 };

  it('has a true and a false port besides its error port', () => {
    expect(ifNode.outputs({ condition: true })).toEqual(['true', 'false']);
    expect(ifNode.canFail).toBe(true);
  });

  it.each([true, 1, 'yes', { a: 1 }, [0, 2]])(
    'sends the item to true when the condition is %j',
    async (c) => {
      expect(await runNode(ifNode, { condition: c }, item)).toEqual({ true: [item], false: [] });
    },
  );

  it.each([false, 0, '', null, undefined, {}, [], [false]])(
    'sends the item to false when the condition is %j',
    async (c) => {
      expect(await runNode(ifNode, { condition: c }, item)).toEqual({ true: [], false: [item] });
    },
  );

  it('passes the very same item on, unchanged', async () => {
    const out = await runNode(ifNode, { condition: true }, item);
    expect(out.true?.[0]).toBe(item);
  });

  it('requires the condition key, though an expression may resolve it to undefined', () => {
    expect(ifNode.config.safeParse({}).success).toBe(false);
    expect(ifNode.config.safeParse({ condition: undefined }).success).toBe(true);
  });

  it('keeps its JSON Schema for the editor', () => {
    expect(z.toJSONSchema(ifNode.config, { io: 'input' })).toMatchSnapshot();
  });
});
