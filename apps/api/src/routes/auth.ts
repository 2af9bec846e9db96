// /api/v1/auth: first-start owner account, sign-in and sign-out with a session cookie, accepting invitations,
// and who the caller is. All public except /auth/session.
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import {
  acceptInvitation,
  createOwner,
  csrfTokenOf,
  endSession,
  login,
  MIN_PASSWORD_LENGTH,
  needsOwner,
  ROLE_SCOPES,
  SCOPES,
} from '@tributary/engine';
import type { Context } from 'hono';
import type { AppDeps, AppEnv } from '../app-env.js';
import { conflictResponse, errorResponses, json } from '../app-env.js';
import { clientAddress } from '../client-address.js';
import { problemResponse } from '../problem.js';
import { requires } from '../route-scopes.js';
import {
  CSRF_HEADER,
  clearSessionCookie,
  csrfMatches,
  sessionTokenOf,
  setSessionCookie,
} from '../session-cookie.js';

const tags = ['auth'];

const credentialsBody = z.object({
  email: z.email().max(320),
  password: z.string().min(1).max(1024),
});

/** The caller as the editor needs to know it. */
const whoSchema = z
  .object({
    via: z.enum(['session', 'key', 'env']),
    userId: z.string().uuid().nullable(),
    name: z.string().openapi({ description: 'The e-mail address of a user, or the name of a key' }),
    role: z.enum(['owner', 'editor', 'viewer']),
    scopes: z.array(z.enum(SCOPES)),
    csrfToken: z
      .string()
      .nullable()
      .openapi({ description: `Send it in ${CSRF_HEADER} on every write made with the session cookie` }),
  })
  .openapi('Caller');
/** The API's `Caller` body (exported for tests). */
export type Caller = z.infer<typeof whoSchema>;

const problem429 = {
  429: {
    description:
      'Too many failed sign-ins for this e-mail address or from this client; try again later (Retry-After)',
  },
};

/** The auth routes. */
export function authRoutes(deps: AppDeps) {
  const app = new OpenAPIHono<AppEnv>();
  const ttlMs = () => deps.config.TRIBUTARY_SESSION_TTL_HOURS * 3_600_000;
  const trustProxy = () => deps.config.TRIBUTARY_TRUST_PROXY;

  /**
   * Signs in and answers as the session endpoint would; every failure says the same thing. `perClient`: count
   * failures per client address too — for /auth/login, where passwords are guessed; setup and invitations sign
   * in with the password the same request has just set.
   */
  async function signIn<S extends 200 | 201>(
    c: Context<AppEnv>,
    credentials: { email: string; password: string },
    status: S,
    perClient: boolean,
  ) {
    const client = perClient
      ? { address: clientAddress(c, trustProxy()), maxFailures: deps.config.TRIBUTARY_LOGIN_FAILURES_PER_IP }
      : undefined;
    const result = await login(deps.engine.ctx.db, credentials, ttlMs(), client);
    if (!result.ok && result.reason === 'locked') {
      deps.engine.ctx.metrics.loginFailures.inc({
        reason: `${result.lockedBy === 'email' ? 'email' : 'ip'}_locked`,
      });
      // one answer for both locks: which one it is would say whether the address had been guessed at
      const minutes = Math.ceil(result.retryAfterSeconds / 60);
      return problemResponse(
        429,
        'too_many_attempts',
        `too many failed sign-ins; try again in ${minutes} minute${minutes === 1 ? '' : 's'}`,
        { headers: { 'retry-after': String(result.retryAfterSeconds) } },
      );
    }
    if (!result.ok) {
      deps.engine.ctx.metrics.loginFailures.inc({ reason: 'invalid' });
      return problemResponse(401, 'invalid_login', 'the e-mail address or the password is not right');
    }
    setSessionCookie(c, result.token, result.expiresAt, trustProxy());
    return c.json(
      {
        via: 'session' as const,
        userId: result.userId,
        name: result.email,
        role: result.role,
        scopes: [...ROLE_SCOPES[result.role]],
        csrfToken: csrfTokenOf(result.token),
      },
      status,
    );
  }

  app.openapi(
    createRoute({
      method: 'get',
      path: '/auth/setup',
      tags,
      ...requires('public'),
      summary: 'Whether the instance still needs its owner account (true until the first user exists)',
      responses: { 200: json(z.object({ needsOwner: z.boolean() }), 'Setup state') },
    }),
    async (c) => c.json({ needsOwner: await needsOwner(deps.engine.ctx.db) }, 200),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/auth/setup',
      tags,
      ...requires('public'),
      summary: 'Make the owner account on first start and sign in; 409 once any user exists',
      request: {
        body: {
          required: true,
          content: {
            'application/json': {
              schema: z.object({
                email: z.email().max(320),
                password: z.string().min(MIN_PASSWORD_LENGTH).max(1024),
              }),
            },
          },
        },
      },
      responses: {
        201: json(whoSchema, 'Signed in as the owner'),
        ...errorResponses,
        ...conflictResponse,
        ...problem429,
      },
    }),
    async (c) => {
      const { email, password } = c.req.valid('json');
      const owner = await createOwner(deps.engine.ctx.db, email, password, 'setup');
      return signIn(c, { email: owner.email, password }, 201, false);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/auth/login',
      tags,
      ...requires('public'),
      summary: 'Sign in with e-mail and password: sets an httpOnly session cookie',
      description:
        'Failures never say which part was wrong or whether the address exists. After 5 failures for one e-mail address, or 20 (TRIBUTARY_LOGIN_FAILURES_PER_IP) from one client IP address, in 15 minutes, it is locked for 15 minutes (429, the same answer for both).',
      request: { body: { required: true, content: { 'application/json': { schema: credentialsBody } } } },
      responses: { 200: json(whoSchema, 'Signed in'), ...errorResponses, ...problem429 },
    }),
    async (c) => {
      const { email, password } = c.req.valid('json');
      return signIn(c, { email, password }, 200, true);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/auth/logout',
      tags,
      ...requires('public'),
      summary: 'Sign out: ends the session of the cookie (with its CSRF token) and removes the cookie',
      responses: { 204: { description: 'Signed out' }, ...errorResponses },
    }),
    async (c) => {
      const token = sessionTokenOf(c);
      if (token) {
        // a page of another site must not be able to sign the user out either
        if (!csrfMatches(c, token)) {
          return problemResponse(
            403,
            'forbidden',
            `signing out needs the session's CSRF token in ${CSRF_HEADER}`,
          );
        }
        await endSession(deps.engine.ctx.db, token);
      }
      clearSessionCookie(c, trustProxy());
      return c.body(null, 204);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/auth/invitations/accept',
      tags,
      ...requires('public'),
      summary: 'Accept an invitation: set a password and sign in; the token works once',
      request: {
        body: {
          required: true,
          content: {
            'application/json': {
              schema: z.object({
                token: z.string().min(1).max(200),
                password: z.string().min(MIN_PASSWORD_LENGTH).max(1024),
              }),
            },
          },
        },
      },
      responses: { 200: json(whoSchema, 'Signed in'), ...errorResponses, ...problem429 },
    }),
    async (c) => {
      const { token, password } = c.req.valid('json');
      const user = await acceptInvitation(deps.engine.ctx.db, token, password);
      return signIn(c, { email: user.email, password }, 200, false);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/auth/session',
      tags,
      ...requires('signed-in'),
      summary: 'Who the caller is: user or key, role, scopes, and the CSRF token of a session',
      responses: { 200: json(whoSchema, 'The caller'), ...errorResponses },
    }),
    (c) => {
      const p = c.get('principal');
      const token = p.via === 'session' ? sessionTokenOf(c) : undefined;
      return c.json(
        {
          via: p.via,
          userId: p.userId,
          name: p.name,
          role: p.role,
          scopes: [...p.scopes],
          csrfToken: token ? csrfTokenOf(token) : null,
        },
        200,
      );
    },
  );
  return app;
}
