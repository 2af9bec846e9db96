// /api/v1/flows: drafts, publish, versions, rollback, deactivate.
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import {
  activateVersion,
  createFlow,
  deactivateFlow,
  deleteFlow,
  flowStats,
  getFlow,
  listFlows,
  listVersions,
  publishFlow,
  startTestRun,
  updateDraft,
} from '@tributary/engine';
import type { AppDeps, AppEnv } from '../app-env.js';
import { bearerSecurity, conflictResponse, errorResponses, json, uuidParam } from '../app-env.js';
import { actorOf } from '../auth.js';
import { requires } from '../route-scopes.js';

const definitionSchema = z.record(z.string(), z.unknown()).openapi('FlowDefinition', {
  description:
    'A flow definition: { name, slug, description, nodes: [{ id, type, name, config, retry?, timeoutMs?, disabled?, position }], edges: [{ id, source, sourceHandle?, target, targetHandle? }], settings }. Node types and their config schemas: GET /api/v1/node-types.',
});

const flowSchema = z
  .object({
    id: z.string().uuid(),
    slug: z.string(),
    name: z.string(),
    description: z.string(),
    status: z.enum(['draft', 'published', 'inactive']),
    activeVersion: z.number().int().nullable(),
    latestVersion: z.number().int(),
    draft: definitionSchema,
    problems: z
      .array(
        z.object({
          path: z.string(),
          message: z.string(),
          nodeId: z.string().optional(),
          code: z.string().optional(),
        }),
      )
      .openapi({ description: 'What stands between the draft and publishing; empty when publishable.' }),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi('Flow');
/** The API's `Flow` body (exported for tests). */
export type Flow = z.infer<typeof flowSchema>;

const statsSchema = z.object({
  lastRunAt: z.string().nullable(),
  lastRunStatus: z.string().nullable(),
  runs24h: z.number().int(),
  failed24h: z.number().int(),
});

const saveQuery = z.object({
  allowInvalid: z
    .enum(['true', 'false'])
    .optional()
    .transform((v) => v === 'true')
    .openapi({ description: 'Keep a draft that has the right shape but validation problems (autosave).' }),
});

const versionSchema = z
  .object({
    version: z.number().int(),
    createdAt: z.string(),
    createdBy: z.string().nullable(),
    definition: definitionSchema,
  })
  .openapi('FlowVersion');
/** The API's `FlowVersion` body (exported for tests). */
export type FlowVersion = z.infer<typeof versionSchema>;

const idParams = z.object({ id: uuidParam });
const body = { required: true, content: { 'application/json': { schema: definitionSchema } } };
const tags = ['flows'];

/** The flows routes. */
export function flowRoutes(deps: AppDeps) {
  const app = new OpenAPIHono<AppEnv>();

  app.openapi(
    createRoute({
      method: 'post',
      path: '/flows',
      tags,
      security: bearerSecurity,
      summary: 'Create a flow (its draft)',
      request: { body, query: saveQuery },
      responses: { 201: json(flowSchema, 'Created'), ...errorResponses, ...conflictResponse },
    }),
    async (c) => {
      const options = { allowInvalid: c.req.valid('query').allowInvalid };
      return c.json(
        await createFlow(deps.engine.ctx.db, c.req.valid('json'), actorOf(c.get('principal')), options),
        201,
      );
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/flows',
      tags,
      security: bearerSecurity,
      summary: 'List flows',
      responses: {
        200: json(z.object({ items: z.array(flowSchema.extend({ stats: statsSchema })) }), 'Flows'),
        ...errorResponses,
      },
    }),
    async (c) => {
      const [flows, stats] = await Promise.all([
        listFlows(deps.engine.ctx.db),
        flowStats(deps.engine.ctx.db),
      ]);
      const none = { lastRunAt: null, lastRunStatus: null, runs24h: 0, failed24h: 0 };
      return c.json({ items: flows.map((f) => ({ ...f, stats: stats.get(f.id) ?? none })) }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/flows/{id}',
      tags,
      security: bearerSecurity,
      summary: 'Get a flow',
      request: { params: idParams },
      responses: { 200: json(flowSchema, 'The flow'), ...errorResponses },
    }),
    async (c) => c.json(await getFlow(deps.engine.ctx.db, c.req.valid('param').id), 200),
  );

  app.openapi(
    createRoute({
      method: 'put',
      path: '/flows/{id}',
      tags,
      security: bearerSecurity,
      summary: "Replace a flow's draft",
      description: 'Secret config values sent back as "********" keep their stored value.',
      request: { params: idParams, body, query: saveQuery },
      responses: { 200: json(flowSchema, 'Updated'), ...errorResponses, ...conflictResponse },
    }),
    async (c) => {
      const options = { allowInvalid: c.req.valid('query').allowInvalid };
      const actor = actorOf(c.get('principal'));
      return c.json(
        await updateDraft(deps.engine.ctx.db, c.req.valid('param').id, c.req.valid('json'), actor, options),
        200,
      );
    },
  );

  app.openapi(
    createRoute({
      method: 'delete',
      path: '/flows/{id}',
      tags,
      security: bearerSecurity,
      summary: 'Delete a flow (its run history stays)',
      request: { params: idParams },
      responses: { 204: { description: 'Deleted' }, ...errorResponses },
    }),
    async (c) => {
      await deleteFlow(deps.engine.ctx.db, c.req.valid('param').id, actorOf(c.get('principal')));
      await deps.engine.flowsChanged();
      return c.body(null, 204);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/flows/{id}/publish',
      tags,
      security: bearerSecurity,
      summary: 'Publish the draft as a new version',
      request: { params: idParams },
      responses: {
        200: json(z.object({ version: z.number().int() }), 'Published'),
        ...errorResponses,
        ...conflictResponse,
      },
    }),
    async (c) => {
      const published = await publishFlow(
        deps.engine.ctx.db,
        c.req.valid('param').id,
        actorOf(c.get('principal')),
      );
      await deps.engine.flowsChanged();
      return c.json(published, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/flows/{id}/versions',
      tags,
      security: bearerSecurity,
      summary: 'List published versions',
      request: { params: idParams },
      responses: { 200: json(z.object({ items: z.array(versionSchema) }), 'Versions'), ...errorResponses },
    }),
    async (c) => c.json({ items: await listVersions(deps.engine.ctx.db, c.req.valid('param').id) }, 200),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/flows/{id}/versions/{version}/publish',
      tags,
      security: bearerSecurity,
      summary: 'Make an earlier version live again (rollback)',
      request: {
        params: z.object({
          id: uuidParam,
          version: z.coerce
            .number()
            .int()
            .min(1)
            .openapi({ param: { in: 'path' }, example: 1 }),
        }),
      },
      responses: {
        200: json(z.object({ version: z.number().int() }), 'Live version'),
        ...errorResponses,
        ...conflictResponse,
      },
    }),
    async (c) => {
      const { id, version } = c.req.valid('param');
      const live = await activateVersion(deps.engine.ctx.db, id, version, actorOf(c.get('principal')));
      await deps.engine.flowsChanged();
      return c.json(live, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/flows/{id}/deactivate',
      tags,
      security: bearerSecurity,
      summary: 'Stop a flow from starting runs',
      request: { params: idParams },
      responses: { 200: json(flowSchema, 'Deactivated'), ...errorResponses },
    }),
    async (c) => {
      const flow = await deactivateFlow(
        deps.engine.ctx.db,
        c.req.valid('param').id,
        actorOf(c.get('principal')),
      );
      await deps.engine.flowsChanged();
      return c.json(flow, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/flows/{id}/test-runs',
      tags,
      // a test run feeds the flow an event of the caller's making, so it needs events:write, not flows:write
      ...requires('events:write'),
      summary: 'Run the current draft once without publishing it',
      description:
        'The draft is frozen as a test snapshot (a negative version) and run with `item` as the trigger output; for a webhook trigger shape it as {body, headers, query, method, path}. Follow it with GET /runs/{runId}/stream.',
      request: {
        params: idParams,
        body: {
          required: false,
          content: { 'application/json': { schema: z.object({ item: z.unknown().optional() }).strict() } },
        },
      },
      responses: {
        202: json(
          z.object({ runId: z.string().uuid(), eventId: z.string().uuid(), version: z.number().int() }),
          'Test run started',
        ),
        ...errorResponses,
      },
    }),
    async (c) => {
      const body = c.req.header('content-type') ? c.req.valid('json') : {};
      const actor = actorOf(c.get('principal'));
      return c.json(
        await startTestRun(deps.engine.ctx, c.req.valid('param').id, body.item ?? {}, actor),
        202,
      );
    },
  );

  return app;
}
