// The recovery sweeper: finds steps that Postgres says are open but that have no job in Redis (Redis
// restarted empty, a crash between commit and enqueue, an expired lease) and enqueues them again, runs the
// delayed jobs of steps Postgres says are due (a lost wake-up); and admits runs left waiting for their turn
// although their flow has room.
import { schema, selectRows } from '@tributary/db';
import { type SQL, sql } from 'drizzle-orm';
import type { EngineContext, StepRef } from '../core/index.js';
import { enqueueSafely, runEvery } from '../core/index.js';
import { admitWaiting, flowsWithWaitingRuns, waitingRunCount } from '../runs/index.js';
import type { RedisLossWatch } from './redis-watch.js';

export interface SweepOptions {
  /** Only steps older than this are looked at, so fresh ones are left to their own enqueue. */
  minAgeMs: number;
  /** Steps whose jobs are looked up together (one batch of Redis lookups). */
  batchSize: number;
  /** Batches at most per walk of a pass (bounds a pass's work: each walk examines at most batchSize × maxBatches). */
  maxBatches: number;
  /** Steps created less than this long ago are examined every pass, due or not: an enqueue lost in a crash or a failover. */
  recentMs: number;
  /** Every open step's job is examined (a full check) at least this often, as well as whenever Redis lost data. */
  fullCheckEveryMs: number;
}

export const DEFAULT_SWEEP_OPTIONS: SweepOptions = {
  minAgeMs: 5_000,
  batchSize: 500,
  maxBatches: 20,
  recentMs: 60_000,
  fullCheckEveryMs: 15 * 60_000,
};

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
 * Which open steps a walk examines. 'all': every one. 'due': those whose job should be running or waiting
 * to run by now — queued or waiting steps due (or with no due time) — and those that may have missed their
 * enqueue: created less than `recentMs` ago, or running with an expired lease. What 'due' leaves out are
 * parked steps (a delay, a wait for an event, a retry's backoff) due later: their delayed jobs are only lost
 * when Redis loses data, which RedisLossWatch tells, and a full check (scope 'all') looks at them then.
 */
export type SweepScope = 'all' | 'due';

/**
 * Open steps after `after` by id, at most `limit`, of `scope`: queued or waiting ones created more than
 * `minAgeMs` ago, running ones whose lease ended more than `minAgeMs` ago. `overdue` says that a waiting
 * step has been due for more than `minAgeMs`, `wakeAt` until when it parked. The statuses are written out, not parameters: the
 * partial index of open steps (steps_runnable_idx) is then the one read, also in the generic plan Postgres
 * settles on for a prepared statement — with the statuses as parameters that plan walked the primary key
 * over every step ever stored (531 ms for 500,000 steps with 100 open, against 0.4 ms; 17–35 ms per
 * statement in the bench), every pass of every sweeper.
 */
export function openStepsQuery(
  after: string,
  minAgeMs: number,
  limit: number,
  scope: SweepScope = 'all',
  recentMs = 0,
): SQL {
  const S = schema.steps;
  const cutoff = sql`now() - ${minAgeMs} * interval '1 millisecond'`;
  const dueOrNew =
    scope === 'all'
      ? sql``
      : sql`and (${S.dueAt} is null or ${S.dueAt} < ${cutoff}
          or ${S.createdAt} > now() - ${recentMs} * interval '1 millisecond')`;
  return sql`select ${S.id} as "id", ${S.runId} as "runId", ${S.status} as "status", ${S.dueAt} as "dueAt",
      coalesce(${S.status} = 'waiting' and ${S.dueAt} < ${cutoff}, false) as "overdue",
      ${S.state}->>'wakeAt' as "wakeAt"
    from ${S}
    where ${S.id} > ${after}
      and ((${S.status} in ('queued', 'waiting') and ${S.createdAt} < ${cutoff} ${dueOrNew})
        or (${S.status} = 'running' and ${S.leaseUntil} < ${cutoff}))
    order by ${S.id}
    limit ${limit}`;
}

interface OpenStep {
  id: string;
  runId: string;
  status: string;
  dueAt: Date | string | null;
  /** A waiting step due for more than minAgeMs. */
  overdue: boolean;
  /** When the step parked until (its state), ISO text. */
  wakeAt: string | null;
}

/**
 * A parked step woken before its time — due in Postgres (for more than minAgeMs), though it parked until
 * later — whose job is still delayed until then: the promotion that follows the wake-up was lost. A step
 * that reached its own wake-up time is not one (its job is due too; a busy worker will take it).
 */
function wokenButDelayed(step: OpenStep, jobState: string): boolean {
  if (jobState !== 'delayed' || !step.overdue || step.dueAt === null || step.wakeAt === null) return false;
  return Date.parse(step.wakeAt) > new Date(step.dueAt).getTime();
}

/**
 * One walk over open steps of `scope`, from `cursor` (the first open step when none is given), moving it
 * on; returns how many jobs it re-created or ran now. A step with no job gets one; a parked step woken
 * early whose job is still delayed (wokenButDelayed: a crash between the commit that woke it and the
 * promotion of its job) has its job run now instead of at its old wake-up time, which may be days away. The walk
 * reads its open steps (at most `maxBatches` × `batchSize`) in one statement (openStepsQuery), not one per
 * batch, and looks up their jobs a batch at a time.
 */
export async function sweep(
  ctx: EngineContext,
  options: Pick<SweepOptions, 'minAgeMs' | 'batchSize' | 'maxBatches'> & Partial<SweepOptions>,
  cursor: SweepCursor = { after: FIRST },
  scope: SweepScope = 'all',
): Promise<number> {
  const most = options.batchSize * options.maxBatches;
  const rows = await selectRows<OpenStep>(
    ctx.db,
    openStepsQuery(cursor.after, options.minAgeMs, most, scope, options.recentMs ?? 0),
  );
  // the end of the open steps: the next pass starts again from the first
  cursor.after = rows.length < most ? FIRST : (rows[rows.length - 1]?.id ?? FIRST);
  let recreated = 0;
  let woken = 0;
  for (let at = 0; at < rows.length; at += options.batchSize) {
    const batch = rows.slice(at, at + options.batchSize);
    const states = await ctx.queue.states(batch.map((r) => r.id));
    const lost: StepRef[] = [];
    const late: StepRef[] = [];
    batch.forEach((r, i) => {
      if (states[i] === 'unknown') {
        lost.push({
          id: r.id,
          runId: r.runId,
          dueAt: r.status === 'running' || r.dueAt === null ? null : new Date(r.dueAt),
        });
      } else if (wokenButDelayed(r, states[i] ?? 'unknown')) {
        late.push({ id: r.id, runId: r.runId, wake: true });
      }
    });
    if (lost.length > 0) {
      await ctx.queue.add(lost);
      recreated += lost.length;
      ctx.metrics.sweeperReenqueued.inc({ reason: 'missing' }, lost.length);
    }
    if (late.length > 0) {
      await ctx.queue.wake(late);
      woken += late.length;
      ctx.metrics.sweeperReenqueued.inc({ reason: 'late' }, late.length);
    }
  }
  if (recreated > 0) ctx.logger.warn({ recreated }, 'sweeper re-enqueued steps that had no job');
  if (woken > 0) ctx.logger.warn({ woken }, 'sweeper ran the delayed jobs of steps that were due');
  return recreated + woken;
}

/** What a sweeper carries from one pass to the next. */
export interface SweepState {
  /** Where the walk over due and new steps goes on. */
  due: SweepCursor;
  /** Where the full check under way goes on; undefined while none is. */
  full: SweepCursor | undefined;
  /** When the last full check started (epoch ms). */
  fullStartedAt: number;
}

export function newSweepState(): SweepState {
  return { due: { after: FIRST }, full: undefined, fullStartedAt: 0 };
}

/**
 * One pass: the steps that are due or new (scope 'due') every time; every open step (a full check, walked
 * over as many passes as it takes) when `watch` says Redis lost data or could not be read, at the first pass
 * and every `fullCheckEveryMs`. So parked steps' delayed jobs — thousands of them with journeys that wait
 * for days, each a Lua script in Redis to look up — are not looked up every few seconds while Redis has lost
 * nothing. Returns how many jobs the pass re-created or ran now.
 */
export async function sweepPass(
  ctx: EngineContext,
  options: SweepOptions,
  state: SweepState,
  watch: RedisLossWatch,
): Promise<number> {
  const now = Date.now();
  const why =
    (await watch.check()) ?? (now - state.fullStartedAt >= options.fullCheckEveryMs ? 'interval' : undefined);
  // a loss starts a full check under way again: steps it passed may have lost their jobs since
  if (why !== undefined && (state.full === undefined || why === 'redis_lost')) {
    state.full = { after: FIRST };
    state.fullStartedAt = now;
    ctx.metrics.sweeperFullChecks.inc({ reason: why });
    if (why === 'redis_lost') {
      ctx.logger.warn(
        'Redis lost data since the last pass (its mark is gone or it evicted keys): examining every open step',
      );
    }
  }
  let n = await sweep(ctx, options, state.due, 'due');
  if (state.full) {
    n += await sweep(ctx, options, state.full, 'all');
    if (state.full.after === FIRST) state.full = undefined;
  }
  return n;
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
  watch: RedisLossWatch,
  options: SweepOptions = DEFAULT_SWEEP_OPTIONS,
  alsoEachPass?: () => Promise<unknown>,
): () => Promise<void> {
  // each pass goes on where the one before stopped (SweepState)
  const state = newSweepState();
  const pass = async () => {
    await sweepPass(ctx, options, state, watch);
    await admitStranded(ctx);
    // re-creates what Redis may have lost besides step jobs (schedules)
    if (alsoEachPass) await alsoEachPass();
  };
  return runEvery(ctx.logger, intervalMs, pass, 'sweep failed; trying again next interval');
}
