// The backfill job: every pass, each running backfill starts runs for its next events — no more than its room
// (maxInFlight less its runs still open) — and moves its cursor, in one transaction. Any process may run it:
// the batch is worked out outside the transaction (expressions may take time), then committed only if the
// backfill is still running and its cursor is where the batch began (the row locked, skip locked), so two
// processes never start the same event twice and a restart goes on from the last commit.
import { OPEN_RUN_STATUSES, schema, selectRows } from '@tributary/db';
import type { SQL } from 'drizzle-orm';
import { and, asc, count, eq, gte, inArray, isNull, lt, sql } from 'drizzle-orm';
import type { EngineContext, EventRow, StepRef } from '../core/index.js';
import { enqueueSafely, runEvery } from '../core/index.js';
import type { PreparedRun } from '../ingest/index.js';
import { insertRuns, prepareRun } from '../ingest/index.js';
import type { BackfillFilter } from './filter.js';
import { conditionPasses, filterWhere } from './filter.js';
import { triggerEventsOf } from './trigger-events.js';

const B = schema.backfills;
const E = schema.events;
const R = schema.runs;

export interface BackfillPassOptions {
  /** Events looked at per batch (one transaction) of a backfill. */
  batchSize: number;
  /** Running backfills advanced per pass, oldest first. */
  maxBackfills: number;
  /**
   * Batches per backfill and pass at most: a pass goes on with the next batch while the last one looked at
   * events and left room (a filter that passes few events is scanned fast, not one batch an interval).
   */
  batchesPerPass: number;
}

export const DEFAULT_BACKFILL_PASS_OPTIONS: BackfillPassOptions = {
  batchSize: 200,
  maxBackfills: 20,
  batchesPerPass: 10,
};

/** What one batch did: runs started, events looked at, and whether its backfill has room for more. */
interface Batch {
  started: number;
  scanned: number;
  roomLeft: boolean;
}

const NOTHING: Batch = { started: 0, scanned: 0, roomLeft: false };

type BackfillRow = typeof B.$inferSelect;

/**
 * The running backfills, oldest first, at most `limit`: the status is written out, not a parameter, so that
 * a prepared statement's generic plan reads the partial index of running backfills (a parameter could be any
 * status, which that index does not hold) instead of walking every backfill ever started.
 */
export function runningBackfillsQuery(limit: number): SQL {
  return sql`select ${B.id} as id from ${B} where ${B.status} = 'running' order by ${B.id} limit ${limit}`;
}

/** One pass over the running backfills; returns how many runs it started. */
export async function advanceBackfills(
  ctx: EngineContext,
  options: BackfillPassOptions = DEFAULT_BACKFILL_PASS_OPTIONS,
): Promise<number> {
  const running = await selectRows<{ id: string }>(ctx.db, runningBackfillsQuery(options.maxBackfills));
  let started = 0;
  for (const { id } of running) {
    try {
      for (let n = 0; n < options.batchesPerPass; n++) {
        const batch = await nextBatch(ctx, id, options);
        started += batch.started;
        if (batch.scanned === 0 || !batch.roomLeft) break;
      }
    } catch (err) {
      // nothing of the batch was committed; the next pass tries it again
      ctx.logger.warn({ err, backfillId: id }, 'backfill batch failed; trying again next pass');
    }
  }
  return started;
}

/** Starts the next batch of one backfill's runs, or ends it; returns how many runs it started. */
export async function advanceBackfill(
  ctx: EngineContext,
  id: string,
  options: Pick<BackfillPassOptions, 'batchSize'> = DEFAULT_BACKFILL_PASS_OPTIONS,
): Promise<number> {
  return (await nextBatch(ctx, id, options)).started;
}

async function nextBatch(
  ctx: EngineContext,
  id: string,
  options: Pick<BackfillPassOptions, 'batchSize'>,
): Promise<Batch> {
  const [row] = await ctx.db
    .select()
    .from(B)
    .where(and(eq(B.id, id), eq(B.status, 'running')));
  if (!row) return NOTHING;
  const [flowRow] = await ctx.db
    .select({ deletedAt: schema.flows.deletedAt })
    .from(schema.flows)
    .where(eq(schema.flows.id, row.flowId));
  if (!flowRow || flowRow.deletedAt) {
    await finish(ctx, row, 'failed', 'the flow was deleted');
    return NOTHING;
  }
  const open = await openRuns(ctx, id);
  if (row.scanEndedAt) {
    if (open === 0) await finish(ctx, row, 'done');
    return NOTHING;
  }
  const room = row.maxInFlight - open;
  if (room <= 0) return NOTHING;
  const flow = await ctx.flows.get(ctx.db, row.flowId, row.version);
  const events = triggerEventsOf(ctx, flow);
  // written by startBackfill from a checked filter
  const filter = row.filter as BackfillFilter | null;
  const after =
    row.cursorAt && row.cursor
      ? sql`(${E.receivedAt}, ${E.id}) > (${row.cursorAt.toISOString()}::timestamptz, ${row.cursor}::uuid)`
      : undefined;
  const batch = await ctx.db
    .select()
    .from(E)
    .where(
      and(
        events.where,
        filterWhere(filter),
        gte(E.receivedAt, row.rangeFrom),
        lt(E.receivedAt, row.rangeTo),
        after,
      ),
    )
    .orderBy(asc(E.receivedAt), asc(E.id))
    .limit(options.batchSize);
  const prepared: PreparedRun[] = [];
  let skipped = 0;
  let filterErrors = 0;
  let last: EventRow | undefined;
  let scanned = 0;
  for (const event of batch) {
    if (prepared.length >= room) break;
    scanned++;
    last = event;
    const item = await events.itemOf(event);
    const passes = item === undefined ? false : await conditionPasses(ctx, flow, filter, event, item);
    if (passes === true) {
      prepared.push(await prepareRun(ctx, { flow, event, item, backfillId: id }));
    } else {
      skipped++;
      if (passes === 'error') filterErrors++;
    }
  }
  const ended = batch.length < options.batchSize && scanned === batch.length;
  const toEnqueue = await ctx.db.transaction(async (tx): Promise<StepRef[] | undefined> => {
    const [mine] = await tx
      .select({ id: B.id })
      .from(B)
      .where(
        and(eq(B.id, id), eq(B.status, 'running'), row.cursor ? eq(B.cursor, row.cursor) : isNull(B.cursor)),
      )
      .for('update', { skipLocked: true });
    // canceled meanwhile, or another process committed this batch first (or is committing it now)
    if (!mine) return undefined;
    // this transaction holds no flow's admission lock, so it may wait for one
    const admitted = await insertRuns(tx, ctx, prepared, 'wait');
    await tx
      .update(B)
      .set({
        scanned: sql`${B.scanned} + ${scanned}`,
        started: sql`${B.started} + ${prepared.length}`,
        skipped: sql`${B.skipped} + ${skipped}`,
        filterErrors: sql`${B.filterErrors} + ${filterErrors}`,
        ...(last ? { cursorAt: last.receivedAt, cursor: last.id } : {}),
        // from now on the total is what was really there (events may have gone or come since the start)
        ...(ended ? { scanEndedAt: sql`now()`, total: sql`${B.scanned} + ${scanned}` } : {}),
        updatedAt: sql`now()`,
      })
      .where(eq(B.id, id));
    return [...prepared.flatMap((r) => r.toEnqueue), ...admitted];
  });
  if (!toEnqueue) return NOTHING;
  if (prepared.length > 0) ctx.metrics.runsStarted.inc(prepared.length);
  await enqueueSafely(ctx, toEnqueue);
  return { started: prepared.length, scanned, roomLeft: prepared.length < room && !ended };
}

async function openRuns(ctx: EngineContext, id: string): Promise<number> {
  const [open] = await ctx.db
    .select({ n: count() })
    .from(R)
    .where(and(eq(R.backfillId, id), inArray(R.status, [...OPEN_RUN_STATUSES])));
  return open?.n ?? 0;
}

/** Ends a running backfill (a compare-and-set: a cancel that came first stays). */
async function finish(
  ctx: EngineContext,
  row: BackfillRow,
  status: 'done' | 'failed',
  error?: string,
): Promise<void> {
  await ctx.db
    .update(B)
    .set({ status, error: error ?? null, finishedAt: sql`now()`, updatedAt: sql`now()` })
    .where(and(eq(B.id, row.id), eq(B.status, 'running')));
  ctx.logger.info({ backfillId: row.id, flowId: row.flowId, status, error }, `backfill ${status}`);
}

/** Runs a backfill pass every `intervalMs` (the first after one interval); returns the function that stops it. */
export function startBackfillJob(
  ctx: EngineContext,
  intervalMs: number,
  options: BackfillPassOptions = DEFAULT_BACKFILL_PASS_OPTIONS,
): () => Promise<void> {
  return runEvery(
    ctx.logger,
    intervalMs,
    () => advanceBackfills(ctx, options),
    'backfill pass failed; trying again next interval',
  );
}
