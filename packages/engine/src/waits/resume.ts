// The event side of waits: once new events are committed, settle the waits they match and make their steps due.
import { schema, selectRows } from '@tributary/db';
import { and, eq, inArray, sql } from 'drizzle-orm';
import type { EngineContext, EventRow, StepRef } from '../core/index.js';
import type { PersonId } from './waits.js';
import { byPerson, correlationOf, linkedKeysQuery, personIdsOf, personKey } from './waits.js';

/** Makes a parked step runnable now and nudges its job. */
export async function wakeSteps(ctx: EngineContext, steps: ReadonlyArray<{ stepId: string; runId: string }>) {
  if (steps.length === 0) return;
  const woken = await ctx.db
    .update(schema.steps)
    .set({ dueAt: new Date() })
    .where(
      and(
        inArray(
          schema.steps.id,
          steps.map((s) => s.stepId),
        ),
        eq(schema.steps.status, 'waiting'),
      ),
    )
    .returning({ id: schema.steps.id, runId: schema.steps.runId });
  try {
    await ctx.queue.wake(woken);
  } catch (err) {
    // the steps are due in Postgres: the sweeper enqueues them if their jobs are gone, or runs their delayed jobs
    ctx.logger.warn({ err, steps: woken.length }, 'could not wake parked steps now');
  }
}

const W = schema.waits;
const S = schema.steps;

/** A wait's kind, as `waits_kind_idx` indexes it: its names' JSON text, then its match expression. */
const kindOf = (w: string) =>
  sql.raw(`md5((${w}.${W.eventNames.name})::text || ${w}.${W.matchExpression.name})`);

/**
 * The kinds (match expression and names) of the waiting waits for any of `names`. A loose index scan on
 * `waits_kind_idx`: one index step per kind of waiting wait, and one row read per kind, however many waits of
 * a kind are parked (reading them all cost ~7 ms a commit with 5,000 parked). The names go as one JSON
 * parameter and the status is written out: one SQL text, one plan kept, on the partial index.
 */
async function waitingKinds(ctx: EngineContext, names: readonly string[]) {
  return selectRows<{ expression: string; names: string[] }>(
    ctx.db,
    sql`with recursive kinds(kind) as (
        (select ${kindOf('w')} from ${W} w where w.status = 'waiting' order by 1 limit 1)
        union all
        select (select ${kindOf('w')} from ${W} w
                where w.status = 'waiting' and ${kindOf('w')} > kinds.kind order by 1 limit 1)
        from kinds where kinds.kind is not null
      )
      select k.match_expression as expression, k.event_names as names
      from kinds cross join lateral (
        select w.match_expression, w.event_names from ${W} w
        where w.status = 'waiting' and ${kindOf('w')} = kinds.kind limit 1
      ) k
      where k.event_names ?| array(select jsonb_array_elements_text(${JSON.stringify(names)}::jsonb))`,
  );
}

/**
 * After new events are committed: settles the waits they match and makes their steps due now; returns those
 * steps, whose jobs are to be promoted (StepQueue.wake). One query finds the match expressions of the waits for the events'
 * names, the correlation keys are worked out in memory, and one statement settles every matching wait — each
 * with the earliest of the events that match it — and marks its step due. A settled wait is durable: its step
 * takes `received` when it next runs, woken or at its timeout.
 *
 * A wait by person (wait-for-event's default) matches any id of the event's person and the ids their profiles
 * link: the statement adds those from the profiles' identities itself, in its own snapshot, instead of a read
 * of them before it (one round trip fewer before a call that resumes such a wait is answered).
 */
export async function settleWaitsFor(ctx: EngineContext, events: readonly EventRow[]): Promise<StepRef[]> {
  const named = events.filter((e): e is EventRow & { name: string } => typeof e.name === 'string');
  if (named.length === 0) return [];
  const names = [...new Set(named.map((e) => e.name))];
  const waiting = await waitingKinds(ctx, names);
  if (waiting.length === 0) return [];
  const matches: Match[] = [];
  const people = new Map<string, PersonId>();
  for (const [ord, event] of named.entries()) {
    const expressions = new Set(waiting.filter((w) => w.names.includes(event.name)).map((w) => w.expression));
    for (const expression of expressions) {
      const person = byPerson(expression);
      const keys = person
        ? personIdsOf(event).map((id) => {
            people.set(personKey(id), id);
            return personKey(id);
          })
        : [await correlationOf(ctx, expression, event)];
      for (const key of keys) {
        if (key !== undefined)
          matches.push({ ord, key, expression, name: event.name, event_id: event.id, person });
      }
    }
  }
  if (matches.length === 0) return [];
  // the keys also go to the index of waiting waits as one array: joined with the matches alone, Postgres
  // (which takes the matches for 100 rows) read every waiting wait and hashed them (~2 ms with 5,000 parked)
  const due = await selectRows<StepRef>(
    ctx.db,
    sql`with given as (
        select * from jsonb_to_recordset(${JSON.stringify(matches)}::jsonb)
          as m(ord int, key text, expression text, name text, event_id uuid, person boolean)
      ), linked as (${linkedKeysQuery([...people.values()])}
      ), m as (
        select ord, key, expression, name, event_id from given
        union
        select given.ord, linked.linked, given.expression, given.name, given.event_id
        from given join linked on given.person and linked.key = given.key
      ), pick as (
        select distinct on (${W.id}) ${W.id} as wait_id, m.event_id
        from ${W} join m on ${W.correlation} = m.key and ${W.matchExpression} = m.expression
          and ${W.eventNames} @> jsonb_build_array(m.name)
        where ${W.status} = 'waiting' and ${W.expiresAt} >= now()
          and ${W.correlation} = any(array(select key from m))
        order by ${W.id}, m.ord
      ), settled as (
        update ${W} set ${sql.identifier(W.status.name)} = 'received',
          ${sql.identifier(W.matchedEventId.name)} = pick.event_id,
          ${sql.identifier(W.resolvedAt.name)} = now()
        from pick
        where ${W.id} = pick.wait_id and ${W.status} = 'waiting'
        returning ${W.stepId} as step_id
      )
      update ${S} set ${sql.identifier(S.dueAt.name)} = now()
      from settled
      where ${S.id} = settled.step_id and ${S.status} = 'waiting'
      returning ${S.id} as id, ${S.runId} as "runId"`,
  );
  return due;
}

/** A correlation key an event gives a kind of wait (`person`: a person's id, to which linked ids are added). */
interface Match {
  ord: number;
  key: string;
  expression: string;
  name: string;
  event_id: string;
  person: boolean;
}
