import { FatalError } from '@tributary/flow';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { MergeInput } from './merge.js';
import { merge } from './merge.js';
import { onlyObject, runNode } from './test-context.js';

describe('merge', () => {
  const input: MergeInput = {
    branches: [
      { node: 'Fetch customer', item: { id: 1, name: 'Ada', tier: 'free' } },
      { node: 'Fetch plan', item: { tier: 'pro', seats: 5 } },
    ],
  };

  it('merges by default', () => {
    expect(merge.config.parse({})).toEqual({ mode: 'merge' });
  });

  it('merges the branch items into one, a later branch winning on the same field', async () => {
    expect(await runNode(merge, {}, input)).toEqual({
      main: [{ id: 1, name: 'Ada', tier: 'pro', seats: 5 }],
    });
  });

  it('leaves out branch items that are not objects when merging', async () => {
    const mixed: MergeInput = {
      branches: [
        { node: 'a', item: [1, 2] },
        { node: 'b', item: { x: 1 } },
        { node: 'c', item: null },
        { node: 'd', item: 'text' },
      ],
    };
    expect(await runNode(merge, {}, mixed)).toEqual({ main: [{ x: 1 }] });
  });

  it('keys each branch item by its node name in mode byBranch', async () => {
    expect(await runNode(merge, { mode: 'byBranch' }, input)).toEqual({
      main: [
        {
          'Fetch customer': { id: 1, name: 'Ada', tier: 'free' },
          'Fetch plan': { tier: 'pro', seats: 5 },
        },
      ],
    });
  });

  it('outputs one empty object when no branch delivered', async () => {
    expect(await runNode(merge, {}, { branches: [] })).toEqual({ main: [{}] });
    expect(await runNode(merge, { mode: 'byBranch' }, { branches: [] })).toEqual({ main: [{}] });
  });

  it('keeps "__proto__" as plain data in both modes', async () => {
    const hostile: MergeInput = {
      branches: [{ node: '__proto__', item: JSON.parse('{"__proto__": {"polluted": 1}}') }],
    };
    for (const mode of ['merge', 'byBranch'] as const) {
      const out = await runNode(merge, { mode }, hostile);
      const item = onlyObject(out);
      expect(Object.getPrototypeOf(item)).toBe(Object.prototype);
      expect(Object.hasOwn(item, '__proto__')).toBe(true);
    }
    expect('polluted' in {}).toBe(false);
  });

  it('fails fatally when the engine hands it something other than branches', async () => {
    await expect(runNode(merge, {}, { id: 1 })).rejects.toThrow(FatalError);
    await expect(runNode(merge, {}, { id: 1 })).rejects.toMatchObject({ code: 'invalid_merge_input' });
  });

  it('keeps its JSON Schema for the editor', () => {
    expect(z.toJSONSchema(merge.config, { io: 'input' })).toMatchSnapshot();
  });
});
