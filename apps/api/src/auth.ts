// Bearer-key authentication and role checks for the management API.
import type { Role } from '@tributary/db';
import { verifyApiKey } from '@tributary/engine';
import { ForbiddenError, UnauthorizedError } from '@tributary/flow';
import type { MiddlewareHandler } from 'hono';
import type { AppDeps, AppEnv } from './app-env.js';

/** Requires `Authorization: Bearer <key>` with a known, unrevoked key. */
export function requireApiKey(deps: AppDeps): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const header = c.req.header('authorization');
    const match = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
    // EventSource cannot send headers, so event streams also take the key as ?access_token=
    const fromQuery = c.req.path.endsWith('/stream') ? c.req.query('access_token') : undefined;
    const presented = match?.[1] ?? fromQuery;
    if (!presented) throw new UnauthorizedError('send an API key as "Authorization: Bearer <key>"');
    const principal = await verifyApiKey(deps.engine.ctx.db, presented, deps.config.TRIBUTARY_API_KEY);
    if (!principal) throw new UnauthorizedError('the API key is not valid');
    c.set('principal', principal);
    await next();
  };
}

const RANK: Record<Role, number> = { viewer: 0, editor: 1, owner: 2 };

/** Rejects callers whose role is below `role`; reads (GET/HEAD) need only viewer. */
export function requireRoleForWrites(role: Role = 'editor'): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (c.req.method !== 'GET' && c.req.method !== 'HEAD') {
      const principal = c.get('principal');
      if (RANK[principal.role] < RANK[role]) {
        throw new ForbiddenError(`this needs the ${role} role; the key has ${principal.role}`);
      }
    }
    await next();
  };
}

/** The name recorded in the audit log for the caller. */
export function actorOf(principal: { keyId: string | null; name: string }): string {
  return principal.keyId ? `api_key:${principal.keyId}` : `env:${principal.name}`;
}
