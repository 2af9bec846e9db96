// The recovery sweeper: finds steps that Postgres says are open but that have no job in Redis (Redis
// restarted empty, a crash between commit and enqueue, an expired lease) and enqueues them again; and admits
// runs left waiting for their turn although their flow has room.
import { schema } from '@tributary/db';
import { and, asc, gt, inArray, lt, or, sql } from 'drizzle-orm';
import type { EngineContext, StepRef } from '../core/index.js';
import { enqueueSafely, runEvery } from '../core/index.js';
import { admitWaiting, flowsWithWaitingRuns, waitingRunCount } from '../runs/index.js';

export interface SweepOptions {
  /** Only steps older than this are looked at, so fresh ones are left to their own enqueue. */
  minAgeMs: number;
  /** Rows examined per batch. */
  batchSize: number;
  /** Batches at most per sweep (bounds one sweep's work). */
  maxBatches: number;
}

export const DEFAULT_SWEEP_OPTIONS: SweepOptions = { minAgeMs: 5_000, batchSize: 500, maxBatches: 20 };

/** One pass over open steps; returns how many jobs it re-created. */
export async function sweep(
  ctx: EngineContext,
  options: SweepOptions = DEFAULT_SWEEP_OPTIONS,
): Promise<number> {
  let after = '00000000-0000-0000-0000-000000000000';
  let recreated = 0;
  const cutoff = sql`now() - ${options.minAgeMs} * interval '1 millisecond'`;
  for (let batch = 0; batch < options.maxBatches; batch++) {
    const rows = await ctx.db
      .select({
        id: schema.steps.id,
        runId: schema.steps.runId,
        status: schema.steps.status,
        dueAt: schema.steps.dueAt,
      })
      .from(schema.steps)
      .where(
        and(
          gt(schema.steps.id, after),
          or(
            and(inArray(schema.steps.status, ['queued', 'waiting']), lt(schema.steps.createdAt, cutoff)),
            and(inArray(schema.steps.status, ['running']), lt(schema.steps.leaseUntil, cutoff)),
          ),
        ),
      )
      .orderBy(asc(schema.steps.id))
      .limit(options.batchSize);
    if (rows.length === 0) break;
    after = rows[rows.length - 1]?.id ?? after;
    const missing = new Set(await ctx.queue.missing(rows.map((r) => r.id)));
    const refs: StepRef[] = rows
      .filter((r) => missing.has(r.id))
      .map((r) => ({ id: r.id, runId: r.runId, dueAt: r.status === 'running' ? null : r.dueAt }));
    if (refs.length > 0) {
      await ctx.queue.add(refs);
      recreated += refs.length;
      ctx.metrics.sweeperReenqueued.inc(refs.length);
    }
    if (rows.length < options.batchSize) break;
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
  const pass = async () => {
    await sweep(ctx, options);
    await admitStranded(ctx);
    // re-creates what Redis may have lost besides step jobs (schedules)
    if (alsoEachPass) await alsoEachPass();
  };
  return runEvery(ctx.logger, intervalMs, pass, 'sweep failed; trying again next interval');
}
