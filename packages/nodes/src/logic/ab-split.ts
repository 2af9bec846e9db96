// The A/B split node: sends each person down one variant, by weight, and always the same one — assignment is
// a hash of the person (or another key) with the node's id, so a person who comes back takes their branch
// again, in any run, on any worker. A variant left unconnected is a holdout: its people get nothing.
import { createHash } from 'node:crypto';
import { ERROR_PORT } from '@tributary/flow';
import { z } from 'zod';
import { defineNode } from '../define-node.js';
import { isJsonObject } from './json-value.js';
import { portName, uniquePorts } from './ports.js';

const variant = z.strictObject({
  port: portName
    .refine((name) => name !== ERROR_PORT, { message: `"${ERROR_PORT}" is taken by the node itself` })
    .describe('Output port of this variant, e.g. "a", "b" or "holdout"'),
  weight: z
    .number()
    .int()
    .min(0)
    .max(1000)
    .describe('Its share: variants get people in proportion to weights'),
});

const splitConfig = z.strictObject({
  variants: z
    .array(variant)
    .min(2)
    .max(10)
    .superRefine((variants, ctx) => {
      uniquePorts(variants, ctx);
      if (variants.every((v) => v.weight === 0)) {
        ctx.addIssue({ code: 'custom', message: 'give at least one variant a weight above 0', path: [] });
      }
    })
    .meta({
      examples: [
        [
          { port: 'a', weight: 45 },
          { port: 'b', weight: 45 },
          { port: 'holdout', weight: 10 },
        ],
      ],
    })
    .describe('The variants, each with its port and weight (e.g. a 45, b 45, holdout 10)'),
  key: z
    .unknown()
    .optional()
    .describe(
      'Who is assigned: the same key always takes the same variant. Default: the person of a tracking ' +
        'event (userId, else anonymousId); e.g. {{ $json.body.customerId }} for a webhook',
    ),
  salt: z
    .string()
    .max(100)
    .optional()
    .describe('Mixed into the assignment; a new salt reshuffles everyone (default: the node’s id)'),
});

type SplitConfig = z.infer<typeof splitConfig>;

/** The person of a tracking item: its userId, else its anonymousId. */
function personOf(item: unknown): string | undefined {
  if (!isJsonObject(item)) return undefined;
  for (const field of ['userId', 'anonymousId']) {
    const value = item[field];
    if ((typeof value === 'string' && value !== '') || typeof value === 'number') return String(value);
  }
  return undefined;
}

/** The variant a key falls in: the first 48 bits of SHA-256(salt:key), spread over the total weight. */
export function variantFor(config: SplitConfig, salt: string, key: string): string {
  const hash = createHash('sha256').update(`${salt}:${key}`).digest();
  const total = config.variants.reduce((sum, v) => sum + v.weight, 0);
  const point = (hash.readUIntBE(0, 6) / 2 ** 48) * total;
  let edge = 0;
  for (const v of config.variants) {
    edge += v.weight;
    if (point < edge) return v.port;
  }
  // unreachable while some weight is above 0 (the schema demands it)
  return config.variants[config.variants.length - 1]?.port ?? '';
}

/** Sends the item down the variant its key is assigned to. */
export const abSplit = defineNode({
  type: 'logic.ab-split',
  version: 1,
  category: 'logic',
  title: 'A/B split',
  description:
    'Sends each person down one variant by weight, always the same one; an unconnected variant is a holdout.',
  icon: 'flask-conical',
  outputs: (config) => config.variants.map((v) => v.port),
  config: splitConfig,
  traits: { pure: true },
  outputDescription:
    'The input item, unchanged, on the port of its variant; the run records the port taken, so the split ' +
    'shows on each run ("ended at A/B split (holdout)").',
  run: (ctx, input) => {
    const given = ctx.config.key;
    const key =
      typeof given === 'string' || typeof given === 'number'
        ? String(given)
        : given === undefined
          ? personOf(input)
          : undefined;
    // without a key there is nothing to be stable about: the run's own id still splits by weight
    if (key === undefined || key === '') {
      ctx.logger.warn(
        { nodeId: ctx.nodeId },
        'no key to split by (no userId or anonymousId, or an empty key): split by the run instead',
      );
    }
    const chosen = variantFor(ctx.config, ctx.config.salt ?? ctx.nodeId, key || `run:${ctx.runId}`);
    return Object.fromEntries(ctx.config.variants.map((v) => [v.port, v.port === chosen ? [input] : []]));
  },
});
