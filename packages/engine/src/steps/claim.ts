// Claiming a step for one delivery of its job: queued/waiting and due → running under a fresh lease.
import type { Database } from '@tributary/db';
import {
  CLAIMABLE_STEP_STATUSES,
  fromJsonRow,
  isIn,
  literalList,
  schema,
  selectRows,
  statement,
} from '@tributary/db';
import { and, eq, sql } from 'drizzle-orm';
import type { EventRow, RunRow, StepRow } from '../core/index.js';
import { PayloadIndex, resolvePayload } from '../core/index.js';
import type { WaitOfStep } from '../waits/index.js';

/** What a delivery found. */
export type Claim =
  /**
   * Claimed under the lease; `run` as it was just before (the claim marked a queued/waiting run running);
   * `event` and `payload` when the step's input holds parts of the event's payload (read with the claim);
   * `parked`, the step's wait and the event that settled it, when the step parked at a wait before.
   */
  | {
      kind: 'claimed';
      step: StepRow;
      run: RunRow;
      event?: EventRow;
      payload?: PayloadIndex | undefined;
      parked?: WaitOfStep | undefined;
    }
  /** Not due yet, or another delivery holds a live lease: look again at `at`. */
  | { kind: 'later'; at: number }
  /** The step was running under a lease that has expired: its worker is gone. Taken over. */
  | { kind: 'stalled'; step: StepRow; event?: EventRow; payload?: PayloadIndex | undefined }
  /** Finished, canceled or unknown: nothing to do. */
  | { kind: 'gone' };

/** Grace for clocks: a job may fire a little before the due time Postgres holds. */
const DUE_SLACK_MS = 50;

const S = schema.steps;
const R = schema.runs;
const E = schema.events;
const W = schema.waits;

/** Runs that a claim of one of their steps marks running: those not running yet. */
const IDLE_RUN_STATUSES = ['queued', 'waiting'] as const;

/**
 * One statement claims the step, marks its run running and reads both — and the run's event when the step's
 * input refers to its payload (the input is made whole from it, and the node's `$event` needs no read), and
 * the step's wait with the event that settled it when the step parked before (its state has a `wakeAt`): a
 * woken wait-for-event step needs them, read in the snapshot that found the step due — the statement that
 * settles a wait makes its step due (waits/resume.ts).
 */
const claimStatement = statement<{ stepId: string; token: string; leaseMs: number; slackMs: number }>`
  with claimed as (
    update ${S} set
      ${S.status} = 'running',
      ${S.leaseToken} = ${sql.placeholder('token')},
      ${S.leaseUntil} = now() + ${sql.placeholder('leaseMs')} * interval '1 millisecond',
      ${S.startedAt} = coalesce(${S.startedAt}, now()),
      ${S.attempts} = ${S.attempts} || jsonb_build_array(jsonb_build_object(
        'n', jsonb_array_length(${S.attempts}) + 1,
        'startedAt', to_jsonb(now()),
        'finishedAt', null,
        'error', null))
    where ${S.id} = ${sql.placeholder('stepId')} and ${S.status} in ${literalList(CLAIMABLE_STEP_STATUSES)}
      and (${S.dueAt} is null or ${S.dueAt} <= now() + ${sql.placeholder('slackMs')} * interval '1 millisecond')
    returning *
  ), started as (
    update ${R} set ${R.status} = 'running'
    where ${R.id} = (select ${S.runId} from claimed) and ${R.status} in ${literalList(IDLE_RUN_STATUSES)}
  )
  select row_to_json(claimed) as step, row_to_json(r) as run,
    case when claimed.${S.inputRefs} is not null
      then (select row_to_json(e) from ${E} e where e.${E.id} = r.${R.eventId}) end as event,
    case when claimed.${S.state} ? 'wakeAt'
      then (select json_build_object('wait', row_to_json(w), 'matched', row_to_json(m))
            from ${W} w left join ${E} m on m.${E.id} = w.${W.matchedEventId}
            where w.${W.stepId} = claimed.${S.id}) end as parked
  from claimed join ${R} r on r.${R.id} = claimed.${S.runId}`;

/**
 * The step with its input whole again (core/payload-refs.ts), the index of the payload parts it holds, and the
 * event they are of.
 */
function withWholeInput(
  step: StepRow,
  event: EventRow | undefined,
): { step: StepRow; event?: EventRow; payload?: PayloadIndex } {
  if (!step.inputRefs) return { step };
  const payload = event?.payload;
  return {
    step: { ...step, input: resolvePayload(step.input, step.inputRefs, payload), inputRefs: null },
    ...(event ? { event } : {}),
    payload: new PayloadIndex(payload),
  };
}

/** The event of a step's run. */
async function eventOfRun(db: Database, runId: string): Promise<EventRow | undefined> {
  const [row] = await db
    .select({ event: E })
    .from(E)
    .innerJoin(R, eq(R.eventId, E.id))
    .where(eq(R.id, runId));
  return row?.event;
}

/** Tries to claim the step; the lease lasts `leaseMs`. */
export async function claimStep(
  db: Database,
  stepId: string,
  token: string,
  leaseMs: number,
): Promise<Claim> {
  const [claimed] = await selectRows<{
    step: Record<string, unknown>;
    run: Record<string, unknown>;
    event: Record<string, unknown> | null;
    parked: { wait: Record<string, unknown>; matched: Record<string, unknown> | null } | null;
  }>(db, claimStatement({ stepId, token, leaseMs, slackMs: DUE_SLACK_MS }));
  if (claimed) {
    const event = claimed.event ? fromJsonRow(E, claimed.event) : undefined;
    const whole = withWholeInput(fromJsonRow(schema.steps, claimed.step), event);
    const { parked } = claimed;
    return {
      kind: 'claimed',
      ...whole,
      run: fromJsonRow(schema.runs, claimed.run),
      ...(parked
        ? {
            parked: {
              wait: fromJsonRow(W, parked.wait),
              matched: parked.matched ? fromJsonRow(E, parked.matched) : undefined,
            },
          }
        : {}),
    };
  }

  const [step] = await db.select().from(schema.steps).where(eq(schema.steps.id, stepId));
  if (!step) return { kind: 'gone' };
  const now = Date.now();
  if (isIn(CLAIMABLE_STEP_STATUSES, step.status) && step.dueAt) {
    return { kind: 'later', at: Math.max(step.dueAt.getTime(), now + DUE_SLACK_MS) };
  }
  if (step.status === 'running' && step.leaseUntil && step.leaseToken) {
    if (step.leaseUntil.getTime() > now) return { kind: 'later', at: step.leaseUntil.getTime() + 100 };
    const [taken] = await db
      .update(schema.steps)
      .set({ leaseToken: token, leaseUntil: sql`now() + ${leaseMs} * interval '1 millisecond'` })
      .where(
        and(
          eq(schema.steps.id, stepId),
          eq(schema.steps.status, 'running'),
          eq(schema.steps.leaseToken, step.leaseToken),
        ),
      )
      .returning();
    if (!taken) return { kind: 'later', at: now + 100 };
    const event = taken.inputRefs ? await eventOfRun(db, taken.runId) : undefined;
    return { kind: 'stalled', ...withWholeInput(taken, event) };
  }
  return { kind: 'gone' };
}

/** Extends a claimed step's lease (for nodes whose time limit is longer than the default lease). */
export async function extendLease(
  db: Database,
  stepId: string,
  token: string,
  leaseMs: number,
): Promise<void> {
  await db
    .update(schema.steps)
    .set({ leaseUntil: sql`now() + ${leaseMs} * interval '1 millisecond'` })
    .where(and(eq(schema.steps.id, stepId), eq(schema.steps.leaseToken, token)));
}
