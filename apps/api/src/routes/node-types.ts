// /api/v1/node-types: the node catalogue with ports and config JSON Schema, for the editor and the CLI.
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { ERROR_PORT } from '@tributary/flow';
import { nodeTypes } from '@tributary/nodes';
import { z as zod } from 'zod';
import type { AppEnv } from '../app-env.js';
import { bearerSecurity, errorResponses, json } from '../app-env.js';

const nodeTypeSchema = z
  .object({
    type: z.string(),
    version: z.number().int(),
    category: z.enum(['trigger', 'logic', 'action']),
    title: z.string(),
    description: z.string(),
    icon: z.string(),
    inputs: z.array(z.string()),
    outputs: z
      .array(z.string())
      .openapi({ description: 'Static output ports (the switch adds its rule ports).' }),
    dynamicOutputs: z.boolean(),
    errorPort: z.boolean(),
    retry: z.object({
      attempts: z.number(),
      backoff: z.string(),
      delayMs: z.number(),
      maxDelayMs: z.number(),
      jitter: z.boolean(),
    }),
    secretFields: z.array(z.string()),
    outputDescription: z.string().nullable(),
    configSchema: z.record(z.string(), z.unknown()),
  })
  .openapi('NodeType');

function describeAll() {
  return nodeTypes.map((t) => {
    let outputs: readonly string[] = [];
    try {
      outputs = t.outputs({});
    } catch {
      // outputs derived from a config cannot always be listed without one
      outputs = [];
    }
    const { dynamicOutputs } = t.traits;
    return {
      type: t.type,
      version: t.version,
      category: t.category,
      title: t.title,
      description: t.description,
      icon: t.icon,
      inputs: [...t.inputs],
      outputs: [...outputs],
      dynamicOutputs,
      errorPort: t.canFail,
      errorPortName: ERROR_PORT,
      retry: t.retry,
      secretFields: [...t.secretFields],
      outputDescription: t.outputDescription ?? null,
      // the editor renders forms from the input shape (defaults optional)
      configSchema: zod.toJSONSchema(t.config, { io: 'input', unrepresentable: 'any' }) as Record<
        string,
        unknown
      >,
    };
  });
}

/** The node-types route. */
export function nodeTypeRoutes() {
  const app = new OpenAPIHono<AppEnv>();
  let cached: ReturnType<typeof describeAll> | undefined;
  app.openapi(
    createRoute({
      method: 'get',
      path: '/node-types',
      tags: ['node types'],
      security: bearerSecurity,
      summary: 'The node catalogue: metadata, ports and config JSON Schema of every node type',
      responses: { 200: json(z.object({ items: z.array(nodeTypeSchema) }), 'Node types'), ...errorResponses },
    }),
    (c) => {
      cached ??= describeAll();
      return c.json({ items: cached }, 200);
    },
  );
  return app;
}
