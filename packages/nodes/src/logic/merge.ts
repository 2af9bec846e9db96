// The merge node: joins the branches that reach it into one item.
import { FatalError } from '@tributary/flow';
import { z } from 'zod';
import { defineNode } from '../define-node.js';
import { isJsonObject } from './json-value.js';

const mergeInput = z.object({
  branches: z.array(z.object({ node: z.string(), item: z.unknown() })),
});

/** What the engine passes a merge step: the branches that delivered, in edge order. */
export type MergeInput = z.infer<typeof mergeInput>;

const mergeConfig = z.strictObject({
  mode: z
    .enum(['merge', 'byBranch', 'append'])
    .default('merge')
    .describe(
      'merge: one object with the fields of every branch item, later branches winning; ' +
        'byBranch: one object with each branch’s item under its node name; ' +
        'append: one object { items: [...] } with every arriving item in order (use it after a Split)',
    ),
});

/** Joins the delivered branches into one item. */
export const merge = defineNode({
  type: 'logic.merge',
  version: 1,
  category: 'logic',
  title: 'Merge',
  description: 'Waits for every incoming branch, then joins the items that arrived into one.',
  icon: 'merge',
  config: mergeConfig,
  traits: { pure: true, join: true },
  outputDescription:
    'One item on `main`, built from the branches that delivered (skipped branches are left out), in ' +
    'edge order. merge: the fields of every branch item that is an object, a later branch winning on ' +
    'the same field; byBranch: `{ [node name]: item }`, a later edge winning when one node delivers twice; ' +
    'append: `{ items: [item, …] }` in arrival order (by split index after a Split).',
  run: ({ config }, input) => {
    const parsed = mergeInput.safeParse(input);
    if (!parsed.success) {
      throw new FatalError('merge expects its input as { branches: [{ node, item }] }', {
        code: 'invalid_merge_input',
        cause: parsed.error,
      });
    }
    const { branches } = parsed.data;
    // fromEntries defines own properties, so a "__proto__" key stays data and later entries win
    if (config.mode === 'append') return { main: [{ items: branches.map((b) => b.item) }] };
    const item =
      config.mode === 'byBranch'
        ? Object.fromEntries(branches.map((b) => [b.node, b.item]))
        : Object.fromEntries(branches.flatMap((b) => (isJsonObject(b.item) ? Object.entries(b.item) : [])));
    return { main: [item] };
  },
});
