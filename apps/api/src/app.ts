// The Hono application: ops, docs, ingress, the management API under /api/v1 and the editor.
import { OpenAPIHono } from '@hono/zod-openapi';
import { isConnectionError } from '@tributary/engine';
import { UnavailableError } from '@tributary/flow';
import { HTTPException } from 'hono/http-exception';
import type { AppDeps, AppEnv } from './app-env.js';
import { BodyBudget, bodyBudgetMiddleware } from './ingress/body-budget.js';
import { hookRoutes } from './ingress/hooks.js';
import { managementApi } from './management-api.js';
import { opsRoutes } from './ops.js';
import { errorToProblem, problemResponse } from './problem.js';
import { requestTiming } from './request-metrics.js';
import { docsRoutes, editorRoutes } from './static-files.js';
import { trackingRoutes } from './tracking/routes.js';

/** Builds the app; `app.request()` runs it in-process for tests. */
export function createApp(deps: AppDeps) {
  const app = new OpenAPIHono<AppEnv>();
  const logger = deps.engine.ctx.logger;

  app.onError((err, c) => {
    if (err instanceof HTTPException) {
      const status = err.status;
      const code =
        status === 400 ? 'malformed_request' : status === 413 ? 'payload_too_large' : `http_${status}`;
      return problemResponse(status, code, err.message || 'bad request', { instance: c.req.path });
    }
    if (err instanceof UnavailableError) {
      // shed under load, or the database out of reach within the time limit: expected, answered with its own
      // reason and Retry-After, and counted in the metrics; a warning without a stack, as a stack logged per
      // refused request would only add to an overload
      logger.warn(
        {
          path: c.req.path,
          method: c.req.method,
          reason: err.message,
          cause: err.cause instanceof Error ? err.cause.message : undefined,
        },
        'request answered 503',
      );
      return errorToProblem(err, c.req.path).response;
    }
    if (isConnectionError(err)) {
      logger.warn({ err: String(err), path: c.req.path }, 'database unavailable');
      return problemResponse(503, 'unavailable', 'the database is unavailable; try again', {
        headers: { 'retry-after': '5' },
        instance: c.req.path,
      });
    }
    const { response, status } = errorToProblem(err, c.req.path);
    if (status >= 500) logger.error({ err, path: c.req.path, method: c.req.method }, 'request failed');
    return response;
  });
  app.notFound((c) => problemResponse(404, 'not_found', `no route for ${c.req.method} ${c.req.path}`));

  app.use('*', requestTiming(deps.engine.ctx.metrics.registry));
  // large bodies wait for room before they are read, not after, in memory, for their commit
  const budget = deps.bodyBudget ?? new BodyBudget(deps.config.TRIBUTARY_INGEST_BODY_BUDGET);
  const bodies = bodyBudgetMiddleware(budget, {
    maxBody: deps.config.TRIBUTARY_MAX_BODY,
    maxWaitMs: deps.config.TRIBUTARY_INGEST_MAX_WAIT_MS,
    onShed: () => deps.engine.ctx.metrics.ingestShed.inc({ reason: 'bodies' }),
  });
  app.use('/hooks/*', bodies);
  app.use('/v1/*', bodies);

  app.route('/', opsRoutes(deps));
  app.route('/', docsRoutes());
  app.route('/', hookRoutes(deps));
  app.route('/', trackingRoutes(deps));

  app.route('/api/v1', managementApi(deps));

  if (deps.editorDir) app.route('/', editorRoutes(deps.editorDir));
  return app;
}
