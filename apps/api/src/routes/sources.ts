// /api/v1/sources: tracking sources and their write keys (create, list, rotate, disable, enable).
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { createSource, getSource, listSources, rotateWriteKey, setSourceStatus } from '@tributary/engine';
import type { AppDeps, AppEnv } from '../app-env.js';
import { bearerSecurity, errorResponses, json, uuidParam } from '../app-env.js';
import { actorOf } from '../auth.js';

/** A source as the API answers it (never its write key). */
export const sourceSchema = z
  .object({
    id: z.string().uuid(),
    name: z.string(),
    status: z.enum(['active', 'disabled']),
    writeKeyPrefix: z
      .string()
      .openapi({ description: 'The first characters of the write key, to tell keys apart' }),
    createdAt: z.string(),
    rotatedAt: z.string().nullable(),
    lastEventAt: z
      .string()
      .nullable()
      .openapi({ description: 'When an event last came in through this source (up to a few seconds late)' }),
    planMode: z.enum(['off', 'flag', 'reject']).openapi({
      description:
        'What happens to a tracking call that breaks the tracking plan: nothing, stored flagged, or refused',
    }),
    unplannedEvents: z.enum(['allow', 'violation']).openapi({
      description: 'Whether a track event whose name has no schema in the plan breaks the plan',
    }),
    planRevision: z
      .number()
      .int()
      .openapi({ description: "Raised by every change of the plan's event schemas" }),
  })
  .openapi('Source');
/** The API's `Source` body (exported for tests). */
export type Source = z.infer<typeof sourceSchema>;

const sourceWithKeySchema = sourceSchema
  .extend({
    writeKey: z.string().openapi({
      description: 'The write key in plain text: shown only in this answer (create and rotate), never again',
    }),
  })
  .openapi('SourceWithWriteKey');
/** The API's `SourceWithWriteKey` body (exported for tests). */
export type SourceWithWriteKey = z.infer<typeof sourceWithKeySchema>;

const idParams = z.object({ id: uuidParam });
const tags = ['sources'];

/** The source routes. */
export function sourceRoutes(deps: AppDeps) {
  const app = new OpenAPIHono<AppEnv>();

  app.openapi(
    createRoute({
      method: 'post',
      path: '/sources',
      tags,
      security: bearerSecurity,
      summary: 'Create a tracking source; the answer holds its write key, shown this once',
      request: {
        body: {
          required: true,
          content: {
            'application/json': { schema: z.object({ name: z.string().trim().min(1).max(200) }).strict() },
          },
        },
      },
      responses: { 201: json(sourceWithKeySchema, 'Created'), ...errorResponses },
    }),
    async (c) => {
      const { name } = c.req.valid('json');
      return c.json(await createSource(deps.engine.ctx.db, name, actorOf(c.get('principal'))), 201);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/sources',
      tags,
      security: bearerSecurity,
      summary: 'List tracking sources, newest first (without write keys)',
      responses: { 200: json(z.object({ items: z.array(sourceSchema) }), 'Sources'), ...errorResponses },
    }),
    async (c) => c.json({ items: await listSources(deps.engine.ctx.db) }, 200),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/sources/{id}',
      tags,
      security: bearerSecurity,
      summary: 'Get a tracking source (without its write key)',
      request: { params: idParams },
      responses: { 200: json(sourceSchema, 'The source'), ...errorResponses },
    }),
    async (c) => c.json(await getSource(deps.engine.ctx.db, c.req.valid('param').id), 200),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/sources/{id}/rotate',
      tags,
      security: bearerSecurity,
      summary: 'Replace the write key: the old one stops working at once; the new one is shown this once',
      request: { params: idParams },
      responses: { 200: json(sourceWithKeySchema, 'Rotated'), ...errorResponses },
    }),
    async (c) =>
      c.json(
        await rotateWriteKey(deps.engine.ctx.db, c.req.valid('param').id, actorOf(c.get('principal'))),
        200,
      ),
  );

  for (const [action, status] of [
    ['disable', 'disabled'],
    ['enable', 'active'],
  ] as const) {
    app.openapi(
      createRoute({
        method: 'post',
        path: `/sources/{id}/${action}`,
        tags,
        security: bearerSecurity,
        summary:
          action === 'disable'
            ? 'Disable a source: its write key is refused with 403 until it is enabled again'
            : 'Enable a disabled source again',
        request: { params: idParams },
        responses: { 200: json(sourceSchema, 'The source'), ...errorResponses },
      }),
      async (c) =>
        c.json(
          await setSourceStatus(
            deps.engine.ctx.db,
            c.req.valid('param').id,
            status,
            actorOf(c.get('principal')),
          ),
          200,
        ),
    );
  }

  return app;
}
