// The management API mounted at /api/v1: key or session auth, scope checks, the routes, and their OpenAPI document.
import { OpenAPIHono } from '@hono/zod-openapi';
import type { AppDeps, AppEnv } from './app-env.js';
import { identify } from './auth.js';
import { problemResponse } from './problem.js';
import { checkScope, declaredAccess, type RouteAccess, routeAccess, scoped } from './route-scopes.js';
import { apiKeyRoutes } from './routes/api-keys.js';
import { auditRoutes } from './routes/audit.js';
import { authRoutes } from './routes/auth.js';
import { backfillRoutes } from './routes/backfills.js';
import { credentialRoutes } from './routes/credentials.js';
import { deadLetterRoutes } from './routes/dead-letters.js';
import { flowRoutes } from './routes/flows.js';
import { frequencyCapRoutes } from './routes/frequency-caps.js';
import { nodeTypeRoutes } from './routes/node-types.js';
import { profileRoutes } from './routes/profiles.js';
import { runRoutes } from './routes/runs.js';
import { sourceRoutes } from './routes/sources.js';
import { trackingPlanRoutes } from './routes/tracking-plan.js';
import { userRoutes } from './routes/users.js';
import { variableRoutes } from './routes/variables.js';
import { CSRF_HEADER, SESSION_COOKIE } from './session-cookie.js';

/** The top of the OpenAPI document: what the routes' schemas are described under. */
export const OPENAPI_CONFIG: Parameters<OpenAPIHono['getOpenAPI31Document']>[0] = {
  openapi: '3.1.0',
  info: {
    title: 'Tributary API',
    version: '1',
    description:
      'Management API of Tributary. Authenticate with `Authorization: Bearer <key>` (or, in the editor, the session cookie of POST /auth/login plus its CSRF token in `x-csrf-token` on writes). Every operation names the scope it needs in `x-scope` (`signed-in`: any caller; `public`: no credentials); a key lacking it gets 403. Errors are RFC 9457 problem+json with a stable `code`. Webhooks are received at `/hooks/{path}` and Segment-compatible tracking calls at `/v1/track`, `/v1/identify`, `/v1/page`, `/v1/screen`, `/v1/group`, `/v1/alias` and `/v1/batch` with a source write key (not listed here).',
  },
  servers: [{ url: '/api/v1' }],
};

/** Access of routes the document does not list (plain Hono routes), by `METHOD /path/:param`. */
const UNDOCUMENTED_ACCESS: Record<string, RouteAccess> = {
  'GET /openapi.json': 'public',
  'GET /runs/:id/stream': 'runs:read',
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
  // every route's access is declared in the document (x-scope); the guard enforces exactly that
  let access: ReadonlyMap<string, RouteAccess> = new Map();
  api.use('*', async (c, next) => {
    const needed = routeAccess(c, access);
    if (needed === 'public') return next();
    checkScope(await identify(c, deps), needed);
    return next();
  });
  api.route('/', scoped(authRoutes(deps), { read: 'public', write: 'public' }));
  api.route('/', scoped(nodeTypeRoutes(deps), { read: 'flows:read', write: 'flows:read' }));
  api.route('/', scoped(flowRoutes(deps), { read: 'flows:read', write: 'flows:write' }));
  api.route('/', scoped(runRoutes(deps), { read: 'runs:read', write: 'runs:write' }));
  api.route('/', scoped(backfillRoutes(deps), { read: 'runs:read', write: 'runs:write' }));
  api.route('/', scoped(deadLetterRoutes(deps), { read: 'runs:read', write: 'runs:write' }));
  api.route('/', scoped(auditRoutes(deps), { read: 'admin', write: 'admin' }));
  api.route('/', scoped(sourceRoutes(deps), { read: 'flows:read', write: 'flows:write' }));
  api.route('/', scoped(trackingPlanRoutes(deps), { read: 'flows:read', write: 'flows:write' }));
  api.route('/', scoped(profileRoutes(deps), { read: 'runs:read', write: 'runs:write' }));
  api.route('/', scoped(credentialRoutes(deps), { read: 'credentials:read', write: 'credentials:write' }));
  api.route('/', scoped(userRoutes(deps), { read: 'admin', write: 'admin' }));
  api.route('/', scoped(variableRoutes(deps), { read: 'flows:read', write: 'admin' }));
  api.route('/', scoped(frequencyCapRoutes(deps), { read: 'flows:read', write: 'admin' }));
  api.route('/', scoped(apiKeyRoutes(deps), { read: 'signed-in', write: 'signed-in' }));
  access = declaredAccess(api, UNDOCUMENTED_ACCESS);
  api.openAPIRegistry.registerComponent('securitySchemes', 'bearerAuth', { type: 'http', scheme: 'bearer' });
  api.openAPIRegistry.registerComponent('securitySchemes', 'sessionCookie', {
    type: 'apiKey',
    in: 'cookie',
    name: SESSION_COOKIE,
    description: `The editor's session (POST /auth/login); writes also need the ${CSRF_HEADER} header`,
  });
  api.doc31('/openapi.json', OPENAPI_CONFIG);
  return api;
}
