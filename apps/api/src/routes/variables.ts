// /api/v1/variables: the instance's variables, read in expressions as `$vars.NAME`. Everyone signed in may read
// them (they are not secrets); only owners (the admin scope) change them.
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { deleteVariable, getVariable, listVariables, setVariable } from '@tributary/engine';
import { MAX_VARIABLE_VALUE_LENGTH } from '@tributary/flow';
import type { AppDeps, AppEnv } from '../app-env.js';
import { bearerSecurity, conflictResponse, errorResponses, json } from '../app-env.js';
import { actorOf } from '../auth.js';

const variableSchema = z
  .object({
    name: z.string(),
    value: z.string(),
    description: z.string(),
    usedBy: z
      .array(z.object({ id: z.string().uuid(), slug: z.string(), name: z.string() }))
      .openapi({ description: 'Flows whose draft or published version reads it as $vars.NAME' }),
    createdAt: z.string(),
    updatedAt: z.string(),
    updatedBy: z.string(),
  })
  .openapi('Variable');

const setBody = z
  .object({
    value: z.string().max(MAX_VARIABLE_VALUE_LENGTH),
    description: z
      .string()
      .max(500)
      .optional()
      .openapi({ description: 'Left out: kept as it is (empty for a new variable)' }),
  })
  .strict()
  .openapi('VariableSet');

const nameParams = z.object({
  name: z.string().openapi({
    param: { in: 'path' },
    description: 'A letter or _, then letters, digits or _ (at most 64)',
    example: 'CRM_BASE_URL',
  }),
});
const tags = ['variables'];

/** The variable routes. */
export function variableRoutes(deps: AppDeps) {
  const app = new OpenAPIHono<AppEnv>();
  const db = () => deps.engine.ctx.db;

  app.openapi(
    createRoute({
      method: 'get',
      path: '/variables',
      tags,
      security: bearerSecurity,
      summary: 'List the variables, with the flows that read each',
      responses: { 200: json(z.object({ items: z.array(variableSchema) }), 'Variables'), ...errorResponses },
    }),
    async (c) => c.json({ items: await listVariables(db()) }, 200),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/variables/{name}',
      tags,
      security: bearerSecurity,
      summary: 'Get a variable',
      request: { params: nameParams },
      responses: { 200: json(variableSchema, 'The variable'), ...errorResponses },
    }),
    async (c) => c.json(await getVariable(db(), c.req.valid('param').name), 200),
  );

  app.openapi(
    createRoute({
      method: 'put',
      path: '/variables/{name}',
      tags,
      security: bearerSecurity,
      summary: 'Create or change a variable (201 when it is new); steps read the new value from then on',
      request: {
        params: nameParams,
        body: { required: true, content: { 'application/json': { schema: setBody } } },
      },
      responses: {
        200: json(variableSchema, 'Changed'),
        201: json(variableSchema, 'Created'),
        ...errorResponses,
        ...conflictResponse,
      },
    }),
    async (c) => {
      const { variable, created } = await setVariable(
        db(),
        c.req.valid('param').name,
        c.req.valid('json'),
        actorOf(c.get('principal')),
      );
      return created ? c.json(variable, 201) : c.json(variable, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'delete',
      path: '/variables/{name}',
      tags,
      security: bearerSecurity,
      summary: 'Delete a variable; refused with 409 while flows read it, unless force=true',
      request: {
        params: nameParams,
        query: z.object({
          force: z.enum(['true', 'false']).optional().openapi({
            description: 'Delete even while flows read it (their expressions then read nothing there)',
          }),
        }),
      },
      responses: { 204: { description: 'Deleted' }, ...errorResponses, ...conflictResponse },
    }),
    async (c) => {
      const force = c.req.valid('query').force === 'true';
      await deleteVariable(db(), c.req.valid('param').name, force, actorOf(c.get('principal')));
      return c.body(null, 204);
    },
  );

  return app;
}
