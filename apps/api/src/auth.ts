// Who is calling: a Bearer API key, or a session cookie (whose writes must carry the session's CSRF token).
import { actorName, type Principal, verifyApiKey, verifySession } from '@tributary/engine';
import { ForbiddenError, UnauthorizedError } from '@tributary/flow';
import type { Context } from 'hono';
import type { AppDeps, AppEnv } from './app-env.js';
import { CSRF_HEADER, csrfMatches, sessionTokenOf } from './session-cookie.js';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Identifies the caller by `Authorization: Bearer <key>` with a valid key, or a session cookie. A key wins when both are sent.
 * Cookie-authenticated writes must send the session's CSRF token in `x-csrf-token` (a page of another site can
 * make the browser send the cookie, but cannot read or compute the token); key requests need none.
 */
export async function identify(c: Context<AppEnv>, deps: AppDeps): Promise<Principal> {
  const header = c.req.header('authorization');
  const match = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
  // EventSource cannot send headers, so event streams also take the key as ?access_token=
  const fromQuery = c.req.path.endsWith('/stream') ? c.req.query('access_token') : undefined;
  const presented = match?.[1] ?? fromQuery;
  const session = presented || header ? undefined : sessionTokenOf(c);
  let principal: Principal | undefined;
  if (presented) {
    principal = await verifyApiKey(deps.engine.ctx.db, presented, deps.config.TRIBUTARY_API_KEY);
    if (!principal) throw new UnauthorizedError('the API key is not valid');
  } else if (session) {
    principal = await verifySession(deps.engine.ctx.db, session);
    if (!principal) throw new UnauthorizedError('the session has ended; sign in again');
    if (!SAFE_METHODS.has(c.req.method) && !csrfMatches(c, session)) {
      throw new ForbiddenError(`a signed-in write must send the session's CSRF token in ${CSRF_HEADER}`);
    }
  } else {
    throw new UnauthorizedError('sign in, or send an API key as "Authorization: Bearer <key>"');
  }
  c.set('principal', principal);
  return principal;
}

/** The name recorded in the audit log for the caller: `user:<id>`, `api_key:<id>` or `env:<name>`. */
export function actorOf(principal: Principal): string {
  return actorName(principal);
}
