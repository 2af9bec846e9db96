// Recent activity per flow (runs of the last 24 hours, the latest run), for the flow list.
import type { Queryable } from '@tributary/db';
import { schema } from '@tributary/db';
import { gt, inArray, sql } from 'drizzle-orm';

/** Recent activity per flow, for the flow list. */
export interface FlowStats {
  lastRunAt: Date | null;
  lastRunStatus: string | null;
  runs24h: number;
  failed24h: number;
}

/** Run counts of the last 24 hours and the latest run of each flow (test runs left out). */
export async function flowStats(db: Queryable): Promise<Map<string, FlowStats>> {
  const since = sql`now() - interval '24 hours'`;
  const counts = await db
    .select({
      flowId: schema.runs.flowId,
      runs24h: sql<number>`count(*) filter (where ${schema.runs.createdAt} > ${since})`.mapWith(Number),
      failed24h:
        sql<number>`count(*) filter (where ${schema.runs.createdAt} > ${since} and ${schema.runs.status} = 'failed')`.mapWith(
          Number,
        ),
      lastRunId: sql<string>`max(${schema.runs.id}::text)`,
    })
    .from(schema.runs)
    .where(gt(schema.runs.version, 0))
    .groupBy(schema.runs.flowId);
  const lastIds = counts.map((c) => c.lastRunId).filter((id): id is string => Boolean(id));
  const last =
    lastIds.length === 0
      ? []
      : await db
          .select({ id: schema.runs.id, status: schema.runs.status, createdAt: schema.runs.createdAt })
          .from(schema.runs)
          .where(inArray(schema.runs.id, lastIds));
  const lastById = new Map(last.map((r) => [r.id, r]));
  const out = new Map<string, FlowStats>();
  for (const c of counts) {
    const run = lastById.get(c.lastRunId);
    out.set(c.flowId, {
      lastRunAt: run?.createdAt ?? null,
      lastRunStatus: run?.status ?? null,
      runs24h: c.runs24h,
      failed24h: c.failed24h,
    });
  }
  return out;
}
