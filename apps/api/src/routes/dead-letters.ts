// /api/v1/dead-letters: what could not succeed, and redrive.
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { DEAD_LETTER_STATUSES } from '@tributary/db';
import {
  discardDeadLetters,
  getDeadLetter,
  groupDeadLetters,
  listDeadLetters,
  redrive,
  redriveMany,
} from '@tributary/engine';
import { ConflictError, NotFoundError } from '@tributary/flow';
import type { AppDeps, AppEnv } from '../app-env.js';
import { bearerSecurity, conflictResponse, errorResponses, json, uuidParam } from '../app-env.js';
import { actorOf } from '../auth.js';
import { pageOf, pageQuery } from '../paging.js';
import { attemptSchema } from './runs.js';

const status = z.enum(DEAD_LETTER_STATUSES);
const tests = z.enum(['exclude', 'include', 'only']).openapi({
  description:
    'Dead letters of test runs of a draft: left out by default (`exclude`), shown with the others, or alone',
});

const deadLetterSchema = z
  .object({
    id: z.string().uuid(),
    flowId: z.string().uuid(),
    runId: z.string().uuid(),
    stepId: z.string().uuid(),
    nodeId: z.string(),
    version: z.number().int(),
    test: z.boolean().openapi({ description: 'From a test run of a draft (negative version)' }),
    status,
    input: z.unknown(),
    error: z.unknown(),
    attempts: z.array(attemptSchema),
    redriveStepId: z.string().uuid().nullable(),
    createdAt: z.string(),
    redrivenAt: z.string().nullable(),
  })
  .openapi('DeadLetter');
/** The API's `DeadLetter` body (exported for tests). */
export type DeadLetter = z.infer<typeof deadLetterSchema>;

const deadLetterGroupSchema = z
  .object({
    signature: z.string(),
    flowId: z.string().uuid(),
    nodeId: z.string(),
    code: z.string(),
    message: z.string().openapi({
      description:
        'The message with numbers, ids and quoted values folded (<n>, <id>, <text>): the grouping key',
    }),
    example: z.string().openapi({ description: "The newest dead letter's own message, as it was" }),
    count: z.number().int(),
    latestAt: z.string(),
    ids: z.array(z.string().uuid()),
  })
  .openapi('DeadLetterGroup');
/** The API's `DeadLetterGroup` body (exported for tests). */
export type DeadLetterGroup = z.infer<typeof deadLetterGroupSchema>;

const discardResultSchema = z
  .object({
    id: z.string(),
    ok: z.boolean(),
    error: z.object({ code: z.string(), message: z.string() }).optional(),
  })
  .openapi('DiscardResult');
/** The API's `DiscardResult` body (exported for tests). */
export type DiscardResult = z.infer<typeof discardResultSchema>;

const discardBody = z
  .object({
    reason: z
      .string()
      .trim()
      .min(1, 'say why (kept in the audit log)')
      .max(500)
      .openapi({ description: 'Why nothing more is needed; kept in the audit log' }),
  })
  .strict();

const redriveResultSchema = z
  .object({
    id: z.string(),
    ok: z.boolean(),
    stepId: z.string().optional(),
    error: z.object({ code: z.string(), message: z.string() }).optional(),
  })
  .openapi('RedriveResult');
/** The API's `RedriveResult` body (exported for tests). */
export type RedriveResult = z.infer<typeof redriveResultSchema>;

const idParams = z.object({ id: uuidParam });
const tags = ['dead letters'];

/** The dead-letter routes. */
export function deadLetterRoutes(deps: AppDeps) {
  const app = new OpenAPIHono<AppEnv>();

  app.openapi(
    createRoute({
      method: 'get',
      path: '/dead-letters',
      tags,
      security: bearerSecurity,
      summary: 'List dead letters, newest first',
      request: {
        query: z.object({
          flowId: z.string().uuid().optional(),
          status: status.optional(),
          tests: tests.optional(),
          ...pageQuery.shape,
        }),
      },
      responses: {
        200: json(pageOf(deadLetterSchema), 'Dead letters'),
        ...errorResponses,
      },
    }),
    async (c) => c.json(await listDeadLetters(deps.engine.ctx.db, c.req.valid('query')), 200),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/dead-letters/groups',
      tags,
      security: bearerSecurity,
      summary: 'Dead letters grouped by flow, node, error code and message shape',
      request: {
        query: z.object({
          flowId: z.string().uuid().optional(),
          status: status.optional(),
          tests: tests.optional(),
        }),
      },
      responses: {
        200: json(z.object({ items: z.array(deadLetterGroupSchema) }), 'Groups, largest first'),
        ...errorResponses,
      },
    }),
    async (c) => c.json({ items: await groupDeadLetters(deps.engine.ctx.db, c.req.valid('query')) }, 200),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/dead-letters/redrive',
      tags,
      security: bearerSecurity,
      summary: 'Redrive several dead letters (a selection or a group)',
      request: {
        body: {
          required: true,
          content: {
            'application/json': {
              schema: z
                .object({
                  ids: z.array(z.string().uuid()).min(1).max(1000),
                  useCurrentVersion: z.boolean().optional(),
                })
                .strict(),
            },
          },
        },
      },
      responses: {
        200: json(z.object({ results: z.array(redriveResultSchema) }), 'One result per dead letter'),
        ...errorResponses,
      },
    }),
    async (c) => {
      const { ids, useCurrentVersion } = c.req.valid('json');
      const results = await redriveMany(
        deps.engine.ctx,
        ids,
        { useCurrentVersion },
        actorOf(c.get('principal')),
      );
      return c.json({ results }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/dead-letters/discard',
      tags,
      security: bearerSecurity,
      summary: 'Discard several pending dead letters (a selection or a group), with a reason',
      request: {
        body: {
          required: true,
          content: {
            'application/json': {
              schema: discardBody.extend({ ids: z.array(z.string().uuid()).min(1).max(1000) }).strict(),
            },
          },
        },
      },
      responses: {
        200: json(z.object({ results: z.array(discardResultSchema) }), 'One result per dead letter'),
        ...errorResponses,
      },
    }),
    async (c) => {
      const { ids, reason } = c.req.valid('json');
      const results = await discardDeadLetters(deps.engine.ctx, ids, reason, actorOf(c.get('principal')));
      return c.json({ results }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/dead-letters/{id}/discard',
      tags,
      security: bearerSecurity,
      summary: 'Discard a pending dead letter, with a reason (its run stays failed)',
      request: {
        params: idParams,
        body: { required: true, content: { 'application/json': { schema: discardBody } } },
      },
      responses: {
        200: json(deadLetterSchema, 'The dead letter, discarded'),
        ...errorResponses,
        ...conflictResponse,
      },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const [result] = await discardDeadLetters(
        deps.engine.ctx,
        [id],
        c.req.valid('json').reason,
        actorOf(c.get('principal')),
      );
      if (result?.error?.code === 'not_found') throw new NotFoundError(result.error.message);
      if (result?.error) throw new ConflictError(result.error.message, { code: result.error.code });
      return c.json(await getDeadLetter(deps.engine.ctx.db, id), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/dead-letters/{id}',
      tags,
      security: bearerSecurity,
      summary: 'Get a dead letter',
      request: { params: idParams },
      responses: { 200: json(deadLetterSchema, 'The dead letter'), ...errorResponses },
    }),
    async (c) => c.json(await getDeadLetter(deps.engine.ctx.db, c.req.valid('param').id), 200),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/dead-letters/{id}/redrive',
      tags,
      security: bearerSecurity,
      summary: 'Run the dead step again; the run resumes from there',
      request: {
        params: idParams,
        body: {
          required: false,
          content: {
            'application/json': {
              schema: z
                .object({
                  input: z.unknown().optional().openapi({ description: 'Replaces the step input.' }),
                  useCurrentVersion: z.boolean().optional(),
                })
                .strict(),
            },
          },
        },
      },
      responses: {
        202: json(
          z.object({
            deadLetterId: z.string().uuid(),
            stepId: z.string().uuid(),
            runId: z.string().uuid(),
            version: z.number().int(),
          }),
          'Redrive started',
        ),
        ...errorResponses,
        ...conflictResponse,
      },
    }),
    async (c) => {
      const options = c.req.header('content-type') ? c.req.valid('json') : {};
      return c.json(
        await redrive(deps.engine.ctx, c.req.valid('param').id, options, actorOf(c.get('principal'))),
        202,
      );
    },
  );

  return app;
}
