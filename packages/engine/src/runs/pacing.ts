// Pacing of admitted runs (settings.throttle, settings.debounce), decided under the flow's admission lock
// (admission.ts). Throttle: at most `limit` starts per `periodMs` per throttle key — a run past the budget is
// admitted with its first steps due at the next free start (a delayed job; the due time is in Postgres too),
// never dropped. Debounce: a run's first steps are due `windowMs` after its event; a later event of the same
// key within that time supersedes it — the earlier run ends `canceled` with the error code `superseded`
// naming the run that replaced it, so the API shows what became of every event.
import type { Transaction } from '@tributary/db';
import { schema, selectRows } from '@tributary/db';
import type { FlowSettings } from '@tributary/flow';
import { sql } from 'drizzle-orm';
import type { PgColumn } from 'drizzle-orm/pg-core';
import type { EngineContext } from '../core/index.js';
import { endRunSpan } from '../core/index.js';

const R = schema.runs;
const S = schema.steps;
/** A column's bare name, for statements that qualify it with a table alias. */
const col = (column: PgColumn) => sql.identifier(column.name);

/** A waiting run as admission picks it. */
export interface Candidate {
  id: string;
  createdAt: Date | string;
  throttleKey: string | null;
}

/**
 * When a run may start: not before its debounce window ends, and not before its throttle key has a free start
 * (the `limit`-th latest start given so far, plus `periodMs`); now at the earliest.
 */
export async function startTime(
  tx: Transaction,
  flowId: string,
  { throttle, debounce }: Pick<FlowSettings, 'throttle' | 'debounce'>,
  run: Candidate,
): Promise<Date> {
  let at = Date.now();
  if (debounce) at = Math.max(at, new Date(run.createdAt).getTime() + debounce.windowMs);
  if (throttle) {
    // the latest starts of the key, given ones in the future included: each start takes the next free one
    const starts = await selectRows<{ startedAt: Date | string }>(
      tx,
      sql`select ${R.startedAt} as "startedAt" from ${R}
        where ${R.flowId} = ${flowId} and ${R.throttleKey} = ${run.throttleKey ?? ''} and ${R.startedAt} is not null
        order by ${R.startedAt} desc limit ${throttle.limit}`,
    );
    const oldest = starts[throttle.limit - 1];
    if (oldest) at = Math.max(at, new Date(oldest.startedAt).getTime() + throttle.periodMs);
  }
  return new Date(at);
}

/**
 * Supersedes the runs of the flow that a later event of their debounce key replaced while they had not
 * started (first steps still held, or queued and not yet due): their steps and the runs end `canceled`, the
 * runs with the code `superseded` and the id of the run that replaced them. Returns how many.
 */
export async function supersedeDebounced(
  tx: Transaction,
  ctx: Pick<EngineContext, 'metrics' | 'tracing'>,
  flowId: string,
  debounce: NonNullable<FlowSettings['debounce']>,
): Promise<number> {
  // steps first, then runs: the order a claim takes them in, so a claim racing this waits or wins cleanly
  const superseded = await selectRows<{ id: string; by: string; key: string }>(
    tx,
    sql`with newest as (
        select distinct on (${R.debounceKey}) ${R.debounceKey} as key, ${R.id} as id from ${R}
        where ${R.flowId} = ${flowId} and ${R.debounceKey} is not null and ${R.status} = 'queued'
        order by ${R.debounceKey}, ${R.id} desc
      ), stale as (
        select r.${col(R.id)} as id, n.id as by, n.key from ${R} r join newest n on r.${col(R.debounceKey)} = n.key
        where r.${col(R.flowId)} = ${flowId} and r.${col(R.status)} = 'queued' and r.${col(R.id)} < n.id
      ), ended as (
        update ${S} s set ${col(S.status)} = 'canceled', ${col(S.finishedAt)} = now()
        from stale
        where s.${col(S.runId)} = stale.id
          and (s.${col(S.status)} = 'held' or (s.${col(S.status)} = 'queued' and s.${col(S.dueAt)} > now()))
        returning s.${col(S.runId)} as run_id
      )
      select distinct stale.id, stale.by, stale.key from stale join ended on ended.run_id = stale.id`,
  );
  if (superseded.length === 0) return 0;
  const now = new Date();
  for (const run of superseded) {
    const [ended] = await tx
      .update(R)
      .set({
        status: 'canceled',
        finishedAt: now,
        startedAt: null,
        error: {
          code: 'superseded',
          message: `superseded by run ${run.by}: a later event with the debounce key "${run.key}" came within ${debounce.windowMs} ms`,
          supersededBy: run.by,
        },
      })
      .where(sql`${R.id} = ${run.id} and ${R.status} = 'queued'`)
      .returning({ trace: R.trace, createdAt: R.createdAt, version: R.version });
    if (ended) endRunSpan(ctx.tracing, { id: run.id, flowId, ...ended }, 'canceled', now);
  }
  ctx.metrics.runsFinished.inc({ status: 'canceled' }, superseded.length);
  return superseded.length;
}
