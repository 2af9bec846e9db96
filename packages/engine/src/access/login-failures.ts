// Sign-in throttling per e-mail address, kept in Postgres so every API process sees the same count.
import type { Queryable } from '@tributary/db';
import { schema } from '@tributary/db';
import { eq, sql } from 'drizzle-orm';

/** Failures allowed in one window before the address is locked. */
export const MAX_LOGIN_FAILURES = 5;
/** How long failures count, and how long a lock lasts. */
export const LOGIN_WINDOW_MS = 15 * 60_000;

/** Seconds until `email` may try again; 0 when it is not locked. */
export async function lockedFor(db: Queryable, email: string, now = new Date()): Promise<number> {
  const [row] = await db
    .select({ lockedUntil: schema.loginFailures.lockedUntil })
    .from(schema.loginFailures)
    .where(eq(schema.loginFailures.email, email));
  const until = row?.lockedUntil?.getTime() ?? 0;
  return until > now.getTime() ? Math.ceil((until - now.getTime()) / 1000) : 0;
}

/** Counts one failure in one statement (concurrent attempts cannot both miss the limit); locks at the limit. */
export async function recordLoginFailure(db: Queryable, email: string, now = new Date()): Promise<void> {
  const windowStart = new Date(now.getTime() - LOGIN_WINDOW_MS);
  const lockUntil = new Date(now.getTime() + LOGIN_WINDOW_MS);
  const t = schema.loginFailures;
  const expired = sql`${t.windowStartedAt} < ${windowStart.toISOString()}::timestamptz`;
  const count = sql`case when ${expired} then 1 else ${t.count} + 1 end`;
  await db
    .insert(t)
    .values({ email, count: 1, windowStartedAt: now, lockedUntil: null })
    .onConflictDoUpdate({
      target: t.email,
      set: {
        count,
        windowStartedAt: sql`case when ${expired} then ${now.toISOString()}::timestamptz else ${t.windowStartedAt} end`,
        lockedUntil: sql`case when ${count} >= ${MAX_LOGIN_FAILURES} then ${lockUntil.toISOString()}::timestamptz else ${t.lockedUntil} end`,
      },
    });
}

/** A successful sign-in forgets the address's failures. */
export async function clearLoginFailures(db: Queryable, email: string): Promise<void> {
  await db.delete(schema.loginFailures).where(eq(schema.loginFailures.email, email));
}
