// Leases of exclusive broker triggers: which one process consumes such a trigger. A process takes or renews
// the lease of each exclusive trigger at every sync of its consumers, in one statement (so two processes
// cannot both take an expired one), and gives its leases back when it closes; a process that dies simply
// stops renewing, and another takes over once the lease has run out.
import type { Queryable } from '@tributary/db';
import { schema } from '@tributary/db';
import { and, eq, inArray, sql } from 'drizzle-orm';

const L = schema.consumerLeases;

/** Takes or renews the lease of `flowId` for `holder` for `ttlMs`; whether `holder` holds it now. */
export async function holdLease(
  db: Queryable,
  flowId: string,
  holder: string,
  ttlMs: number,
): Promise<boolean> {
  const expiresAt = sql`now() + ${`${ttlMs} milliseconds`}::interval`;
  const [row] = await db
    .insert(L)
    .values({ flowId, holder, expiresAt })
    .onConflictDoUpdate({
      target: L.flowId,
      set: { holder, expiresAt },
      // another process's lease that has not run out stays its
      setWhere: sql`${L.holder} = ${holder} or ${L.expiresAt} < now()`,
    })
    .returning({ holder: L.holder });
  return row?.holder === holder;
}

/** Gives back `holder`'s leases of these triggers (all of them when `flowIds` is absent). */
export async function releaseLeases(
  db: Queryable,
  holder: string,
  flowIds?: readonly string[],
): Promise<void> {
  if (flowIds?.length === 0) return;
  await db.delete(L).where(and(eq(L.holder, holder), flowIds ? inArray(L.flowId, [...flowIds]) : undefined));
}
