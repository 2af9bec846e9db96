// Sign-in throttling, kept in Postgres so every API process sees the same counts: per e-mail address (its key is
// the normalised address) and per client (its key is `ip:` and the client's address; no e-mail address lacks an
// `@`, so the two key spaces cannot meet in the one table).
import type { Queryable } from '@tributary/db';
import { schema } from '@tributary/db';
import { eq, sql } from 'drizzle-orm';

/** Failures allowed for one e-mail address in one window before it is locked. */
export const MAX_LOGIN_FAILURES = 5;
/** Default failures allowed from one client (IP address, IPv6 /64) in one window before it is locked. */
export const MAX_CLIENT_LOGIN_FAILURES = 20;
/** How long failures count, and how long a lock lasts. */
export const LOGIN_WINDOW_MS = 15 * 60_000;

/** Whether an attempt may check a password, or how long until it may. */
export type AttemptReservation = { allowed: true } | { allowed: false; retryAfterSeconds: number };

/** Seconds until `key` may try again; 0 when it is not locked. */
export async function lockedFor(db: Queryable, key: string, now = new Date()): Promise<number> {
  const [row] = await db
    .select({ lockedUntil: schema.loginFailures.lockedUntil })
    .from(schema.loginFailures)
    .where(eq(schema.loginFailures.email, key));
  return secondsUntil(row?.lockedUntil ?? null, now);
}

function secondsUntil(until: Date | null, now: Date): number {
  const ms = (until?.getTime() ?? 0) - now.getTime();
  return ms > 0 ? Math.ceil(ms / 1000) : 0;
}

/**
 * Counts an attempt as a failure before its password is checked, in one statement, and says whether it may go
 * on: at most `limit` attempts of a key pass in a window however many arrive at once (checking first and
 * counting after the slow password check would let a burst of parallel guesses through). The attempt that
 * reaches the limit passes and locks the key for {@link LOGIN_WINDOW_MS}; later ones are refused (and counted,
 * which only matters while the lock lasts). An attempt that turns out good is given back with
 * {@link releaseLoginAttempt} or {@link clearLoginFailures}.
 */
export async function reserveLoginAttempt(
  db: Queryable,
  key: string,
  limit: number,
  now = new Date(),
): Promise<AttemptReservation> {
  const t = schema.loginFailures;
  const nowAt = sql`${now.toISOString()}::timestamptz`;
  const windowStart = sql`${new Date(now.getTime() - LOGIN_WINDOW_MS).toISOString()}::timestamptz`;
  const lockUntil = sql`${lockUntilOf(now).toISOString()}::timestamptz`;
  const locked = sql`(${t.lockedUntil} is not null and ${t.lockedUntil} > ${nowAt})`;
  // a lock outlasts its window (it starts at the window's last attempt), so an ended window is never locked
  const expired = sql`(not ${locked} and ${t.windowStartedAt} < ${windowStart})`;
  const count = sql`case when ${expired} then 1 else ${t.count} + 1 end`;
  const [row] = await db
    .insert(t)
    .values({ email: key, count: 1, windowStartedAt: now, lockedUntil: limit <= 1 ? lockUntilOf(now) : null })
    .onConflictDoUpdate({
      target: t.email,
      set: {
        count,
        windowStartedAt: sql`case when ${expired} then ${nowAt} else ${t.windowStartedAt} end`,
        lockedUntil: sql`case when ${locked} then ${t.lockedUntil} when ${count} >= ${limit} then ${lockUntil} else null end`,
      },
    })
    .returning({ count: t.count, lockedUntil: t.lockedUntil });
  if (!row || row.count <= limit) return { allowed: true };
  return { allowed: false, retryAfterSeconds: Math.max(1, secondsUntil(row.lockedUntil, now)) };
}

function lockUntilOf(now: Date): Date {
  return new Date(now.getTime() + LOGIN_WINDOW_MS);
}

/**
 * Gives back an attempt {@link reserveLoginAttempt} counted, when it was not a failure after all; lifts the lock
 * when the count falls below `limit` again. The failures before it still count.
 */
export async function releaseLoginAttempt(db: Queryable, key: string, limit: number): Promise<void> {
  const t = schema.loginFailures;
  await db
    .update(t)
    .set({
      count: sql`greatest(${t.count} - 1, 0)`,
      lockedUntil: sql`case when ${t.count} - 1 < ${limit} then null else ${t.lockedUntil} end`,
    })
    .where(eq(t.email, key));
}

/** Forgets every failure of `key` (a good sign-in for an e-mail address). */
export async function clearLoginFailures(db: Queryable, key: string): Promise<void> {
  await db.delete(schema.loginFailures).where(eq(schema.loginFailures.email, key));
}
