// /api/v1/credentials and /credential-types: the sealed credential store. Data goes in and never comes out;
// answers list which fields are set.
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import {
  createCredential,
  deleteCredential,
  getCredential,
  listCredentials,
  testCredential,
  updateCredential,
} from '@tributary/engine';
import { credentialTypes } from '@tributary/nodes';
import { z as zod } from 'zod';
import type { AppDeps, AppEnv } from '../app-env.js';
import { bearerSecurity, conflictResponse, errorResponses, json, uuidParam } from '../app-env.js';
import { actorOf } from '../auth.js';

const credentialSchema = z
  .object({
    id: z.string().uuid(),
    name: z.string(),
    type: z.string(),
    allowedHosts: z.array(z.string()).openapi({
      description: 'Hosts the credential may be sent to; empty: any host the address policy allows',
    }),
    fields: z.array(z.string()).openapi({ description: 'The data fields that are set (never their values)' }),
    usedBy: z
      .array(z.object({ id: z.string().uuid(), slug: z.string(), name: z.string() }))
      .openapi({ description: 'Flows whose draft or published version names this credential' }),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi('Credential');
/** The API's `Credential` body (exported for tests). */
export type Credential = z.infer<typeof credentialSchema>;

const credentialTypeSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    description: z.string(),
    fields: z.array(z.string()),
    secretFields: z
      .array(z.string())
      .openapi({ description: 'Fields that are never shown again once saved' }),
    testable: z
      .boolean()
      .openapi({ description: 'Whether POST /credentials/{id}/test contacts the service' }),
    dataSchema: z
      .record(z.string(), z.unknown())
      .openapi({ description: 'JSON Schema of `data`; secret fields are marked writeOnly' }),
  })
  .openapi('CredentialType');
/** The API's `CredentialType` body (exported for tests). */
export type CredentialType = z.infer<typeof credentialTypeSchema>;

const hostList = z
  .array(z.string().max(253))
  .max(100)
  .openapi({ description: 'Host names ("api.example.com", "*.example.com") the credential may be sent to' });

const createBody = z
  .object({
    name: z.string().trim().min(1).max(200),
    type: z.string().min(1).max(100),
    data: z.record(z.string(), z.unknown()),
    allowedHosts: hostList.optional(),
  })
  .strict()
  .openapi('CredentialCreate');

const updateBody = z
  .object({
    name: z.string().trim().min(1).max(200).optional(),
    type: z
      .string()
      .min(1)
      .max(100)
      .optional()
      .openapi({ description: 'Must be the stored type when given' }),
    data: z.record(z.string(), z.unknown()).optional().openapi({
      description:
        'Fields to change: a field left out or sent as "********" keeps its stored value; null removes an optional field',
    }),
    allowedHosts: hostList.optional(),
  })
  .strict()
  .openapi('CredentialUpdate');

const idParams = z.object({ id: uuidParam });
const tags = ['credentials'];

/** The credential routes. */
export function credentialRoutes(deps: AppDeps) {
  const app = new OpenAPIHono<AppEnv>();
  const ctx = () => deps.engine.ctx;

  app.openapi(
    createRoute({
      method: 'get',
      path: '/credential-types',
      tags,
      security: bearerSecurity,
      summary: 'The kinds of credential there are, with the JSON Schema of their data',
      responses: {
        200: json(z.object({ items: z.array(credentialTypeSchema) }), 'Credential types'),
        ...errorResponses,
      },
    }),
    (c) =>
      c.json(
        {
          items: credentialTypes.map((t) => ({
            type: t.type,
            title: t.title,
            description: t.description,
            fields: [...t.fields],
            secretFields: [...t.secretFields],
            testable: t.test !== undefined,
            dataSchema: zod.toJSONSchema(t.data, { io: 'input', unrepresentable: 'any' }) as Record<
              string,
              unknown
            >,
          })),
        },
        200,
      ),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/credentials',
      tags,
      security: bearerSecurity,
      summary: 'Store a credential, encrypted; the answer lists which fields are set, never their values',
      request: { body: { required: true, content: { 'application/json': { schema: createBody } } } },
      responses: { 201: json(credentialSchema, 'Created'), ...errorResponses, ...conflictResponse },
    }),
    async (c) => {
      const body = c.req.valid('json');
      return c.json(await createCredential(ctx().db, ctx().keyring, body, actorOf(c.get('principal'))), 201);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/credentials',
      tags,
      security: bearerSecurity,
      summary: 'List credentials by name, with the flows using each',
      responses: {
        200: json(z.object({ items: z.array(credentialSchema) }), 'Credentials'),
        ...errorResponses,
      },
    }),
    async (c) => c.json({ items: await listCredentials(ctx().db) }, 200),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/credentials/{id}',
      tags,
      security: bearerSecurity,
      summary: 'Get a credential (which fields are set, never their values)',
      request: { params: idParams },
      responses: { 200: json(credentialSchema, 'The credential'), ...errorResponses },
    }),
    async (c) => c.json(await getCredential(ctx().db, c.req.valid('param').id), 200),
  );

  app.openapi(
    createRoute({
      method: 'put',
      path: '/credentials/{id}',
      tags,
      security: bearerSecurity,
      summary: 'Change a credential; data fields left out or sent as "********" keep their stored values',
      request: {
        params: idParams,
        body: { required: true, content: { 'application/json': { schema: updateBody } } },
      },
      responses: { 200: json(credentialSchema, 'The credential'), ...errorResponses, ...conflictResponse },
    }),
    async (c) =>
      c.json(
        await updateCredential(
          ctx().db,
          ctx().keyring,
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
      path: '/credentials/{id}',
      tags,
      security: bearerSecurity,
      summary: 'Delete a credential; refused with 409 while flows use it, unless force=true',
      request: {
        params: idParams,
        query: z.object({
          force: z.enum(['true', 'false']).optional().openapi({
            description: 'Delete even while flows use it (their steps then fail with credential_not_found)',
          }),
        }),
      },
      responses: { 204: { description: 'Deleted' }, ...errorResponses, ...conflictResponse },
    }),
    async (c) => {
      const force = c.req.valid('query').force === 'true';
      await deleteCredential(ctx().db, c.req.valid('param').id, force, actorOf(c.get('principal')));
      return c.body(null, 204);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/credentials/{id}/test',
      tags,
      security: bearerSecurity,
      summary:
        'Check the stored credential against its service (e.g. Slack auth.test, an OAuth2 token fetch)',
      request: { params: idParams },
      responses: {
        200: json(
          z.object({ ok: z.boolean(), message: z.string() }).openapi('CredentialTestResult'),
          'The verdict',
        ),
        ...errorResponses,
      },
    }),
    async (c) => c.json(await testCredential(ctx(), c.req.valid('param').id), 200),
  );

  return app;
}
