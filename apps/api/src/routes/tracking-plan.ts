// /api/v1/sources/:id/plan and /schemas: a source's tracking plan — its mode and a versioned JSON Schema per
// track event name.
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import {
  deleteEventSchema,
  eventSchemaVersions,
  listEventSchemas,
  putEventSchema,
  setSourcePlan,
} from '@tributary/engine';
import type { AppDeps, AppEnv } from '../app-env.js';
import { bearerSecurity, errorResponses, json, uuidParam } from '../app-env.js';
import { actorOf } from '../auth.js';
import { TRACKING_LIMITS } from '../tracking/limits.js';
import { sourceSchema } from './sources.js';

/** Bytes a schema may take as JSON: plenty for an event's properties, bounded for the ingest's memory. */
const MAX_SCHEMA_BYTES = 64 * 1024;

const planModeSchema = z.enum(['off', 'flag', 'reject']).openapi({
  description:
    'What happens to a tracking call that breaks the plan: nothing (off), stored with its violations (flag), ' +
    'or the whole request refused with 400 (reject)',
});
const unplannedSchema = z.enum(['allow', 'violation']).openapi({
  description: 'Whether a track event whose name has no schema in the plan is fine (allow) or a violation',
});

const jsonSchemaBody = z
  .record(z.string(), z.unknown(), { error: 'must be a JSON Schema object' })
  .refine((value) => Buffer.byteLength(JSON.stringify(value), 'utf8') <= MAX_SCHEMA_BYTES, {
    message: `must be at most ${MAX_SCHEMA_BYTES / 1024} KB as JSON`,
  })
  .openapi({
    description:
      "A JSON Schema (draft 2020-12, or draft-07 when its $schema says so) for the track event's properties",
    example: {
      type: 'object',
      required: ['total'],
      properties: { total: { type: 'number' }, currency: { type: 'string', enum: ['EUR', 'USD'] } },
    },
  });

const schemaVersionSchema = z
  .object({
    event: z.string(),
    version: z.number().int(),
    schema: z
      .record(z.string(), z.unknown())
      .nullable()
      .openapi({ description: 'Null for the version that took the event out of the plan' }),
    createdBy: z.string(),
    createdAt: z.string(),
  })
  .openapi('EventSchemaVersion');
/** The API's `EventSchemaVersion` body (exported for tests). */
export type EventSchemaVersion = z.infer<typeof schemaVersionSchema>;

const eventSchemaSchema = schemaVersionSchema
  .extend({ schema: z.record(z.string(), z.unknown()) })
  .openapi('EventSchema');
/** The API's `EventSchema` body (exported for tests). */
export type EventSchema = z.infer<typeof eventSchemaSchema>;

const idParams = z.object({ id: uuidParam });
const eventParams = z.object({
  id: uuidParam,
  event: z
    .string()
    .min(1)
    .max(TRACKING_LIMITS.nameLength)
    .openapi({
      param: { in: 'path' },
      description: 'The track event name (URL-encoded)',
      example: 'Order Completed',
    }),
});
const tags = ['sources'];

/** The tracking plan routes (scoped like the source routes). */
export function trackingPlanRoutes(deps: AppDeps) {
  const app = new OpenAPIHono<AppEnv>();

  app.openapi(
    createRoute({
      method: 'put',
      path: '/sources/{id}/plan',
      tags,
      security: bearerSecurity,
      summary: 'Set what the source does with calls that break its tracking plan',
      request: {
        params: idParams,
        body: {
          required: true,
          content: {
            'application/json': {
              schema: z
                .object({ planMode: planModeSchema, unplannedEvents: unplannedSchema.optional() })
                .strict(),
            },
          },
        },
      },
      responses: { 200: json(sourceSchema, 'The source'), ...errorResponses },
    }),
    async (c) =>
      c.json(
        await setSourcePlan(
          deps.engine.ctx.db,
          c.req.valid('param').id,
          c.req.valid('json'),
          actorOf(c.get('principal')),
        ),
        200,
      ),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/sources/{id}/schemas',
      tags,
      security: bearerSecurity,
      summary: "The source's tracking plan: the schema in force of each event name",
      request: { params: idParams },
      responses: {
        200: json(z.object({ items: z.array(eventSchemaSchema) }), 'Event schemas'),
        ...errorResponses,
      },
    }),
    async (c) => c.json({ items: await listEventSchemas(deps.engine.ctx.db, c.req.valid('param').id) }, 200),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/sources/{id}/schemas/{event}',
      tags,
      security: bearerSecurity,
      summary: "Every version of an event's schema, newest (the one in force) first",
      request: { params: eventParams },
      responses: {
        200: json(z.object({ items: z.array(schemaVersionSchema) }), 'Versions'),
        ...errorResponses,
      },
    }),
    async (c) => {
      const { id, event } = c.req.valid('param');
      return c.json({ items: await eventSchemaVersions(deps.engine.ctx.db, id, event) }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'put',
      path: '/sources/{id}/schemas/{event}',
      tags,
      security: bearerSecurity,
      summary:
        "Set an event's schema: a new version when it differs from the one in force, nothing when it is the same",
      request: {
        params: eventParams,
        body: {
          required: true,
          content: { 'application/json': { schema: z.object({ schema: jsonSchemaBody }).strict() } },
        },
      },
      responses: {
        201: json(schemaVersionSchema, 'A new version'),
        200: json(schemaVersionSchema, 'The same schema is in force already: no new version'),
        ...errorResponses,
      },
    }),
    async (c) => {
      const { id, event } = c.req.valid('param');
      const { created, ...version } = await putEventSchema(
        deps.engine.ctx.db,
        id,
        event,
        c.req.valid('json').schema,
        actorOf(c.get('principal')),
      );
      return created ? c.json(version, 201) : c.json(version, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'delete',
      path: '/sources/{id}/schemas/{event}',
      tags,
      security: bearerSecurity,
      summary: 'Take an event out of the plan (a version without a schema; older versions stay)',
      request: { params: eventParams },
      responses: { 204: { description: 'Taken out' }, ...errorResponses },
    }),
    async (c) => {
      const { id, event } = c.req.valid('param');
      await deleteEventSchema(deps.engine.ctx.db, id, event, actorOf(c.get('principal')));
      return c.body(null, 204);
    },
  );

  return app;
}
