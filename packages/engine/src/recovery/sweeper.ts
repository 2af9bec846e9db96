// The recovery sweeper: finds steps that Postgres says are open but that have no job in Redis (Redis
// restarted empty, a crash between commit and enqueue, an expired lease) and enqueues them again; and admits
// runs left waiting for their turn although their flow has room.
import { schema, selectRows } from '@tributary/db';
import { type SQL, sql } from 'drizzle-orm';
import type { EngineContext, StepRef } from '../core/index.js';
import { enqueueSafely, runEvery } from '../core/index.js';
import { admitWaiting, flowsWithWaitingRuns, waitingRunCount } from '../runs/index.js';

export interface SweepOptions {
  /** Only steps older than this are looked at, so fresh ones are left to their own enqueue. */
  minAgeMs: number;
  /** Steps whose jobs are looked up together (one batch of Redis lookups). */
  batchSize: number;
  /** Batches at most per sweep (bounds one sweep's work: it examines at most batchSize × maxBatches). */
  maxBatches: number;
}

export const DEFAULT_SWEEP_OPTIONS: SweepOptions = { minAgeMs: 5_000, batchSize: 500, maxBatches: 20 };

/** The smallest step id: a sweep that starts here starts at the first open step. */
const FIRST = '00000000-0000-0000-0000-000000000000';

/**
 * Where the next pass of a sweeper goes on: the last step id the pass before it examined, or FIRST once a
 * pass reached the end of the open steps. A pass examines at most `maxBatches` × `batchSize` open steps;
 * started from the first every time, a sweeper with more open steps than that (parked journeys: waits of
 * days) would never look past them, and a step further on whose job Redis lost would never be run.
 */
export interface SweepCursor {
  after: string;
}

/**
 * Open steps after `after` by id, at most `limit`: queued or waiting ones created more than `minAgeMs` ago,
 * running ones whose lease ended more than `minAgeMs` ago. The statuses are written out, not parameters: the
 * partial index of open steps (steps_runnable_idx) is then the one read, also in the generic plan Postgres
 * settles on for a prepared statement — with the statuses as parameters that plan walked the primary key
 * over every step ever stored (531 ms for 500,000 steps with 100 open, against 0.4 ms; 17–35 ms per
 * statement in the bench), every pass of every sweeper.
 */
export function openStepsQuery(after: string, minAgeMs: number, limit: number): SQL {
  const S = schema.steps;
  const cutoff = sql`now() - ${minAgeMs} * interval '1 millisecond'`;
  return sql`select ${S.id} as "id", ${S.runId} as "runId", ${S.status} as "status", ${S.dueAt} as "dueAt"
    from ${S}
    where ${S.id} > ${after}
      and ((${S.status} in ('queued', 'waiting') and ${S.createdAt} < ${cutoff})
        or (${S.status} = 'running' and ${S.leaseUntil} < ${cutoff}))
    order by ${S.id}
    limit ${limit}`;
}

/**
 * One pass over open steps, from `cursor` (the first open step when none is given), moving it on; returns
 * how many jobs it re-created. The pass reads its open steps (at most `maxBatches` × `batchSize`) in one
 * statement (openStepsQuery), not one per batch, and looks for their jobs a batch at a time.
 */
export async function sweep(
  ctx: EngineContext,
  options: SweepOptions = DEFAULT_SWEEP_OPTIONS,
  cursor: SweepCursor = { after: FIRST },
): Promise<number> {
  const most = options.batchSize * options.maxBatches;
  const rows = await selectRows<{ id: string; runId: string; status: string; dueAt: Date | string | null }>(
    ctx.db,
    openStepsQuery(cursor.after, options.minAgeMs, most),
  );
  // the end of the open steps: the next pass starts again from the first
  cursor.after = rows.length < most ? FIRST : (rows[rows.length - 1]?.id ?? FIRST);
  let recreated = 0;
  for (let at = 0; at < rows.length; at += options.batchSize) {
    const batch = rows.slice(at, at + options.batchSize);
    const missing = new Set(await ctx.queue.missing(batch.map((r) => r.id)));
    const refs: StepRef[] = batch
      .filter((r) => missing.has(r.id))
      .map((r) => ({
        id: r.id,
        runId: r.runId,
        dueAt: r.status === 'running' || r.dueAt === null ? null : new Date(r.dueAt),
      }));
    if (refs.length > 0) {
      await ctx.queue.add(refs);
      recreated += refs.length;
      ctx.metrics.sweeperReenqueued.inc(refs.length);
    }
  }
  if (recreated > 0) ctx.logger.warn({ recreated }, 'sweeper re-enqueued steps that had no job');
  return recreated;
}

/**
 * Admits runs that wait for their turn although their flow may have room: those whose admission was skipped
 * (another was under way) or lost (a crash between an end and the next admission, a limit raised by a new
 * version). One transaction per flow; returns how many runs' steps were released.
 */
export async function admitStranded(ctx: EngineContext): Promise<number> {
  let released = 0;
  for (const { flowId, version } of await flowsWithWaitingRuns(ctx.db)) {
    const steps = await ctx.db.transaction((tx) => admitWaiting(tx, ctx, flowId, version));
    await enqueueSafely(ctx, steps);
    released += steps.length;
  }
  // what is left waiting for a turn, for the gauge (a count over the partial index of waiting runs)
  ctx.metrics.runsWaitingTurn.set(await waitingRunCount(ctx.db));
  return released;
}

/** Runs the sweeper every `intervalMs` until the returned stop function is called. */
export function startSweeper(
  ctx: EngineContext,
  intervalMs: number,
  options: SweepOptions = DEFAULT_SWEEP_OPTIONS,
  alsoEachPass?: () => Promise<unknown>,
): () => Promise<void> {
  // each pass goes on where the one before stopped (SweepCursor)
  const cursor: SweepCursor = { after: FIRST };
  const pass = async () => {
    await sweep(ctx, options, cursor);
    await admitStranded(ctx);
    // re-creates what Redis may have lost besides step jobs (schedules)
    if (alsoEachPass) await alsoEachPass();
  };
  return runEvery(ctx.logger, intervalMs, pass, 'sweep failed; trying again next interval');
}
