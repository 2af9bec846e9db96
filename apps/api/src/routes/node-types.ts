// /api/v1/node-types: the node catalogue with ports, traits and config JSON Schema, and example items.
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { sampleTrackingEvent } from '@tributary/engine';
import { BadRequestError, ERROR_PORT, NotFoundError } from '@tributary/flow';
import type { NodeType, TrackingTriggerConfig } from '@tributary/nodes';
import { getNodeType, nodeTypes, TRIGGER_KINDS } from '@tributary/nodes';
import { z as zod } from 'zod';
import type { AppDeps, AppEnv } from '../app-env.js';
import { bearerSecurity, errorResponses, json } from '../app-env.js';

const traitsSchema = z
  .object({
    pure: z
      .boolean()
      .openapi({ description: 'No I/O, waits or side effects: the engine may run it inline.' }),
    join: z
      .boolean()
      .openapi({ description: 'Runs once every incoming branch has delivered or been skipped.' }),
    split: z
      .boolean()
      .openapi({ description: 'A for-each: each item it emits runs the following nodes in its own scope.' }),
    dynamicOutputs: z
      .boolean()
      .openapi({ description: 'The output ports depend on the config (the switch: one per rule).' }),
    waitsForEvent: z.boolean().openapi({ description: 'Parks the step until a correlated event arrives.' }),
    callsFlow: z
      .boolean()
      .openapi({ description: 'Calls another flow (`config.flow`, a slug) and may wait for its run.' }),
    trigger: z
      .enum(TRIGGER_KINDS)
      .nullable()
      .openapi({ description: "How a trigger's events arrive; null for nodes that are not triggers." }),
  })
  .openapi('NodeTraits');

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
    dynamicOutputs: z.boolean().openapi({ description: 'The same as traits.dynamicOutputs.' }),
    errorPort: z.boolean(),
    retry: z.object({
      attempts: z.number(),
      backoff: z.string(),
      delayMs: z.number(),
      maxDelayMs: z.number(),
      jitter: z.boolean(),
    }),
    secretFields: z.array(z.string()),
    credentialTypes: z.array(z.string()).openapi({
      description: 'Credential types its `credential` config field accepts; empty when it takes none',
    }),
    outputDescription: z.string().nullable(),
    configSchema: z.record(z.string(), z.unknown()),
    traits: traitsSchema,
  })
  .openapi('NodeType');
/** The API's `NodeType` body (exported for tests; the registry's own type is @tributary/nodes' NodeType). */
export type NodeTypeBody = z.infer<typeof nodeTypeSchema>;

const sampleBody = z
  .object({
    config: z
      .record(z.string(), z.unknown())
      .default({})
      .openapi({ description: 'The node config as the editor holds it; it may be partial or invalid.' }),
  })
  .strict();

function traitsOf(t: NodeType): z.infer<typeof traitsSchema> {
  const { pure, join, split, dynamicOutputs, waitsForEvent, callsFlow, trigger } = t.traits;
  return {
    pure,
    join,
    split: split !== undefined,
    dynamicOutputs,
    waitsForEvent: waitsForEvent !== undefined,
    callsFlow: callsFlow !== undefined,
    trigger: trigger ?? null,
  };
}

function describeAll() {
  return nodeTypes.map((t) => {
    let outputs: readonly string[] = [];
    try {
      outputs = t.outputs({});
    } catch {
      // outputs derived from a config cannot always be listed without one: none are listed then
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
      credentialTypes: [...t.credentialTypes],
      outputDescription: t.outputDescription ?? null,
      // the editor renders forms from the input shape (defaults optional)
      configSchema: zod.toJSONSchema(t.config, { io: 'input', unrepresentable: 'any' }) as Record<
        string,
        unknown
      >,
      traits: traitsOf(t),
    };
  });
}

const sampleAnswer = z.object({
  item: z.unknown().nonoptional(),
  from: z
    .object({
      eventId: z.string(),
      type: z.string(),
      name: z.string().nullable(),
      source: z.string(),
      receivedAt: z.string().openapi({ format: 'date-time' }),
    })
    .nullable()
    .openapi({
      description:
        'The stored event the item was taken from: for a tracking trigger, the newest of the last 10,000 tracking events its type, event names, sources and condition let through (only for callers that may read runs, runs:read); null when the item is the node type’s made-up example.',
    }),
});
/** The answer of POST /node-types/{type}/sample (exported for tests). */
export type NodeSample = z.infer<typeof sampleAnswer>;

/** The node-types routes. */
export function nodeTypeRoutes(deps: Pick<AppDeps, 'engine'>) {
  const app = new OpenAPIHono<AppEnv>();
  let cached: ReturnType<typeof describeAll> | undefined;
  app.openapi(
    createRoute({
      method: 'get',
      path: '/node-types',
      tags: ['node types'],
      security: bearerSecurity,
      summary: 'The node catalogue: metadata, ports, traits and config JSON Schema of every node type',
      responses: { 200: json(z.object({ items: z.array(nodeTypeSchema) }), 'Node types'), ...errorResponses },
    }),
    (c) => {
      cached ??= describeAll();
      return c.json({ items: cached }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/node-types/{type}/sample',
      tags: ['node types'],
      security: bearerSecurity,
      summary: 'An example of the item a node type emits for a config: a trigger’s default test input',
      description:
        'A tracking trigger whose config is valid answers the newest logged event its filter lets through, when there is one and the caller may read runs (`from` names it). Otherwise the item is built from the config as given, which may be partial or invalid; node types that declare no example answer `{}`. A body that is not an object, or a `config` that is not one, is a 400.',
      request: {
        params: z.object({
          type: z
            .string()
            .min(1)
            .max(100)
            .openapi({ param: { in: 'path' }, example: 'trigger.webhook' }),
        }),
        body: { required: true, content: { 'application/json': { schema: sampleBody } } },
      },
      responses: {
        200: json(sampleAnswer, 'The example item'),
        ...errorResponses,
      },
    }),
    async (c) => {
      const { type } = c.req.valid('param');
      const nodeType = getNodeType(type);
      if (!nodeType) throw new NotFoundError(`there is no node type "${type}"`);
      const { config } = c.req.valid('json');
      if (nodeType.traits.trigger === 'tracking' && c.get('principal').scopes.includes('runs:read')) {
        const parsed = nodeType.config.safeParse(config);
        const logged = parsed.success
          ? await sampleTrackingEvent(deps.engine.ctx, parsed.data as TrackingTriggerConfig)
          : undefined;
        if (logged) {
          const { id, type: eventType, name, source, receivedAt } = logged.event;
          const from = { eventId: id, type: eventType, name, source, receivedAt: receivedAt.toISOString() };
          return c.json({ item: logged.item, from }, 200);
        }
      }
      return c.json({ item: nodeType.sample?.(config) ?? {}, from: null }, 200);
    },
    (result): undefined => {
      if (result.success) return undefined;
      const where = [
        ...new Set(result.error.issues.map((i) => [result.target, ...i.path.map(String)].join('.'))),
      ];
      // a wrong body is a malformed question (400), not an invalid thing to store (the usual 422)
      const detail =
        result.target === 'json'
          ? 'the body must be an object { "config": { … } }'
          : `the request ${result.target} is not valid`;
      throw new BadRequestError(`${detail} (${where.join(', ')})`, { code: 'invalid_request' });
    },
  );
  return app;
}
