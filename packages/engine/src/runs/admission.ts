// Admission of runs under a flow's concurrency limit, partition key, throttle and debounce (settings.concurrency,
// .partitionKey, .throttle, .debounce; the pacing of the last two is in pacing.ts). A run of such a flow is
// accepted `waiting` (its first steps held, no job) and admitted in acceptance order (run id: UUIDv7) when the
// flow has a free slot and no run of its key is in progress. A run holds its slot from admission until it
// ends — through retries, delays and wait-for-event too: a run parked in a wait is in progress, so no later
// run of its key overtakes it (that is what the key promises) and a slow CRM is never hit by more than N runs
// that are somewhere in the middle.
//
// Every admission is one transaction holding an advisory lock per flow, so two processes never fill the same
// slot: the count of runs in progress is read after the lock is taken, when every earlier admission has
// committed. Admission happens where slots change: in the transaction that accepts waiting runs, in the one
// that ends (or cancels) an admitted run, and on every sweeper pass (the safety net after a crash).
//
// Lock order (no deadlock): a transaction waits for a flow's lock only while it holds no other flow's lock,
// or, in ingest, while it holds locks of flows with smaller ids only (ingest takes them sorted). Runs started
// inside other work (an error flow from a failing run, a replay, tracking) only try the lock: when it is
// busy, the next admission (a run of the flow ending) or the sweeper's next pass admits them.
import type { Queryable, Transaction } from '@tributary/db';
import { OPEN_RUN_STATUSES, schema, selectRows } from '@tributary/db';
import type { FlowSettings } from '@tributary/flow';
import { and, eq, inArray, sql } from 'drizzle-orm';
import type { EngineContext, StepRef } from '../core/index.js';
import type { Candidate } from './pacing.js';
import { startTime, supersedeDebounced } from './pacing.js';

const R = schema.runs;
const S = schema.steps;

/** What admission needs of the engine: the compiled flow versions (for the limits in force), the metrics. */
export type AdmissionContext = Pick<EngineContext, 'flows' | 'metrics' | 'tracing'>;

/** Whether runs of a flow with these settings wait for their turn (admission) before their first steps. */
export function isGated(
  settings: Pick<FlowSettings, 'concurrency' | 'partitionKey' | 'throttle' | 'debounce'>,
): boolean {
  return (
    settings.concurrency !== undefined ||
    settings.partitionKey !== undefined ||
    settings.throttle !== undefined ||
    settings.debounce !== undefined
  );
}

/** The advisory lock space of admissions, beside the other 7_210_00x locks (the second key: the flow id's hash). */
const LOCK_CLASS = sql.raw('7210004');

/** How a transaction takes a flow's admission lock: waiting for it, or only if it is free at once. */
export type LockMode = 'wait' | 'try';

/**
 * Admits the flow's waiting runs that may start now, inside `tx`: marks them admitted, releases their held
 * first steps and returns those steps, to enqueue once `tx` commits. The limits in force are those of the
 * flow's published version (else of `version`, the version of the run at hand). With `lock: 'try'`, admits
 * nothing when another transaction is admitting for this flow.
 */
export async function admitWaiting(
  tx: Transaction,
  ctx: AdmissionContext,
  flowId: string,
  version: number,
  lock: LockMode = 'wait',
): Promise<StepRef[]> {
  if (lock === 'wait') {
    await tx.execute(sql`select pg_advisory_xact_lock(${LOCK_CLASS}, hashtext(${flowId}))`);
  } else {
    const [got] = await selectRows<{ locked: boolean }>(
      tx,
      sql`select pg_try_advisory_xact_lock(${LOCK_CLASS}, hashtext(${flowId})) as locked`,
    );
    if (!got?.locked) return [];
  }
  const [flowRow] = await tx
    .select({ active: schema.flows.activeVersion })
    .from(schema.flows)
    .where(eq(schema.flows.id, flowId));
  const flow = await ctx.flows.get(tx, flowId, flowRow?.active ?? version);
  const { concurrency, partitionKey, throttle, debounce } = flow.definition.settings;
  // runs a later event of their debounce key replaced go first: they take no slot and start nothing
  if (debounce) await supersedeDebounced(tx, ctx, flowId, debounce);
  // the runs in progress, per key: read under the lock, so every earlier admission is counted
  const inProgress = await selectRows<{ key: string; n: number }>(
    tx,
    sql`select coalesce(${R.partitionKey}, '') as key, count(*)::int as n from ${R}
      where ${R.flowId} = ${flowId} and ${R.admission} = 'admitted' and ${inArray(R.status, [...OPEN_RUN_STATUSES])}
      group by 1`,
  );
  const busy = inProgress.reduce((sum, row) => sum + Number(row.n), 0);
  const free = concurrency === undefined ? null : concurrency - busy;
  if (free !== null && free <= 0) return [];
  const limit = free === null ? sql`` : sql`limit ${free}`;
  const waiting = sql`${R.flowId} = ${flowId} and ${R.admission} = 'waiting' and ${R.status} = 'queued'`;
  const columns = sql`${R.id} as id, ${R.createdAt} as "createdAt", ${R.throttleKey} as "throttleKey"`;
  const candidates =
    partitionKey === undefined
      ? await selectRows<Candidate>(
          tx,
          sql`select ${columns} from ${R} where ${waiting} order by ${R.id} ${limit}`,
        )
      : // the oldest waiting run of each key no run of which is in progress, oldest first
        await selectRows<Candidate>(
          tx,
          sql`select * from (
              select distinct on (coalesce(${R.partitionKey}, '')) ${columns} from ${R}
              where ${waiting} and coalesce(${R.partitionKey}, '') not in
                (select jsonb_array_elements_text(${JSON.stringify(inProgress.map((r) => r.key))}::jsonb))
              order by coalesce(${R.partitionKey}, ''), ${R.id}
            ) heads order by id ${limit}`,
        );
  if (candidates.length === 0) return [];
  if (!throttle && !debounce) {
    return admit(
      tx,
      candidates.map((c) => c.id),
      new Date(),
    );
  }
  // paced: each run in turn gets the moment it may start (its debounce window's end, its throttle's next
  // free start), so the starts it counts include those given just before it
  const released: StepRef[] = [];
  for (const candidate of candidates) {
    const at = await startTime(tx, flowId, { throttle, debounce }, candidate);
    released.push(...(await admit(tx, [candidate.id], at)));
  }
  return released;
}

/**
 * Marks runs admitted to start at `at` (those still waiting: one canceled meanwhile is left alone) and
 * releases their held first steps, due at `at`; returns the steps to enqueue.
 */
async function admit(tx: Transaction, runIds: readonly string[], at: Date): Promise<StepRef[]> {
  const admitted = await tx
    .update(R)
    .set({ admission: 'admitted', startedAt: at })
    .where(and(inArray(R.id, [...runIds]), eq(R.admission, 'waiting'), eq(R.status, 'queued')))
    .returning({ id: R.id });
  if (admitted.length === 0) return [];
  const dueAt = at.getTime() > Date.now() ? at : null;
  // a waiting run has run nothing yet, so its only held steps are the first ones its trigger queued
  return tx
    .update(S)
    .set({ status: 'queued', dueAt })
    .where(
      and(
        inArray(
          S.runId,
          admitted.map((r) => r.id),
        ),
        eq(S.status, 'held'),
      ),
    )
    .returning({ id: S.id, runId: S.runId, dueAt: S.dueAt });
}

/** Flows with runs waiting for their turn, each with the version of its oldest waiting run (for the sweeper). */
export async function flowsWithWaitingRuns(
  db: Queryable,
): Promise<Array<{ flowId: string; version: number }>> {
  return selectRows<{ flowId: string; version: number }>(
    db,
    sql`select distinct on (${R.flowId}) ${R.flowId} as "flowId", ${R.version} as version from ${R}
      where ${R.admission} = 'waiting' and ${R.status} = 'queued' order by ${R.flowId}, ${R.id}`,
  );
}

/** How many runs wait for their turn, over all flows (for the metric). */
export async function waitingRunCount(db: Queryable): Promise<number> {
  const [row] = await selectRows<{ n: number }>(
    db,
    sql`select count(*)::int as n from ${R} where ${R.admission} = 'waiting' and ${R.status} = 'queued'`,
  );
  return Number(row?.n ?? 0);
}
