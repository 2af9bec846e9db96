// The Hono application: ops, docs, ingress, the management API under /api/v1 and the editor.
import { OpenAPIHono } from '@hono/zod-openapi';
import { isConnectionError } from '@tributary/engine';
import { HTTPException } from 'hono/http-exception';
import type { AppDeps, AppEnv } from './app-env.js';
import { requireApiKey, requireRoleForWrites } from './auth.js';
import { hookRoutes } from './ingress/hooks.js';
import { opsRoutes } from './ops.js';
import { errorToProblem, problemResponse } from './problem.js';
import { deadLetterRoutes } from './routes/dead-letters.js';
import { flowRoutes } from './routes/flows.js';
import { nodeTypeRoutes } from './routes/node-types.js';
import { profileRoutes } from './routes/profiles.js';
import { runRoutes } from './routes/runs.js';
import { sourceRoutes } from './routes/sources.js';
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

  app.route('/', opsRoutes(deps));
  app.route('/', docsRoutes());
  app.route('/', hookRoutes(deps));
  app.route('/', trackingRoutes(deps));

  const api = new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (result.success) return;
      const problems = result.error.issues.map((i) => ({
        path: [result.target, ...i.path.map(String)].join('.'),
        message: i.message,
      }));
      const status = result.target === 'json' ? 422 : 400;
      return problemResponse(status, 'invalid_request', `the request ${result.target} is not valid`, {
        problems,
      });
    },
  });
  api.use('*', async (c, next) => {
    // the spec is public so tools can read it; everything else needs a key
    if (c.req.path === '/api/v1/openapi.json') return next();
    return requireApiKey(deps)(c, next);
  });
  api.use('*', requireRoleForWrites('editor'));
  api.route('/', flowRoutes(deps));
  api.route('/', runRoutes(deps));
  api.route('/', deadLetterRoutes(deps));
  api.route('/', sourceRoutes(deps));
  api.route('/', profileRoutes(deps));
  api.route('/', nodeTypeRoutes());
  api.openAPIRegistry.registerComponent('securitySchemes', 'bearerAuth', { type: 'http', scheme: 'bearer' });
  api.doc31('/openapi.json', {
    openapi: '3.1.0',
    info: {
      title: 'Tributary API',
      version: '1',
      description:
        'Management API of Tributary. Authenticate with `Authorization: Bearer <key>`. Errors are RFC 9457 problem+json with a stable `code`. Webhooks are received at `/hooks/{path}` and Segment-compatible tracking calls at `/v1/track`, `/v1/identify`, `/v1/page`, `/v1/screen`, `/v1/group`, `/v1/alias` and `/v1/batch` with a source write key (not listed here).',
    },
    servers: [{ url: '/api/v1' }],
  });
  app.route('/api/v1', api);

  if (deps.editorDir) app.route('/', editorRoutes(deps.editorDir));
  return app;
}
