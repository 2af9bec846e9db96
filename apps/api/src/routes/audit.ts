// /api/v1/audit: the audit log — every change made through the API, who made it and when — newest first.
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { listAudit } from '@tributary/engine';
import type { AppDeps, AppEnv } from '../app-env.js';
import { bearerSecurity, errorResponses, json } from '../app-env.js';
import { pageOf, pageQuery } from '../paging.js';

const auditEntrySchema = z
  .object({
    id: z.string().uuid(),
    actor: z.string().openapi({ description: 'Who: `api_key:<id>` or `env:<name>`' }),
    action: z.string().openapi({ description: 'The change, e.g. `flow.publish` or `dead_letter.discard`' }),
    targetType: z.string(),
    targetId: z.string().nullable(),
    details: z.unknown().openapi({ description: 'A short summary of the change (never a secret)' }),
    at: z.string(),
  })
  .openapi('AuditEntry');
/** The API's `AuditEntry` body (exported for tests). */
export type AuditEntry = z.infer<typeof auditEntrySchema>;

/** The audit route. */
export function auditRoutes(deps: AppDeps) {
  const app = new OpenAPIHono<AppEnv>();
  app.openapi(
    createRoute({
      method: 'get',
      path: '/audit',
      tags: ['audit'],
      security: bearerSecurity,
      summary: 'The audit log, newest first: by actor, target, target type and action',
      request: {
        query: z.object({
          actor: z.string().min(1).max(300).optional(),
          target: z.string().min(1).max(300).optional(),
          targetType: z.string().min(1).max(100).optional(),
          action: z.string().min(1).max(100).optional(),
          ...pageQuery.shape,
        }),
      },
      responses: { 200: json(pageOf(auditEntrySchema), 'Audit entries'), ...errorResponses },
    }),
    async (c) => c.json(await listAudit(deps.engine.ctx.db, c.req.valid('query')), 200),
  );
  return app;
}
