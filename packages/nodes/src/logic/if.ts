// The if node: sends the item down the true or the false port by a condition.
import { z } from 'zod';
import { defineNode } from '../define-node.js';
import { isTruthy } from './json-value.js';

const ifConfig = z.strictObject({
  condition: z
    .unknown()
    .describe(
      'Usually an expression such as {{ total > 100 }}. Falsy as in JSONata: false, 0, "", null, ' +
        'a missing value, {}, [] and arrays of falsy values; anything else is true.',
    ),
});

/** Routes the item to `true` or `false` by its condition. */
export const ifNode = defineNode({
  type: 'logic.if',
  version: 1,
  category: 'logic',
  title: 'If',
  description: 'Sends the item down the true or the false branch depending on a condition.',
  icon: 'git-branch',
  outputs: ['true', 'false'],
  config: ifConfig,
  traits: { pure: true },
  outputDescription: 'The input item, unchanged, on `true` when the condition is truthy, else on `false`.',
  run: ({ config }, input) =>
    isTruthy(config.condition) ? { true: [input], false: [] } : { true: [], false: [input] },
});
