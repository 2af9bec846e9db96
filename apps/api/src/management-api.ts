// The management API mounted at /api/v1: key auth, role checks, the routes, and their OpenAPI document.
import { OpenAPIHono } from '@hono/zod-openapi';
import type { AppDeps, AppEnv } from './app-env.js';
import { requireApiKey, requireRoleForWrites } from './auth.js';
import { problemResponse } from './problem.js';
import { auditRoutes } from './routes/audit.js';
import { credentialRoutes } from './routes/credentials.js';
import { deadLetterRoutes } from './routes/dead-letters.js';
import { flowRoutes } from './routes/flows.js';
import { nodeTypeRoutes } from './routes/node-types.js';
import { profileRoutes } from './routes/profiles.js';
import { runRoutes } from './routes/runs.js';
import { sourceRoutes } from './routes/sources.js';

/** The top of the OpenAPI document: what the routes' schemas are described under. */
export const OPENAPI_CONFIG: Parameters<OpenAPIHono['getOpenAPI31Document']>[0] = {
  openapi: '3.1.0',
  info: {
    title: 'Tributary API',
    version: '1',
    description:
      'Management API of Tributary. Authenticate with `Authorization: Bearer <key>`. Errors are RFC 9457 problem+json with a stable `code`. Webhooks are received at `/hooks/{path}` and Segment-compatible tracking calls at `/v1/track`, `/v1/identify`, `/v1/page`, `/v1/screen`, `/v1/group`, `/v1/alias` and `/v1/batch` with a source write key (not listed here).',
  },
  servers: [{ url: '/api/v1' }],
};

/**
 * The /api/v1 routes with their middleware; the OpenAPI document is served at /openapi.json. Building it reads
 * nothing of `deps` (handlers read them per request), so the document can be written without an engine.
 */
export function managementApi(deps: AppDeps) {
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
  // the node catalogue only reads (its sample is a POST for the config it is given): any key may use it, so
  // it is mounted before the role check, which Hono runs only for routes registered after it
  api.route('/', nodeTypeRoutes());
  api.use('*', requireRoleForWrites('editor'));
  api.route('/', flowRoutes(deps));
  api.route('/', runRoutes(deps));
  api.route('/', deadLetterRoutes(deps));
  api.route('/', auditRoutes(deps));
  api.route('/', sourceRoutes(deps));
  api.route('/', profileRoutes(deps));
  api.route('/', credentialRoutes(deps));
  api.openAPIRegistry.registerComponent('securitySchemes', 'bearerAuth', { type: 'http', scheme: 'bearer' });
  api.doc31('/openapi.json', OPENAPI_CONFIG);
  return api;
}
