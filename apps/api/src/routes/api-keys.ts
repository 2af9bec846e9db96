// /api/v1/api-keys: scoped keys for automation, made by any signed-in caller within its own scopes.
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { issueApiKey, listApiKeys, revokeApiKey, SCOPES } from '@tributary/engine';
import type { AppDeps, AppEnv } from '../app-env.js';
import { errorResponses, json, uuidParam } from '../app-env.js';
import { actorOf } from '../auth.js';
import { requires } from '../route-scopes.js';

const tags = ['api-keys'];
const scopeSchema = z.enum(SCOPES);

const keyFields = {
  id: z.string().uuid(),
  name: z.string(),
  prefix: z.string().openapi({ description: 'The first characters of the key, to tell keys apart' }),
  scopes: z.array(scopeSchema),
  expiresAt: z.string().nullable(),
};

const apiKeySchema = z
  .object({
    ...keyFields,
    createdBy: z.string().nullable().openapi({ description: 'The e-mail of the user who made it' }),
    createdAt: z.string(),
    lastUsedAt: z.string().nullable().openapi({ description: 'Updated at most once a minute' }),
  })
  .openapi('ApiKey');
/** The API's `ApiKey` body (exported for tests). */
export type ApiKey = z.infer<typeof apiKeySchema>;

/** The API key routes: any signed-in caller; what a key may hold is checked against the caller's scopes. */
export function apiKeyRoutes(deps: AppDeps) {
  const app = new OpenAPIHono<AppEnv>();

  app.openapi(
    createRoute({
      method: 'post',
      path: '/api-keys',
      tags,
      ...requires('signed-in'),
      summary: 'Make a key: shown once in the answer, stored only as a hash',
      description:
        "A key can never hold more than its maker: scopes beyond the caller's own answer 403. Scopes: flows:read, flows:write, runs:read, runs:write (replay, cancel, redrive, discard), events:write (test runs of drafts), credentials:read, credentials:write, admin.",
      request: {
        body: {
          required: true,
          content: {
            'application/json': {
              schema: z.object({
                name: z.string().trim().min(1).max(200),
                scopes: z.array(scopeSchema).min(1).max(SCOPES.length),
                expiresAt: z.iso.datetime({ offset: true }).optional(),
              }),
            },
          },
        },
      },
      responses: {
        201: json(
          z.object({ ...keyFields, key: z.string() }).openapi('NewApiKey'),
          'The key, shown only now',
        ),
        ...errorResponses,
      },
    }),
    async (c) => {
      const body = c.req.valid('json');
      const principal = c.get('principal');
      const made = await issueApiKey(
        deps.engine.ctx.db,
        principal,
        {
          name: body.name,
          scopes: body.scopes,
          expiresAt: body.expiresAt ? new Date(body.expiresAt) : undefined,
        },
        actorOf(principal),
      );
      return c.json(
        {
          id: made.id,
          name: made.name,
          prefix: made.prefix,
          scopes: made.scopes,
          expiresAt: made.expiresAt?.toISOString() ?? null,
          key: made.key,
        },
        201,
      );
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api-keys',
      tags,
      ...requires('signed-in'),
      summary: "Unrevoked keys, newest first: all of them for an admin, otherwise the caller's own",
      responses: { 200: json(z.object({ items: z.array(apiKeySchema) }), 'Keys'), ...errorResponses },
    }),
    async (c) => c.json({ items: await listApiKeys(deps.engine.ctx.db, c.get('principal')) }, 200),
  );

  app.openapi(
    createRoute({
      method: 'delete',
      path: '/api-keys/{id}',
      tags,
      ...requires('signed-in'),
      summary: 'Revoke a key at once (an admin any key, others their own)',
      request: { params: z.object({ id: uuidParam }) },
      responses: { 204: { description: 'Revoked' }, ...errorResponses },
    }),
    async (c) => {
      const principal = c.get('principal');
      await revokeApiKey(deps.engine.ctx.db, c.req.valid('param').id, principal, actorOf(principal));
      return c.body(null, 204);
    },
  );
  return app;
}
