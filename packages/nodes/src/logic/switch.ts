// The switch node: sends the item to the port of the first (or every) rule whose condition holds.
import { ERROR_PORT } from '@tributary/flow';
import { z } from 'zod';
import { defineNode } from '../define-node.js';
import { isTruthy } from './json-value.js';
import { portName, uniquePorts } from './ports.js';

/** The port an item takes when no rule matches. */
const FALLBACK_PORT = 'default';

const port = portName
  .refine((name) => name !== FALLBACK_PORT && name !== ERROR_PORT, {
    message: `"${FALLBACK_PORT}" and "${ERROR_PORT}" are taken by the node itself`,
  })
  .describe('Output port the item takes when this rule matches');

const rule = z.strictObject({
  condition: z
    .unknown()
    .describe('Usually an expression; falsy as in JSONata (false, 0, "", null, missing, {}, [])'),
  port,
});

const switchConfig = z.strictObject({
  rules: z
    .array(rule)
    .min(1)
    .max(50)
    .superRefine(uniquePorts)
    .describe('Rules, checked in order; each names its own output port'),
  mode: z
    .enum(['first', 'all'])
    .default('first')
    .describe('first: the item takes the first matching rule; all: every matching rule'),
});

type SwitchConfig = z.infer<typeof switchConfig>;

/** The rules' ports in order, then the fallback port. */
function portsOf(config: SwitchConfig): string[] {
  return [...config.rules.map((r) => r.port), FALLBACK_PORT];
}

/** Routes the item to the port of the first (or every) matching rule, else to `default`. */
export const switchNode = defineNode({
  type: 'logic.switch',
  version: 1,
  category: 'logic',
  title: 'Switch',
  description: 'Sends the item down the branch of the first rule (or every rule) whose condition holds.',
  icon: 'split',
  outputs: portsOf,
  config: switchConfig,
  traits: { pure: true },
  outputDescription:
    'The input item, unchanged, on the port of the first matching rule (mode first) or of every ' +
    'matching rule (mode all); on `default` when no rule matches.',
  run: ({ config }, input) => {
    const matching = config.rules.filter((r) => isTruthy(r.condition)).map((r) => r.port);
    const taken = new Set(config.mode === 'first' ? matching.slice(0, 1) : matching);
    if (taken.size === 0) taken.add(FALLBACK_PORT);
    return Object.fromEntries(portsOf(config).map((p) => [p, taken.has(p) ? [input] : []]));
  },
});
