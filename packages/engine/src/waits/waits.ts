// Wait rows: correlate events, find a matching one in the log, record a wait, settle it exactly once
// (received or timeout, each a compare-and-set on the wait's status).
import type { Queryable } from '@tributary/db';
import { newId, schema, selectRows } from '@tributary/db';
import { PERSON_CORRELATION, resolveConfig } from '@tributary/flow';
import type { WaitOutcome } from '@tributary/nodes';
import type { SQL } from 'drizzle-orm';
import { and, asc, eq, gte, inArray, or, sql } from 'drizzle-orm';
import type { EngineContext, EventRow, EventView, WaitRow } from '../core/index.js';
import { eventScope } from '../core/index.js';
import { identitiesQuery } from '../profiles/index.js';

/** Candidates examined per look into the log. */
const LOOKBACK_LIMIT = 500;

/** The expression that reads the userId: matched with the indexed column instead of evaluating it per event. */
const USER_ID_EXPRESSION = /^\{\{\s*\$event\.payload\.userId\s*\}\}$/;

/** An event's correlation value under `expression`, as a string, or undefined when it has none. */
export async function correlationOf(
  ctx: Pick<EngineContext, 'settings'>,
  expression: string,
  event: EventView,
): Promise<string | undefined> {
  try {
    const value = await resolveConfig(
      expression,
      { event: eventScope(event), json: event.payload },
      { timeoutMs: ctx.settings.expressionTimeoutMs },
    );
    if (value === null || value === undefined || value === '' || typeof value === 'object') return undefined;
    return String(value);
  } catch {
    // an event the expression cannot read (missing fields, wrong types) simply does not correlate
    return undefined;
  }
}

/** A person's id as wait-for-event's default correlation writes it: `userId:<id>` or `anonymousId:<id>`. */
export type PersonId = { kind: 'userId' | 'anonymousId'; value: string };

/** A person id as a correlation key, as wait-for-event's default writes it. */
export const personKey = ({ kind, value }: PersonId) => `${kind}:${value}`;

/** Whether `expression` is wait-for-event's default: correlation by person (see the node). */
export function byPerson(expression: string): boolean {
  return expression === PERSON_CORRELATION;
}

/** The ids of an event's person as it carries them. */
export function personIdsOf(event: Pick<EventRow, 'userId' | 'anonymousId'>): PersonId[] {
  const ids: PersonId[] = [];
  if (event.userId) ids.push({ kind: 'userId', value: event.userId });
  if (event.anonymousId) ids.push({ kind: 'anonymousId', value: event.anonymousId });
  return ids;
}

function parsePersonKey(key: string): PersonId | undefined {
  const at = key.indexOf(':');
  const kind = key.slice(0, at);
  return at > 0 && (kind === 'userId' || kind === 'anonymousId')
    ? { kind, value: key.slice(at + 1) }
    : undefined;
}

/**
 * The query for the person keys the profiles of these ids link, as (key, linked) rows: each id looked up in
 * the (kind, value) key on its own, then its profile's ids by profile (the id itself among them). Shared by
 * linkedPersonKeys and the statement that settles waits (resume.ts), which uses it as a subquery.
 */
export function linkedKeysQuery(ids: readonly PersonId[]): SQL {
  const P = schema.profileIdentities;
  const kind = sql.identifier(P.kind.name);
  const value = sql.identifier(P.value.name);
  const valuesOf = (k: PersonId['kind']) => ids.filter((id) => id.kind === k).map((id) => id.value);
  return sql`select a.kind || ':' || a.value as key, b.${kind} || ':' || b.${value} as linked
    from (${identitiesQuery(valuesOf('userId'), valuesOf('anonymousId'))}) a
    join ${P} b on b.${sql.identifier(P.profileId.name)} = a."profileId"`;
}

/**
 * Every person key of each id: itself, and the other ids its profile links (an anonymousId that an identify
 * or alias joined to a userId, and back). One query for all of them.
 */
async function linkedPersonKeys(db: Queryable, ids: readonly PersonId[]): Promise<Map<string, Set<string>>> {
  const out = new Map<string, Set<string>>(ids.map((id) => [personKey(id), new Set([personKey(id)])]));
  if (ids.length === 0) return out;
  const rows = await selectRows<{ key: string; linked: string }>(db, linkedKeysQuery(ids));
  for (const row of rows) out.get(row.key)?.add(row.linked);
  return out;
}

/** The first event named one of `names`, received since `since`, whose correlation value is `key`. */
export async function findMatchingEvent(
  ctx: Pick<EngineContext, 'db' | 'settings'>,
  names: readonly string[],
  expression: string,
  key: string,
  since: Date,
): Promise<EventRow | undefined> {
  const conditions = [inArray(schema.events.name, [...names]), gte(schema.events.receivedAt, since)];
  if (byPerson(expression)) {
    const person = parsePersonKey(key);
    if (!person) return undefined;
    const keys = [...((await linkedPersonKeys(ctx.db, [person])).get(key) ?? [])].flatMap((k) => {
      const id = parsePersonKey(k);
      return id ? [id] : [];
    });
    const userIds = keys.filter((k) => k.kind === 'userId').map((k) => k.value);
    const anonymousIds = keys.filter((k) => k.kind === 'anonymousId').map((k) => k.value);
    const [first] = await ctx.db
      .select()
      .from(schema.events)
      .where(
        and(
          ...conditions,
          or(
            userIds.length ? inArray(schema.events.userId, userIds) : undefined,
            anonymousIds.length ? inArray(schema.events.anonymousId, anonymousIds) : undefined,
          ),
        ),
      )
      .orderBy(asc(schema.events.receivedAt))
      .limit(1);
    return first;
  }
  const byUser = USER_ID_EXPRESSION.test(expression);
  if (byUser) conditions.push(eq(schema.events.userId, key));
  const candidates = await ctx.db
    .select()
    .from(schema.events)
    .where(and(...conditions))
    .orderBy(asc(schema.events.receivedAt))
    .limit(LOOKBACK_LIMIT);
  if (byUser) return candidates[0];
  for (const event of candidates) {
    if ((await correlationOf(ctx, expression, event)) === key) return event;
  }
  return undefined;
}

/** The wait of a step, if it parked before. */
export async function waitOfStep(db: Queryable, stepId: string): Promise<WaitOfStep | undefined> {
  // with the event it received, in the same round trip: a woken step needs both
  const [row] = await db
    .select({ wait: schema.waits, matched: schema.events })
    .from(schema.waits)
    .leftJoin(schema.events, eq(schema.events.id, schema.waits.matchedEventId))
    .where(eq(schema.waits.stepId, stepId));
  return row ? { wait: row.wait, matched: row.matched ?? undefined } : undefined;
}

/** A step's wait and, once it received one, the event that settled it. */
export interface WaitOfStep {
  wait: WaitRow;
  matched: EventRow | undefined;
}

/** The outcome a resolved wait stands for. */
export function outcomeOf({ wait, matched }: WaitOfStep): WaitOutcome | undefined {
  if (wait.status === 'timeout') return { port: 'timeout' };
  if (wait.status !== 'received' || !matched) return undefined;
  return receivedOutcome(matched);
}

/** The `received` outcome for an event. */
export function receivedOutcome(event: EventRow): WaitOutcome {
  return {
    port: 'received',
    event: {
      id: event.id,
      name: event.name,
      payload: event.payload,
      receivedAt: event.receivedAt.toISOString(),
    },
  };
}

/** Settles a waiting wait (compare-and-set); false when it was already settled. */
export async function settleWait(
  db: Queryable,
  waitId: string,
  outcome: { status: 'received'; eventId: string } | { status: 'timeout' },
): Promise<boolean> {
  const updated = await db
    .update(schema.waits)
    .set({
      status: outcome.status,
      matchedEventId: outcome.status === 'received' ? outcome.eventId : null,
      resolvedAt: new Date(),
    })
    .where(and(eq(schema.waits.id, waitId), eq(schema.waits.status, 'waiting')))
    .returning({ id: schema.waits.id });
  return updated.length === 1;
}

/** Values a new wait row needs. */
export interface NewWait {
  runId: string;
  stepId: string;
  flowId: string;
  eventNames: readonly string[];
  correlation: string;
  matchExpression: string;
  lookbackMs: number;
  expiresAt: Date;
}

/** Writes a wait (inside the park transaction). */
export async function insertWait(db: Queryable, wait: NewWait): Promise<string> {
  const id = newId();
  await db
    .insert(schema.waits)
    .values({ id, ...wait, eventNames: [...wait.eventNames] })
    .onConflictDoNothing({ target: schema.waits.stepId });
  return id;
}
