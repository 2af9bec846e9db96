// The filter node: passes the item on only when a condition holds; otherwise the branch ends here.
import { z } from 'zod';
import { defineNode } from '../define-node.js';
import { isTruthy } from './json-value.js';

const filterConfig = z.strictObject({
  condition: z
    .unknown()
    .describe(
      'Usually an expression such as {{ $json.country = "DE" }}; items for which it is falsy are dropped',
    ),
});

/** Keeps items whose condition is truthy. */
export const filter = defineNode({
  type: 'logic.filter',
  version: 1,
  category: 'logic',
  title: 'Filter',
  description:
    'Lets the item through only when a condition holds; otherwise the branch stops (counts as skipped).',
  icon: 'filter',
  config: filterConfig,
  traits: { pure: true },
  outputDescription: 'The input item, unchanged, on `main` when the condition is truthy; nothing otherwise.',
  run: ({ config }, input) => ({ main: isTruthy(config.condition) ? [input] : [] }),
});
