// Settling a run: once no step of it is open, it ends `failed` if a step is dead, else `succeeded`.
import type { Transaction } from '@tributary/db';
import {
  columnName,
  literalList,
  OPEN_RUN_STATUSES,
  OPEN_STEP_STATUSES,
  schema,
  selectRows,
} from '@tributary/db';
import type { SQL } from 'drizzle-orm';
import { sql } from 'drizzle-orm';
import type { EngineContext } from '../core/index.js';

/** Whether no step of the run is open, and whether one is dead: the settle's two questions, in SQL. */
export function settleChecks(runId: string) {
  const anyStep = (status: SQL) =>
    sql`exists (select 1 from ${schema.steps} where ${schema.steps.runId} = ${runId} and ${status})`;
  return {
    finished: sql`not ${anyStep(sql`${schema.steps.status} in ${literalList(OPEN_STEP_STATUSES)}`)}`,
    dead: anyStep(sql`${schema.steps.status} = 'dead'`),
  };
}

/**
 * The SET list of a run that ends now — `failed` when `dead`, else `succeeded` — or, given `when`, only
 * where `when` holds (elsewhere status and finished_at stay as they are).
 */
export function endRun(dead: SQL, when?: SQL): SQL {
  const status = columnName(schema.runs.status);
  const finishedAt = columnName(schema.runs.finishedAt);
  const ended = sql`case when ${dead} then 'failed' else 'succeeded' end`;
  const now = sql`${new Date().toISOString()}::timestamptz`;
  if (!when) return sql`${status} = ${ended}, ${finishedAt} = ${now}`;
  return sql`${status} = case when ${when} then (${ended}) else ${schema.runs.status} end,
      ${finishedAt} = case when ${when} then ${now} else ${schema.runs.finishedAt} end`;
}

/** The SQL condition "the run is still open". */
export function runIsOpen(alias?: string): SQL {
  const column = alias
    ? sql`${sql.raw(alias)}.${columnName(schema.runs.status)}`
    : sql`${schema.runs.status}`;
  return sql`${column} in ${literalList(OPEN_RUN_STATUSES)}`;
}

/**
 * Finishes the run when no step is open any more: `failed` if a step is dead, else `succeeded`.
 * Returns the final status, or undefined while the run goes on. One statement: the check and the update.
 */
export async function settleRun(
  tx: Transaction,
  ctx: Pick<EngineContext, 'metrics'>,
  runId: string,
): Promise<'succeeded' | 'failed' | undefined> {
  const checks = settleChecks(runId);
  const [updated] = await selectRows<{ status: string }>(
    tx,
    sql`update ${schema.runs} set ${endRun(checks.dead)}
    where ${schema.runs.id} = ${runId} and ${runIsOpen()} and ${checks.finished}
    returning ${schema.runs.status} as status`,
  );
  if (!updated) return undefined;
  const status = updated.status === 'failed' ? 'failed' : 'succeeded';
  ctx.metrics.runsFinished.inc({ status });
  return status;
}
