// Types and shared OpenAPI pieces of the Hono app.
import { z } from '@hono/zod-openapi';
import type { Engine, Principal } from '@tributary/engine';
import type { Config } from './config.js';
import type { BodyBudget } from './ingress/body-budget.js';

/** Hono environment: what middleware puts on the context. */
export interface AppEnv {
  Variables: {
    principal: Principal;
  };
}

/** What route modules are built from. */
export interface AppDeps {
  engine: Engine;
  config: Config;
  /** Where the built editor lives (served at /), if built. */
  editorDir?: string | undefined;
  /** The large-body budget (default: one of TRIBUTARY_INGEST_BODY_BUDGET bytes for this app). */
  bodyBudget?: BodyBudget | undefined;
}

export const problemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    code: z.string().openapi({ description: 'Stable machine-readable error code.' }),
    problems: z
      .array(z.object({ path: z.string(), message: z.string(), nodeId: z.string().optional() }))
      .optional(),
  })
  .openapi('Problem');

const problemContent = { 'application/problem+json': { schema: problemSchema } };

/** Standard error answers every protected route may give. */
export const errorResponses = {
  400: { description: 'Malformed request', content: problemContent },
  401: { description: 'Missing or invalid API key', content: problemContent },
  403: { description: 'The key may not do this', content: problemContent },
  404: { description: 'Not found', content: problemContent },
  422: { description: 'Input does not pass validation', content: problemContent },
} as const;

export const conflictResponse = {
  409: { description: 'Conflicts with the current state', content: problemContent },
};

export const uuidParam = z
  .string()
  .uuid()
  .openapi({ param: { in: 'path' }, example: '01937a4e-6f1a-7c3b-9a2e-1b2c3d4e5f60' });

/** JSON content of a response or request. */
export function json<T extends z.ZodType>(schema: T, description: string) {
  return { description, content: { 'application/json': { schema } } };
}

export const bearerSecurity = [{ bearerAuth: [] }];
