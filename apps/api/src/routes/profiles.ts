// /api/v1/profiles: finding people by id or trait; /api/v1/profiles/:id: a person's traits, the ids they are
// known by and their latest events; /api/v1/event-names: what people have been doing lately, by name.
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { getProfile, PROFILE_SEARCH_LIMIT, recentEventNames, searchProfiles } from '@tributary/engine';
import type { AppDeps, AppEnv } from '../app-env.js';
import { bearerSecurity, errorResponses, json } from '../app-env.js';

const profileFields = {
  id: z.string().uuid(),
  traits: z.record(z.string(), z.unknown()),
  identities: z.array(z.object({ kind: z.enum(['userId', 'anonymousId']), value: z.string() })),
  createdAt: z.string(),
  updatedAt: z.string(),
};

const profileSummarySchema = z.object(profileFields).openapi('ProfileSummary');
/** The API's `ProfileSummary` body (exported for tests). */
export type ProfileSummary = z.infer<typeof profileSummarySchema>;

const profileSchema = z
  .object({
    ...profileFields,
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
/** The API's `Profile` body (exported for tests). */
export type Profile = z.infer<typeof profileSchema>;

/** The profile routes. */
export function profileRoutes(deps: AppDeps) {
  const app = new OpenAPIHono<AppEnv>();

  app.openapi(
    createRoute({
      method: 'get',
      path: '/event-names',
      tags: ['events'],
      security: bearerSecurity,
      summary: 'The names of recent tracking events, most recently seen first (for suggestions)',
      description:
        'Reads the newest 10,000 named events (filtered by source and type first) and groups them by name.',
      request: {
        query: z.object({
          source: z
            .string()
            .max(300)
            .optional()
            .openapi({ description: 'Only from this source, e.g. tracking:<id>' }),
          type: z
            .enum(['track', 'page', 'screen'])
            .optional()
            .openapi({ description: 'Only of this call type' }),
          limit: z.coerce.number().int().min(1).max(200).default(50),
        }),
      },
      responses: {
        200: json(
          z.object({
            items: z.array(z.object({ name: z.string(), count: z.number().int(), lastAt: z.string() })),
          }),
          'Event names with how often each came among the events read, and when last',
        ),
        ...errorResponses,
      },
    }),
    async (c) => c.json({ items: await recentEventNames(deps.engine.ctx.db, c.req.valid('query')) }, 200),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/profiles',
      tags: ['profiles'],
      security: bearerSecurity,
      summary: 'Find profiles by the start of a userId or anonymousId, or by a word in a trait value',
      request: {
        query: z.object({
          q: z
            .string()
            .max(200)
            .optional()
            .openapi({
              description:
                'What to look for: the start of an id, or text inside a trait value (case-insensitive); ' +
                'without it, the most recently updated profiles',
              example: 'ada@',
            }),
          limit: z.coerce
            .number()
            .int()
            .min(1)
            .max(PROFILE_SEARCH_LIMIT)
            .default(50)
            .openapi({
              description: `How many profiles, most recently updated first (at most ${PROFILE_SEARCH_LIMIT})`,
            }),
        }),
      },
      responses: {
        200: json(z.object({ items: z.array(profileSummarySchema) }), 'The matching profiles'),
        ...errorResponses,
      },
    }),
    async (c) => {
      const { q, limit } = c.req.valid('query');
      return c.json({ items: await searchProfiles(deps.engine.ctx.db, q, limit) }, 200);
    },
  );

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
