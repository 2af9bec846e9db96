// The event log as nodes may read it: counts over a time range (ctx.eventLog).
import type { Queryable } from '@tributary/db';
import { schema } from '@tributary/db';
import type { EventLogQuery, EventLogReader, EventLogSummary } from '@tributary/nodes';
import { and, gte, inArray, lt, sql } from 'drizzle-orm';

/** Counts events by type and by name, and distinct users, in [since, until). */
export async function summarizeEvents(db: Queryable, query: EventLogQuery): Promise<EventLogSummary> {
  const conditions = [gte(schema.events.receivedAt, query.since), lt(schema.events.receivedAt, query.until)];
  if (query.types?.length) conditions.push(inArray(schema.events.type, [...query.types]));
  if (query.names?.length) conditions.push(inArray(schema.events.name, [...query.names]));
  const rows = await db
    .select({
      type: schema.events.type,
      name: schema.events.name,
      n: sql<number>`count(*)`.mapWith(Number),
    })
    .from(schema.events)
    .where(and(...conditions))
    .groupBy(schema.events.type, schema.events.name);
  const [users] = await db
    .select({ n: sql<number>`count(distinct ${schema.events.userId})`.mapWith(Number) })
    .from(schema.events)
    .where(and(...conditions));
  const summary: EventLogSummary = { total: 0, users: users?.n ?? 0, byType: {}, byName: {} };
  for (const row of rows) {
    summary.total += row.n;
    summary.byType[row.type] = (summary.byType[row.type] ?? 0) + row.n;
    if (row.name) summary.byName[row.name] = (summary.byName[row.name] ?? 0) + row.n;
  }
  return summary;
}

/** The reader nodes get. */
export function eventLogReader(db: Queryable): EventLogReader {
  return { summarize: (query) => summarizeEvents(db, query) };
}
