// Browser sessions: e-mail and password in, a random token out (kept only as its SHA-256), with an expiry.
import { createHash, randomBytes } from 'node:crypto';
import type { Queryable, Role } from '@tributary/db';
import { newId, schema } from '@tributary/db';
import { and, eq, gt, isNull, lt } from 'drizzle-orm';
import { audit } from '../core/index.js';
import { clientThrottleKey } from './client-key.js';
import {
  clearLoginFailures,
  MAX_LOGIN_FAILURES,
  releaseLoginAttempt,
  reserveLoginAttempt,
} from './login-failures.js';
import { spendPasswordCheck, verifyPassword } from './passwords.js';
import type { Principal } from './principal.js';
import { ROLE_SCOPES } from './scopes.js';
import { normalizeEmail } from './users.js';

function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/**
 * The CSRF token of a session: derived from the session token, which only the httpOnly cookie holds, so a page
 * of another origin can neither read nor compute it. The editor sends it back in a header on every write.
 */
export function csrfTokenOf(sessionToken: string): string {
  return createHash('sha256').update(`csrf\0${sessionToken}`).digest('base64url');
}

/** What signing in gave: the token for the cookie, when it ends, and who it is. */
export type LoginResult =
  | { ok: true; token: string; expiresAt: Date; userId: string; email: string; role: Role }
  | { ok: false; reason: 'invalid' }
  | { ok: false; reason: 'locked'; lockedBy: 'email' | 'client'; retryAfterSeconds: number };

/** Who is signing in from where, for throttling per client: its address and how many failures it may have. */
export interface LoginClient {
  /** The client's IP address as the API worked it out (IPv6 counts per /64). */
  address: string;
  /** Failures in one window before the client is locked. */
  maxFailures: number;
}

/**
 * Signs in. Every failure looks the same to the caller (`invalid`), whether the address is unknown, the
 * password wrong, the user disabled or not yet accepted, and takes as long. After too many failures for one
 * e-mail address — known or not — it is `locked` for a while; so is a `client` after too many failures over any
 * addresses. A good sign-in forgets the e-mail address's failures but not the client's (one account of their own
 * must not let a client wipe its count of guesses at others).
 */
export async function login(
  db: Queryable,
  input: { email: string; password: string },
  ttlMs: number,
  client?: LoginClient,
): Promise<LoginResult> {
  const email = normalizeEmail(input.email);
  const byClient = client && { key: clientThrottleKey(client.address), limit: client.maxFailures };
  if (byClient) {
    const fromClient = await reserveLoginAttempt(db, byClient.key, byClient.limit);
    if (!fromClient.allowed) {
      return {
        ok: false,
        reason: 'locked',
        lockedBy: 'client',
        retryAfterSeconds: fromClient.retryAfterSeconds,
      };
    }
  }
  const forEmail = await reserveLoginAttempt(db, email, MAX_LOGIN_FAILURES);
  if (!forEmail.allowed) {
    // no password was checked: not a guess the client should pay for
    if (byClient) await releaseLoginAttempt(db, byClient.key, byClient.limit);
    return { ok: false, reason: 'locked', lockedBy: 'email', retryAfterSeconds: forEmail.retryAfterSeconds };
  }
  const [user] = await db
    .select()
    .from(schema.users)
    .where(and(eq(schema.users.email, email), isNull(schema.users.disabledAt)));
  let good = false;
  if (user?.passwordHash) good = await verifyPassword(input.password, user.passwordHash);
  else await spendPasswordCheck(input.password);
  // both attempts stay counted as failures
  if (!user || !good) return { ok: false, reason: 'invalid' };
  await clearLoginFailures(db, email);
  if (byClient) await releaseLoginAttempt(db, byClient.key, byClient.limit);
  const token = randomBytes(32).toString('base64url');
  const expiresAt = new Date(Date.now() + ttlMs);
  await db
    .insert(schema.sessions)
    .values({ id: newId(), hash: hashToken(token), userId: user.id, expiresAt });
  // sessions that ended are removed as new ones begin, so the table holds only live ones
  await db.delete(schema.sessions).where(lt(schema.sessions.expiresAt, new Date()));
  await audit(db, `user:${user.id}`, 'user.login', 'user', user.id, { expiresAt: expiresAt.toISOString() });
  return { ok: true, token, expiresAt, userId: user.id, email: user.email, role: user.role };
}

/** The signed-in user of a session token; undefined when it is unknown, expired or the user is disabled. */
export async function verifySession(db: Queryable, token: string): Promise<Principal | undefined> {
  const [row] = await db
    .select({ userId: schema.users.id, email: schema.users.email, role: schema.users.role })
    .from(schema.sessions)
    .innerJoin(schema.users, eq(schema.users.id, schema.sessions.userId))
    .where(
      and(
        eq(schema.sessions.hash, hashToken(token)),
        gt(schema.sessions.expiresAt, new Date()),
        isNull(schema.users.disabledAt),
      ),
    );
  if (!row) return undefined;
  return {
    via: 'session',
    keyId: null,
    userId: row.userId,
    name: row.email,
    role: row.role,
    scopes: ROLE_SCOPES[row.role],
  };
}

/** Ends a session (sign out); unknown tokens are ignored, signing out twice is fine. */
export async function endSession(db: Queryable, token: string): Promise<void> {
  await db.delete(schema.sessions).where(eq(schema.sessions.hash, hashToken(token)));
}
