// Backfills: replaying the stored events of a time range into a published flow version (engine backfill/).
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { BACKFILL_STATUSES } from '@tributary/db';
import {
  BACKFILL_TRIGGER_KINDS,
  cancelBackfill,
  DEFAULT_BACKFILL_MAX_IN_FLIGHT,
  getBackfill,
  listBackfills,
  MAX_BACKFILL_MAX_IN_FLIGHT,
  startBackfill,
} from '@tributary/engine';
import type { AppDeps, AppEnv } from '../app-env.js';
import { bearerSecurity, conflictResponse, errorResponses, json, uuidParam } from '../app-env.js';
import { actorOf } from '../auth.js';
import { pageOf, pageQuery } from '../paging.js';

const filterSchema = z
  .object({
    names: z.array(z.string().min(1).max(200)).min(1).max(100).optional().openapi({
      description:
        "Tracking triggers only: just events of these names (a track's event, a page's or screen's name)",
    }),
    condition: z
      .string()
      .min(1)
      .max(2000)
      .optional()
      .openapi({
        description:
          'An expression in {{ }} (JSONata, with the limits of every expression): an event is replayed when it ' +
          'is truthy. `$json` is the trigger item the run would get, `$event` the stored event',
        example: '{{ $json.body.plan = "pro" }}',
      }),
  })
  .strict()
  .openapi('BackfillFilter');

const requestSchema = z
  .object({
    from: z.iso
      .datetime({ offset: true })
      .openapi({ description: 'Events received at or after this time (ISO 8601)' }),
    to: z.iso.datetime({ offset: true }).openapi({
      description:
        'Events received before this time; after `from` and not in the future (events from now on start runs themselves)',
    }),
    version: z
      .number()
      .int()
      .min(1)
      .optional()
      .openapi({ description: 'A published version of the flow; its live version when absent' }),
    filter: filterSchema.optional(),
    maxInFlight: z
      .number()
      .int()
      .min(1)
      .max(MAX_BACKFILL_MAX_IN_FLIGHT)
      .optional()
      .openapi({
        description: `At most this many of the backfill's runs open at once (default ${DEFAULT_BACKFILL_MAX_IN_FLIGHT})`,
      }),
  })
  .strict();

const backfillSchema = z
  .object({
    id: z.string().uuid(),
    flowId: z.string().uuid(),
    version: z.number().int(),
    from: z.string(),
    to: z.string(),
    filter: filterSchema.nullable(),
    status: z.enum(BACKFILL_STATUSES).openapi({
      description:
        '`running` while it starts runs or runs it started are open; `done` once every event was looked at and ' +
        'its runs ended; `canceled` (runs already started go on); `failed` (its flow was deleted: see error)',
    }),
    maxInFlight: z.number().int(),
    total: z
      .number()
      .int()
      .openapi({
        description:
          "Events of the range from the trigger's sources (and filter names), counted at the start; once all are " +
          'looked at, the number looked at',
      }),
    scanned: z.number().int().openapi({ description: 'Events looked at so far' }),
    started: z.number().int().openapi({ description: 'Runs started' }),
    skipped: z.number().int().openapi({
      description: "Events looked at and not replayed: the trigger's condition or the filter's let them pass",
    }),
    filterErrors: z
      .number()
      .int()
      .openapi({ description: 'Of the skipped, events whose filter condition failed to evaluate' }),
    succeeded: z.number().int().openapi({ description: 'Runs of it that succeeded' }),
    failed: z.number().int(),
    canceled: z.number().int(),
    open: z.number().int().openapi({ description: 'Runs of it not ended yet' }),
    error: z.string().nullable(),
    createdBy: z.string(),
    createdAt: z.string(),
    finishedAt: z.string().nullable(),
  })
  .openapi('Backfill');
/** The API's `Backfill` body (exported for tests). */
export type Backfill = z.infer<typeof backfillSchema>;

const idParams = z.object({ id: uuidParam });
const tags = ['backfills'];

/** The backfill routes (runs:write to start or cancel, runs:read to look). */
export function backfillRoutes(deps: AppDeps) {
  const app = new OpenAPIHono<AppEnv>();

  app.openapi(
    createRoute({
      method: 'post',
      path: '/flows/{id}/backfill',
      tags,
      security: bearerSecurity,
      summary: 'Replay the stored events of a time range into a published version as new runs',
      description:
        `Starts a backfill: the events received in [from, to) that the version's trigger takes (${BACKFILL_TRIGGER_KINDS.join(', ')} ` +
        'triggers; the same sources and matching as live events) and the filter lets through each start one new run, linked to its event and the backfill, ' +
        "a batch at a time, at most maxInFlight open at once, each admitted under the flow's concurrency, partition key, throttle and debounce.",
      request: {
        params: idParams,
        body: { required: true, content: { 'application/json': { schema: requestSchema } } },
      },
      responses: { 202: json(backfillSchema, 'Started'), ...errorResponses, ...conflictResponse },
    }),
    async (c) => {
      const { from, to, ...rest } = c.req.valid('json');
      const started = await startBackfill(
        deps.engine.ctx,
        c.req.valid('param').id,
        { ...rest, from: new Date(from), to: new Date(to) },
        actorOf(c.get('principal')),
      );
      return c.json(started, 202);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/flows/{id}/backfills',
      tags,
      security: bearerSecurity,
      summary: "A flow's backfills, newest first",
      request: { params: idParams, query: pageQuery },
      responses: { 200: json(pageOf(backfillSchema), 'Backfills'), ...errorResponses },
    }),
    async (c) =>
      c.json(await listBackfills(deps.engine.ctx.db, c.req.valid('param').id, c.req.valid('query')), 200),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/backfills/{id}',
      tags,
      security: bearerSecurity,
      summary: 'A backfill and its progress (its runs: GET /runs?backfill=<id>)',
      request: { params: idParams },
      responses: { 200: json(backfillSchema, 'The backfill'), ...errorResponses },
    }),
    async (c) => c.json(await getBackfill(deps.engine.ctx.db, c.req.valid('param').id), 200),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/backfills/{id}/cancel',
      tags,
      security: bearerSecurity,
      summary: 'Cancel a backfill: it starts no more runs; runs it started go on',
      description:
        'Cancelling a canceled backfill answers it unchanged; a done or failed one is a conflict. Runs already started are not canceled (cancel them one by one: POST /runs/{id}/cancel).',
      request: { params: idParams },
      responses: { 200: json(backfillSchema, 'Canceled'), ...errorResponses, ...conflictResponse },
    }),
    async (c) =>
      c.json(
        await cancelBackfill(deps.engine.ctx, c.req.valid('param').id, actorOf(c.get('principal'))),
        200,
      ),
  );

  return app;
}
