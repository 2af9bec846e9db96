// The split node (for-each): turns a list into one item per element; each runs the following nodes on its own.
import { FatalError } from '@tributary/flow';
import { z } from 'zod';
import { defineNode } from '../define-node.js';

const splitConfig = z.strictObject({
  items: z.unknown().describe('The list to split, usually an expression such as {{ $json.lineItems }}'),
  maxItems: z.number().int().min(1).max(10_000).default(1000).describe('Refuse lists longer than this'),
  concurrency: z
    .number()
    .int()
    .min(1)
    .max(1000)
    .optional()
    .describe('At most this many items at a time in the node right after the split; all at once when empty'),
});

/** Emits one item per element of a list. */
export const split = defineNode({
  type: 'logic.split',
  version: 1,
  category: 'logic',
  title: 'Split (for each)',
  description:
    'Runs the following nodes once per element of a list, in parallel; a Merge after them collects the results.',
  icon: 'list-tree',
  config: splitConfig,
  traits: { pure: true, split: { limit: (config) => config.concurrency } },
  outputDescription:
    'One item per list element on `main`: `{ item, index, total }`. An empty list ends the branch.',
  run: ({ config }) => {
    const list = config.items;
    if (!Array.isArray(list)) {
      throw new FatalError('split needs a list in "items"', { code: 'not_a_list' });
    }
    if (list.length > config.maxItems) {
      throw new FatalError(`the list has ${list.length} items; the limit is ${config.maxItems}`, {
        code: 'too_many_items',
      });
    }
    return { main: list.map((item, index) => ({ item, index, total: list.length })) };
  },
});
