// A tiny node catalogue for validation and graph tests: a trigger, if, switch, merge and http.
import { z } from 'zod';
import type { NodeCatalogue, NodeTypeContract } from './node-contract.js';

const switchConfig = z.object({
  cases: z.array(z.object({ port: z.string().min(1), when: z.boolean() })),
  fallback: z.boolean().default(false),
});

const types: NodeTypeContract[] = [
  {
    type: 'manual',
    category: 'trigger',
    inputs: [],
    outputs: () => ['main'],
    canFail: false,
    config: z.object({ note: z.string().optional() }).strict(),
  },
  {
    type: 'if',
    category: 'logic',
    inputs: ['main'],
    outputs: () => ['true', 'false'],
    canFail: false,
    config: z.object({ condition: z.boolean() }),
  },
  {
    type: 'switch',
    category: 'logic',
    inputs: ['main'],
    // parses again, like a real node would rely on a validated config; throws on anything else
    outputs: (config) => {
      const parsed = switchConfig.parse(config);
      return [...parsed.cases.map((c) => c.port), ...(parsed.fallback ? ['fallback'] : [])];
    },
    canFail: false,
    config: switchConfig,
  },
  {
    type: 'merge',
    category: 'logic',
    inputs: ['a', 'b'],
    outputs: () => ['main'],
    canFail: false,
    config: z.object({}),
  },
  {
    type: 'http',
    category: 'action',
    inputs: ['main'],
    outputs: () => ['main'],
    canFail: true,
    config: z.object({
      url: z.string().url(),
      timeoutMs: z.number(),
      headers: z.record(z.string(), z.string()).default({}),
    }),
  },
];

const byType = new Map(types.map((t) => [t.type, t]));

/** Looks up the test node types. */
export const testCatalogue: NodeCatalogue = (type) => byType.get(type);
