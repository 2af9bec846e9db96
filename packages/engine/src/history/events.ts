// The event log: reading what entered the system.
import type { Queryable } from '@tributary/db';
import { schema } from '@tributary/db';
import { NotFoundError } from '@tributary/flow';
import { and, desc, eq, gte, inArray, isNotNull, or, sql } from 'drizzle-orm';
import type { PageQuery } from './page.js';
import { keysetPage } from './page.js';

/** One event with the runs it started. */
export async function getEvent(db: Queryable, id: string) {
  const [event] = await db.select().from(schema.events).where(eq(schema.events.id, id));
  if (!event) throw new NotFoundError(`event ${id} does not exist`);
  const runs = await db
    .select({ id: schema.runs.id, flowId: schema.runs.flowId, status: schema.runs.status })
    .from(schema.runs)
    .where(eq(schema.runs.eventId, id));
  return { ...event, runs };
}

/**
 * The event first accepted under an idempotency key, and the runs it started: what a repeated key is
 * answered with. Undefined when no such event is visible.
 */
export async function firstAccepted(
  db: Queryable,
  source: string,
  idempotencyKey: string,
): Promise<{ eventId: string; runs: Array<{ id: string; flowId: string }> } | undefined> {
  const [first] = await db
    .select({ id: schema.events.id })
    .from(schema.events)
    .where(and(eq(schema.events.source, source), eq(schema.events.idempotencyKey, idempotencyKey)));
  if (!first) return undefined;
  const runs = await db
    .select({ id: schema.runs.id, flowId: schema.runs.flowId })
    .from(schema.runs)
    .where(eq(schema.runs.eventId, first.id));
  return { eventId: first.id, runs };
}

export interface EventListQuery extends PageQuery {
  /** Only events that started a run of this flow. */
  flowId?: string | undefined;
  source?: string | undefined;
  type?: string | undefined;
  /** Only tracking events about this userId. */
  userId?: string | undefined;
  /** Only tracking events about this person: their userId or anonymousId. */
  person?: string | undefined;
  /** Only tracking events of this name (a track's event, a page's or screen's name). */
  name?: string | undefined;
  /** Only events received at or after this time. */
  since?: Date | undefined;
}

/** Events newest first, with keyset pagination. */
export async function listEvents(db: Queryable, query: EventListQuery) {
  const started = (flowId: string) =>
    db.select({ id: schema.runs.eventId }).from(schema.runs).where(eq(schema.runs.flowId, flowId));
  const conditions = [
    query.flowId ? inArray(schema.events.id, started(query.flowId)) : undefined,
    query.source ? eq(schema.events.source, query.source) : undefined,
    query.type ? eq(schema.events.type, query.type) : undefined,
    query.userId ? eq(schema.events.userId, query.userId) : undefined,
    query.person
      ? or(eq(schema.events.userId, query.person), eq(schema.events.anonymousId, query.person))
      : undefined,
    query.name ? eq(schema.events.name, query.name) : undefined,
    query.since ? gte(schema.events.receivedAt, query.since) : undefined,
  ];
  return keysetPage(query, schema.events.id, conditions, (where, orderBy, limit) =>
    db.select().from(schema.events).where(where).orderBy(orderBy).limit(limit),
  );
}

/** How many of the newest events `recentEventNames` reads: a bounded scan, whatever the log's size. */
const NAME_SCAN = 10_000;

/**
 * The names of recent tracking events (a track's event, a page's or screen's name), most recently seen first,
 * with how often each came among the newest events read — for suggesting names in a trigger's form.
 */
export async function recentEventNames(
  db: Queryable,
  query: { source?: string | undefined; type?: string | undefined; limit: number },
): Promise<Array<{ name: string; count: number; lastAt: Date }>> {
  const newest = db
    .select({ name: schema.events.name, receivedAt: schema.events.receivedAt })
    .from(schema.events)
    .where(
      and(
        isNotNull(schema.events.name),
        query.source ? eq(schema.events.source, query.source) : undefined,
        query.type ? eq(schema.events.type, query.type) : undefined,
      ),
    )
    .orderBy(desc(schema.events.id))
    .limit(NAME_SCAN)
    .as('newest');
  const rows = await db
    .select({
      name: newest.name,
      count: sql<number>`count(*)::int`,
      lastAt: sql<Date>`max(${newest.receivedAt})`,
    })
    .from(newest)
    .groupBy(newest.name)
    .orderBy(sql`max(${newest.receivedAt}) desc`)
    .limit(query.limit);
  return rows.map((r) => ({ name: r.name ?? '', count: Number(r.count), lastAt: new Date(r.lastAt) }));
}
