// The plan Postgres keeps for a prepared statement once it settles on a generic one: whether a statement
// whose values come as parameters can still use a partial index (it cannot when the value the index's
// predicate names is a parameter).
import type { Database } from '@tributary/db';
import { selectRows } from '@tributary/db';
import { sql } from 'drizzle-orm';

/**
 * The generic plan (EXPLAIN's JSON, as text) of `text` prepared and executed with `params` — sequential scans
 * off, so that on a test's small table the planner shows which index it can use. Postgres only: PGlite's plan
 * cache and settings are not what a server's connections see.
 */
export async function genericPlan(db: Database, text: string, params: readonly unknown[]): Promise<string> {
  const literal = (p: unknown) =>
    typeof p === 'number' ? String(p) : `'${String(p).replaceAll("'", "''")}'`;
  return db.transaction(async (tx) => {
    await tx.execute(sql.raw('set local plan_cache_mode = force_generic_plan'));
    await tx.execute(sql.raw('set local enable_seqscan = off'));
    await tx.execute(sql.raw(`prepare generic_plan as ${text}`));
    const plan = await selectRows<Record<string, unknown>>(
      tx,
      sql.raw(`explain (format json) execute generic_plan(${params.map(literal).join(', ')})`),
    );
    await tx.execute(sql.raw('deallocate generic_plan'));
    return JSON.stringify(plan);
  });
}
