// Route scopes: every management route declares what it needs in its OpenAPI operation (`x-scope`, mirrored in
// its security requirement), and one middleware enforces exactly what the document says.
import type { OpenAPIHono } from '@hono/zod-openapi';
import { isScope, type Principal, type Scope } from '@tributary/engine';
import { ForbiddenError } from '@tributary/flow';
import type { Context } from 'hono';
import { matchedRoutes, routePath } from 'hono/route';
import type { AppEnv } from './app-env.js';

/** What a route needs: a scope, any signed-in caller (`signed-in`), or nothing at all (`public`). */
export type RouteAccess = Scope | 'signed-in' | 'public';

/** The OpenAPI extension that names a route's access. */
export const SCOPE_EXTENSION = 'x-scope';

/** An operation as the registry keeps it, with the extension it may carry. */
type Operation = { method: string; path: string; security?: Record<string, string[]>[] } & Partial<
  Record<typeof SCOPE_EXTENSION, RouteAccess>
>;

/** The `x-scope` and `security` fields of a route that needs `access`; spread into createRoute to declare it there. */
export function requires(access: RouteAccess): {
  [SCOPE_EXTENSION]: RouteAccess;
  security: Record<string, string[]>[];
} {
  const scopes: string[] = access === 'signed-in' ? [] : [access];
  const security: Record<string, string[]>[] =
    access === 'public' ? [] : [{ bearerAuth: scopes }, { sessionCookie: scopes }];
  return { [SCOPE_EXTENSION]: access, security };
}

function operationsOf(app: OpenAPIHono<AppEnv>): Operation[] {
  const out: Operation[] = [];
  for (const def of app.openAPIRegistry.definitions) {
    // the registry types routes with the library's RouteConfig, which has no field for extensions
    if (def.type === 'route') out.push(def.route as unknown as Operation);
  }
  return out;
}

/**
 * Declares the scopes of a router's routes before it is mounted: reads (GET) need `read`, other methods
 * `write`; a route that declared its own with `requires(...)` keeps it. Returns the router.
 */
export function scoped<T extends OpenAPIHono<AppEnv>>(
  router: T,
  scopes: { read: RouteAccess; write: RouteAccess },
): T {
  for (const operation of operationsOf(router)) {
    if (operation[SCOPE_EXTENSION]) continue;
    Object.assign(operation, requires(operation.method === 'get' ? scopes.read : scopes.write));
  }
  return router;
}

function routeKey(method: string, path: string): string {
  return `${method.toUpperCase()} ${path.replace(/\{([^}]+)\}/g, ':$1')}`;
}

/**
 * The declared access of the route a request reaches, from `access` (by `METHOD /path/:param` below the mount);
 * undefined when no route matches (the request ends in a 404 after authentication). A route that declared
 * nothing needs `admin`: forgetting a declaration never opens a route (and the OpenAPI test fails).
 */
export function routeAccess(c: Context, access: ReadonlyMap<string, RouteAccess>): RouteAccess | undefined {
  // the guard's own path is `<mount>/*`: what is left of a handler's path after the mount is its route
  const base = routePath(c).replace(/\/?\*$/, '');
  const handler = matchedRoutes(c).find((r) => r.method !== 'ALL' && r.path.startsWith(base));
  if (!handler) return undefined;
  return access.get(routeKey(handler.method, handler.path.slice(base.length))) ?? 'admin';
}

/** Throws 403 naming the scope when the caller lacks what the route needs. */
export function checkScope(principal: Principal, needed: RouteAccess | undefined): void {
  if (needed === undefined || needed === 'public' || needed === 'signed-in') return;
  if (!principal.scopes.includes(needed)) {
    const who = principal.via === 'session' ? 'your role' : 'the key';
    throw new ForbiddenError(`this needs the ${needed} scope, which ${who} lacks`);
  }
}

/** The access each route of `app` declared, by `METHOD /path/:param`, plus routes the document does not list. */
export function declaredAccess(
  app: OpenAPIHono<AppEnv>,
  undocumented: Record<string, RouteAccess> = {},
): Map<string, RouteAccess> {
  const map = new Map<string, RouteAccess>(Object.entries(undocumented));
  for (const operation of operationsOf(app)) {
    const access = operation[SCOPE_EXTENSION];
    if (access && (access === 'public' || access === 'signed-in' || isScope(access))) {
      map.set(routeKey(operation.method, operation.path), access);
    }
  }
  return map;
}
