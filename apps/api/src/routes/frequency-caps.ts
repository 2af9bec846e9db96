// /api/v1/frequency-caps: the instance's frequency caps — at most `limit` sends per person on a channel within
// `periodMs`, counted across every flow. Everyone signed in may read them; only owners (admin) change them.
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import {
  createFrequencyCap,
  deleteFrequencyCap,
  getFrequencyCap,
  listFrequencyCaps,
  MAX_CAP_LIMIT,
  MAX_CAP_PERIOD_MS,
  MIN_CAP_PERIOD_MS,
  updateFrequencyCap,
} from '@tributary/engine';
import { CHANNEL_HINT, CHANNEL_PATTERN } from '@tributary/flow';
import type { AppDeps, AppEnv } from '../app-env.js';
import { bearerSecurity, conflictResponse, errorResponses, json, uuidParam } from '../app-env.js';
import { actorOf } from '../auth.js';

const capSchema = z
  .object({
    id: z.string().uuid(),
    channel: z.string(),
    limit: z.number().int(),
    periodMs: z.number().int(),
    createdAt: z.string(),
    updatedAt: z.string(),
    updatedBy: z.string(),
  })
  .openapi('FrequencyCap');
/** The API's `FrequencyCap` body (exported for tests). */
export type FrequencyCap = z.infer<typeof capSchema>;

const capBody = z
  .object({
    channel: z.string().regex(CHANNEL_PATTERN, CHANNEL_HINT).openapi({
      description: 'The channel tag of the sending nodes it counts (email, sms, push, slack, …)',
      example: 'email',
    }),
    limit: z.number().int().min(1).max(MAX_CAP_LIMIT).openapi({ description: 'Sends allowed per period' }),
    periodMs: z
      .number()
      .int()
      .min(MIN_CAP_PERIOD_MS)
      .max(MAX_CAP_PERIOD_MS)
      .openapi({ description: 'The sliding period the sends are counted over, in ms', example: 86_400_000 }),
  })
  .strict()
  .openapi('FrequencyCapInput');

const idParams = z.object({ id: uuidParam });
const tags = ['frequency caps'];

/** The frequency cap routes. */
export function frequencyCapRoutes(deps: AppDeps) {
  const app = new OpenAPIHono<AppEnv>();
  const db = () => deps.engine.ctx.db;

  app.openapi(
    createRoute({
      method: 'get',
      path: '/frequency-caps',
      tags,
      security: bearerSecurity,
      summary: 'List the frequency caps, by channel and period',
      responses: { 200: json(z.object({ items: z.array(capSchema) }), 'Frequency caps'), ...errorResponses },
    }),
    async (c) => c.json({ items: await listFrequencyCaps(db()) }, 200),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/frequency-caps/{id}',
      tags,
      security: bearerSecurity,
      summary: 'Get a frequency cap',
      request: { params: idParams },
      responses: { 200: json(capSchema, 'The frequency cap'), ...errorResponses },
    }),
    async (c) => c.json(await getFrequencyCap(db(), c.req.valid('param').id), 200),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/frequency-caps',
      tags,
      security: bearerSecurity,
      summary:
        'Create a frequency cap; it holds from the next send on its channel on, counting the sends already made',
      request: { body: { required: true, content: { 'application/json': { schema: capBody } } } },
      responses: { 201: json(capSchema, 'Created'), ...errorResponses, ...conflictResponse },
    }),
    async (c) =>
      c.json(await createFrequencyCap(db(), c.req.valid('json'), actorOf(c.get('principal'))), 201),
  );

  app.openapi(
    createRoute({
      method: 'put',
      path: '/frequency-caps/{id}',
      tags,
      security: bearerSecurity,
      summary: 'Change a frequency cap',
      request: {
        params: idParams,
        body: { required: true, content: { 'application/json': { schema: capBody } } },
      },
      responses: { 200: json(capSchema, 'Changed'), ...errorResponses, ...conflictResponse },
    }),
    async (c) =>
      c.json(
        await updateFrequencyCap(
          db(),
          c.req.valid('param').id,
          c.req.valid('json'),
          actorOf(c.get('principal')),
        ),
        200,
      ),
  );

  app.openapi(
    createRoute({
      method: 'delete',
      path: '/frequency-caps/{id}',
      tags,
      security: bearerSecurity,
      summary: 'Delete a frequency cap',
      request: { params: idParams },
      responses: { 204: { description: 'Deleted' }, ...errorResponses },
    }),
    async (c) => {
      await deleteFrequencyCap(db(), c.req.valid('param').id, actorOf(c.get('principal')));
      return c.body(null, 204);
    },
  );

  return app;
}
