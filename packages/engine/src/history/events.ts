// The event log: reading what entered the system.
import type { Queryable } from '@tributary/db';
import { schema } from '@tributary/db';
import { NotFoundError } from '@tributary/flow';
import { and, desc, eq, gte, inArray, lt } from 'drizzle-orm';

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

export interface EventListQuery {
  /** Only events that started a run of this flow. */
  flowId?: string | undefined;
  source?: string | undefined;
  type?: string | undefined;
  /** Only tracking events about this userId. */
  userId?: string | undefined;
  /** Only events received at or after this time. */
  since?: Date | undefined;
  limit: number;
  cursor?: string | undefined;
}

/** Events newest first, with keyset pagination. */
export async function listEvents(db: Queryable, query: EventListQuery) {
  const conditions = [];
  if (query.flowId) {
    const started = db
      .select({ id: schema.runs.eventId })
      .from(schema.runs)
      .where(eq(schema.runs.flowId, query.flowId));
    conditions.push(inArray(schema.events.id, started));
  }
  if (query.source) conditions.push(eq(schema.events.source, query.source));
  if (query.type) conditions.push(eq(schema.events.type, query.type));
  if (query.userId) conditions.push(eq(schema.events.userId, query.userId));
  if (query.since) conditions.push(gte(schema.events.receivedAt, query.since));
  if (query.cursor) conditions.push(lt(schema.events.id, query.cursor));
  const rows = await db
    .select()
    .from(schema.events)
    .where(and(...conditions))
    .orderBy(desc(schema.events.id))
    .limit(query.limit + 1);
  const page = rows.slice(0, query.limit);
  const nextCursor = rows.length > query.limit ? (page[page.length - 1]?.id ?? null) : null;
  return { items: page, nextCursor };
}
