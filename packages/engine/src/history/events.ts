// The event log: reading what entered the system.
import type { Queryable } from '@tributary/db';
import { schema, selectRows } from '@tributary/db';
import { NotFoundError } from '@tributary/flow';
import { and, desc, eq, gte, inArray, isNotNull, or, sql } from 'drizzle-orm';
import type { PageQuery } from './page.js';
import { keysetPage } from './page.js';

/** A flow's re-entry rule that kept an event's person out (settings.reentry): no run was started. */
export interface EntryRefusalView {
  flowId: string;
  flowName: string;
  rule: 'once' | 'one-at-a-time' | 'min-interval';
  /** The run that held the person (their entry, or their run still in progress); null when none is known. */
  heldBy: string | null;
  at: Date;
}

const X = schema.entryRefusals;

/** The refusals recorded on each of `eventIds` (one query; none asked for when the list is empty). */
async function refusalsOf(
  db: Queryable,
  eventIds: readonly string[],
): Promise<Map<string, EntryRefusalView[]>> {
  const out = new Map<string, EntryRefusalView[]>(eventIds.map((id) => [id, []]));
  if (eventIds.length === 0) return out;
  const rows = await db
    .select({
      eventId: X.eventId,
      flowId: X.flowId,
      flowName: schema.flows.name,
      rule: X.rule,
      heldBy: X.heldBy,
      at: X.createdAt,
    })
    .from(X)
    .innerJoin(schema.flows, eq(schema.flows.id, X.flowId))
    .where(inArray(X.eventId, [...eventIds]))
    .orderBy(X.flowId);
  for (const { eventId, ...refusal } of rows) out.get(eventId)?.push(refusal);
  return out;
}

/** One event with the runs it started and the flows whose re-entry rule refused it. */
export async function getEvent(db: Queryable, id: string) {
  const [event] = await db.select().from(schema.events).where(eq(schema.events.id, id));
  if (!event) throw new NotFoundError(`event ${id} does not exist`);
  const runs = await db
    .select({ id: schema.runs.id, flowId: schema.runs.flowId, status: schema.runs.status })
    .from(schema.runs)
    .where(eq(schema.runs.eventId, id));
  const refusals = (await refusalsOf(db, [id])).get(id) ?? [];
  return { ...event, runs, refusals };
}

/** An event first accepted under an idempotency key, and the runs it started. */
export interface FirstAccepted {
  eventId: string;
  runs: Array<{ id: string; flowId: string }>;
}

/** The key of firstAcceptedOf's answers: a source and an idempotency key. */
export function acceptedKey(source: string, idempotencyKey: string): string {
  return `${source}\u0000${idempotencyKey}`;
}

/**
 * The events first accepted under the (source, idempotency key) pairs of `events` (events whose key was
 * taken; one without a key has none to look up), with the runs each started (in the order they were
 * started), by acceptedKey: one query for any number of keys — a retried batch of a hundred calls is answered
 * as duplicates in one round trip, not two per call. A key no stored event has is absent.
 */
export async function firstAcceptedOf(
  db: Queryable,
  events: ReadonlyArray<{ source: string; idempotencyKey?: string | null }>,
): Promise<Map<string, FirstAccepted>> {
  const found = new Map<string, FirstAccepted>();
  const keys = events.flatMap(({ source, idempotencyKey: key }) => (key == null ? [] : [{ source, key }]));
  if (keys.length === 0) return found;
  const E = schema.events;
  const R = schema.runs;
  const id = (column: { name: string }) => sql.identifier(column.name);
  const rows = await selectRows<{
    source: string;
    key: string;
    eventId: string;
    runId: string | null;
    flowId: string | null;
  }>(
    db,
    sql`select e.${id(E.source)} as source, e.${id(E.idempotencyKey)} as key, e.${id(E.id)} as "eventId",
        r.${id(R.id)} as "runId", r.${id(R.flowId)} as "flowId"
      from ${E} e left join ${R} r on r.${id(R.eventId)} = e.${id(E.id)}
      where (e.${id(E.source)}, e.${id(E.idempotencyKey)}) in (
        select k.source, k.key from jsonb_to_recordset(${JSON.stringify(keys)}::jsonb) as k(source text, key text))
      order by r.${id(R.id)}`,
  );
  for (const row of rows) {
    const key = acceptedKey(row.source, row.key);
    let first = found.get(key);
    if (!first) {
      first = { eventId: row.eventId, runs: [] };
      found.set(key, first);
    }
    if (row.runId !== null && row.flowId !== null) first.runs.push({ id: row.runId, flowId: row.flowId });
  }
  return found;
}

export interface EventListQuery extends PageQuery {
  /** Only events that started a run of this flow, or that its re-entry rule refused. */
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
  /** Only events flagged for breaking their source's tracking plan. */
  violationsOnly?: boolean | undefined;
}

/** Events newest first, with keyset pagination. */
export async function listEvents(db: Queryable, query: EventListQuery) {
  // one list of ids (a semi-join for the planner), not two IN tests joined by OR
  const ofFlow = (flowId: string) =>
    sql`${schema.events.id} in (select ${schema.runs.eventId} from ${schema.runs} where ${schema.runs.flowId} = ${flowId}
      union all select ${X.eventId} from ${X} where ${X.flowId} = ${flowId})`;
  const conditions = [
    query.flowId ? ofFlow(query.flowId) : undefined,
    query.source ? eq(schema.events.source, query.source) : undefined,
    query.type ? eq(schema.events.type, query.type) : undefined,
    query.userId ? eq(schema.events.userId, query.userId) : undefined,
    query.person
      ? or(eq(schema.events.userId, query.person), eq(schema.events.anonymousId, query.person))
      : undefined,
    query.name ? eq(schema.events.name, query.name) : undefined,
    query.since ? gte(schema.events.receivedAt, query.since) : undefined,
    query.violationsOnly ? isNotNull(schema.events.planViolations) : undefined,
  ];
  const page = await keysetPage(query, schema.events.id, conditions, (where, orderBy, limit) =>
    db.select().from(schema.events).where(where).orderBy(orderBy).limit(limit),
  );
  const refusals = await refusalsOf(
    db,
    page.items.map((e) => e.id),
  );
  return { ...page, items: page.items.map((e) => ({ ...e, refusals: refusals.get(e.id) ?? [] })) };
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
