// Re-entry per person (settings.reentry): which of the runs a tracking commit is about to start may enter their
// flow, decided in that commit's transaction by one row per flow and person (journey_entries) — so two events
// of one person racing, in one commit or in two processes, are decided by Postgres, not by memory. A refused
// entry is written down on its event (entry_refusals), never dropped silently. Flows without a rule cost
// nothing: no statement runs unless a run of a flow with a rule is among those to start.
import type { Transaction } from '@tributary/db';
import { literalList, OPEN_RUN_STATUSES, schema } from '@tributary/db';
import type { ReentryRule } from '@tributary/flow';
import { and, eq, sql } from 'drizzle-orm';
import type { CompiledFlow, EventRow } from '../core/index.js';
import type { PreparedRun } from '../ingest/index.js';

const J = schema.journeyEntries;
const R = schema.runs;

/** The name a refusal records of the rule that made it. */
export type RefusingRule = 'once' | 'one-at-a-time' | 'min-interval';

/** An entry a rule refused: the event, the flow, the person, the rule and the run that held the person. */
export interface Refusal {
  eventId: string;
  flowId: string;
  person: string;
  rule: RefusingRule;
  heldBy: string | null;
}

/** A run about to start, with its flow's rule and its person. */
interface Candidate {
  run: PreparedRun;
  rule: Exclude<ReentryRule, 'always'>;
  person: string;
  enteredAt: Date;
  /** Its place among the runs given, so a person's events are decided in the order they came. */
  order: number;
}

/** The person of a tracking event as re-entry counts them: `userId:<id>`, else `anonymousId:<id>`. */
export function personOf(event: Pick<EventRow, 'userId' | 'anonymousId'>): string | undefined {
  if (event.userId) return `userId:${event.userId}`;
  if (event.anonymousId) return `anonymousId:${event.anonymousId}`;
  return undefined;
}

function ruleName(rule: Exclude<ReentryRule, 'always'>): RefusingRule {
  return typeof rule === 'string' ? rule : 'min-interval';
}

/** Whether runs of `flow` enter through `decideEntries` (a re-entry rule other than 'always'). */
export function hasReentryRule(flow: CompiledFlow | undefined): boolean {
  const rule = flow?.definition.settings.reentry;
  return rule !== undefined && rule !== 'always';
}

/**
 * Decides which of `runs` (prepared for the events `events` by id, of the flows `flows` by id) may start, in
 * `tx`, before they are inserted; records each refused one on its event. A run whose flow has no rule, or
 * whose event has no person, enters as before. Returns the refusals (their runs must not be inserted).
 *
 * Rows are locked in one order (flow, person) so that two commits never wait for each other in a circle.
 */
export async function decideEntries(
  tx: Transaction,
  runs: readonly PreparedRun[],
  flows: ReadonlyMap<string, CompiledFlow>,
  eventRows: readonly EventRow[],
): Promise<Refusal[]> {
  if (!runs.some((run) => hasReentryRule(flows.get(run.run.flowId)))) return [];
  const events = new Map(eventRows.map((e) => [e.id, e]));
  const candidates: Candidate[] = [];
  runs.forEach((run, order) => {
    const rule = flows.get(run.run.flowId)?.definition.settings.reentry;
    if (rule === undefined || rule === 'always') return;
    const event = events.get(run.run.eventId);
    const person = event ? personOf(event) : undefined;
    // an event without a person cannot be told from anyone else's: it enters as it would without a rule
    if (!event || person === undefined) return;
    candidates.push({ run, rule, person, enteredAt: event.receivedAt, order });
  });
  if (candidates.length === 0) return [];
  candidates.sort(
    (a, b) => compare(a.run.run.flowId, b.run.run.flowId) || compare(a.person, b.person) || a.order - b.order,
  );
  // the runs admitted in this transaction, not inserted yet: a later event of the same person is decided
  // against them here (the statements below cannot see them)
  const admittedHere = new Map<string, { runId: string; at: number; open: boolean }>();
  const refusals: Refusal[] = [];
  for (const c of candidates) {
    const key = `${c.run.run.flowId}\u0000${c.person}`;
    const last = admittedHere.get(key);
    const held = last ? refusedBy(c, last) : undefined;
    const outcome = held !== undefined ? { admitted: false, heldBy: held } : await enter(tx, c);
    if (outcome.admitted) {
      admittedHere.set(key, {
        runId: c.run.run.id,
        at: c.enteredAt.getTime(),
        open: c.run.run.status !== 'succeeded',
      });
    } else {
      refusals.push({
        eventId: c.run.run.eventId,
        flowId: c.run.run.flowId,
        person: c.person,
        rule: ruleName(c.rule),
        heldBy: outcome.heldBy,
      });
    }
  }
  if (refusals.length > 0) {
    await tx.insert(schema.entryRefusals).values(refusals).onConflictDoNothing();
  }
  return refusals;
}

/** Against a run admitted earlier in this transaction: the run that keeps `c` out, or undefined to ask Postgres. */
function refusedBy(c: Candidate, last: { runId: string; at: number; open: boolean }): string | undefined {
  if (c.rule === 'once') return last.runId;
  if (c.rule === 'one-at-a-time') return last.open ? last.runId : undefined;
  return c.enteredAt.getTime() - last.at < c.rule.minIntervalMs ? last.runId : undefined;
}

/**
 * One entry decided by the person's row: the first ever is inserted; otherwise the row is locked (waiting for
 * a commit that holds it) and read as committed, and the rule decides whether the entry replaces it.
 */
async function enter(tx: Transaction, c: Candidate): Promise<{ admitted: boolean; heldBy: string | null }> {
  const runId = c.run.run.id;
  const flowId = c.run.run.flowId;
  // a no-op update on conflict locks the row and returns it as committed (a plain insert … do nothing would
  // return nothing, and a select after it could still read an older snapshot)
  const [row] = await tx
    .insert(J)
    .values({ flowId, person: c.person, runId, enteredAt: c.enteredAt })
    .onConflictDoUpdate({ target: [J.flowId, J.person], set: { runId: sql`${J.runId}` } })
    .returning({ runId: J.runId, enteredAt: J.enteredAt });
  if (!row) return { admitted: false, heldBy: null };
  if (row.runId === runId) return { admitted: true, heldBy: null };
  const holder = row.runId;
  if (c.rule === 'once') return { admitted: false, heldBy: holder };
  const mine = and(eq(J.flowId, flowId), eq(J.person, c.person));
  const replace = { runId, enteredAt: c.enteredAt, entries: sql`${J.entries} + 1` };
  if (c.rule === 'one-at-a-time') {
    // a new statement reads the runs as committed now: the holder's run, committed before our lock, is seen
    const [updated] = await tx
      .update(J)
      .set(replace)
      .where(
        and(
          mine,
          sql`not exists (select 1 from ${R} where ${R.id} = ${J.runId} and ${R.status} in ${literalList(OPEN_RUN_STATUSES)})`,
        ),
      )
      .returning({ runId: J.runId });
    return updated ? { admitted: true, heldBy: null } : { admitted: false, heldBy: holder };
  }
  if (c.enteredAt.getTime() - new Date(row.enteredAt).getTime() < c.rule.minIntervalMs) {
    return { admitted: false, heldBy: holder };
  }
  await tx.update(J).set(replace).where(mine);
  return { admitted: true, heldBy: null };
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
