// /api/v1/profiles/:id: a person's traits, the ids they are known by and their latest events.
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { getProfile } from '@tributary/engine';
import type { AppDeps, AppEnv } from '../app-env.js';
import { bearerSecurity, errorResponses, json } from '../app-env.js';

const profileSchema = z
  .object({
    id: z.string().uuid(),
    traits: z.record(z.string(), z.unknown()),
    identities: z.array(z.object({ kind: z.enum(['userId', 'anonymousId']), value: z.string() })),
    createdAt: z.string(),
    updatedAt: z.string(),
    recentEvents: z.array(
      z.object({
        id: z.string().uuid(),
        source: z.string(),
        type: z.string(),
        name: z.string().nullable(),
        userId: z.string().nullable(),
        anonymousId: z.string().nullable(),
        occurredAt: z.string().nullable(),
        receivedAt: z.string(),
      }),
    ),
  })
  .openapi('Profile');

/** The profile routes. */
export function profileRoutes(deps: AppDeps) {
  const app = new OpenAPIHono<AppEnv>();

  app.openapi(
    createRoute({
      method: 'get',
      path: '/profiles/{id}',
      tags: ['profiles'],
      security: bearerSecurity,
      summary: 'Get a profile by its id, a userId or an anonymousId, with its latest events',
      request: {
        params: z.object({
          id: z
            .string()
            .min(1)
            .max(255)
            .openapi({
              param: { in: 'path' },
              description: 'The profile id (uuid); else a userId; else an anonymousId',
              example: 'user-42',
            }),
        }),
        query: z.object({
          events: z.coerce
            .number()
            .int()
            .min(0)
            .max(200)
            .default(20)
            .openapi({ description: 'How many recent events to include' }),
        }),
      },
      responses: { 200: json(profileSchema, 'The profile'), ...errorResponses },
    }),
    async (c) =>
      c.json(await getProfile(deps.engine.ctx.db, c.req.valid('param').id, c.req.valid('query').events), 200),
  );

  return app;
}
