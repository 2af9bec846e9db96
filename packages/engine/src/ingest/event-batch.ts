// Group commit of events (a technique, measured below): the webhook and schedule events that arrive together
// are written in one transaction — one statement for all their events, runs and steps — and their steps
// enqueued with one addBulk. Each caller still gets its answer only after its own rows are committed.
import type { Queryable, Transaction } from '@tributary/db';
import { jsonRows, schema, selectRows, statement } from '@tributary/db';
import { BadRequestError, UnavailableError } from '@tributary/flow';
import type { SQL } from 'drizzle-orm';
import { sql } from 'drizzle-orm';
import type { EngineContext, StepRef } from '../core/index.js';
import { endRunSpan, isUntranslatableText, toTraced } from '../core/index.js';
import { acceptedKey, firstAcceptedOf } from '../history/index.js';
import {
  acceptStatement,
  acceptTransaction,
  busyRefusal,
  canAcceptInOneStatement,
  enqueueAccepted,
} from './accept.js';
import { GroupCommit } from './group-commit.js';
import type { PreparedRun } from './run-start.js';
import { admitPrepared } from './run-start.js';

export type EventInsert = typeof schema.events.$inferInsert & { id: string; receivedAt: Date };

/** An event worked out in memory, with the runs it starts: ready to write. */
export interface PreparedEvent {
  event: EventInsert;
  runs: PreparedRun[];
  /** The size of the event's payload as received (what bounds a commit's bytes); 0 when unknown. */
  bytes: number;
}

type Written = IngestResult & { toEnqueue: StepRef[] };

/**
 * Events written per transaction at most, transactions under way at once, and how many events must wait
 * before a second transaction starts beside a running one. Measured here (in-process, 50 callers): one at
 * a time 1,900 events/s; two at once 1,650 (mostly one big and one tiny batch); two, the second only for
 * 25 or more, 2,650.
 */
const MAX_BATCH = 200;
const MAX_IN_FLIGHT = 2;
const MIN_BATCH_WHEN_BUSY = 25;

/** What accepting an event answers: its id (the first one's for a repeated key) and the runs it started. */
export interface IngestResult {
  eventId: string;
  duplicate: boolean;
  runs: Array<{ id: string; flowId: string }>;
}

const batchers = new WeakMap<EngineContext, GroupCommit<PreparedEvent, IngestResult>>();

/**
 * Writes a prepared event, sharing the transaction with the events that arrive meanwhile; resolves once its
 * own rows are committed (and its steps enqueued). One group commit per engine.
 */
export function submitEvent(ctx: EngineContext, prepared: PreparedEvent): Promise<IngestResult> {
  let batcher = batchers.get(ctx);
  if (!batcher) {
    batcher = new GroupCommit((items) => commitBatch(ctx, items), {
      maxBatch: MAX_BATCH,
      maxBytes: ctx.settings.ingestBatchBytes,
      bytes: (item) => (item as PreparedEvent).bytes,
      maxInFlight: MAX_IN_FLIGHT,
      onTaken: (waitedMs) => ctx.metrics.ingestPhase.observe({ phase: 'wait' }, waitedMs / 1000),
      minBatchWhenBusy: MIN_BATCH_WHEN_BUSY,
      maxWaitMs: ctx.settings.ingestTimeoutMs,
      maxQueueMs: ctx.settings.ingestMaxWaitMs,
      maxBacklogBytes: ctx.settings.ingestBacklogBytes,
      expired: (reason) => busyRefusal(ctx, reason),
      // a batch that failed as a whole for one item's sake (say, a payload Postgres refuses) is written again
      // in halves down to that item; when the database itself is unavailable every item gets that answer
      retryAlone: (err) => !(err instanceof UnavailableError),
    });
    batchers.set(ctx, batcher);
  }
  return batcher.submit(prepared);
}

async function commitBatch(ctx: EngineContext, items: PreparedEvent[]): Promise<IngestResult[]> {
  ctx.metrics.ingestBatchSize.observe(items.length);
  // a batch whose runs none waits for admission (a flow's concurrency, key, throttle or debounce) is one
  // statement: it goes without a transaction when the ingest pool lets it (canAcceptInOneStatement)
  const alone =
    canAcceptInOneStatement(ctx) &&
    items.every((item) => item.runs.every((r) => r.run.admission !== 'waiting'));
  const what = 'writing the events';
  const { written, admitted } = await (alone
    ? acceptStatement(ctx, what, async (db) => ({ written: await writeBatch(db, items), admitted: [] }))
    : acceptTransaction(ctx, what, async (tx) => {
        const written = await writeBatch(tx, items);
        return { written, admitted: await admitWritten(tx, ctx, items, written) };
      })
  ).catch((err: unknown) => {
    if (!isUntranslatableText(err)) throw err;
    throw new BadRequestError('the payload holds text Postgres cannot store (a \\u0000 character)', {
      code: 'unstorable_payload',
      cause: err,
    });
  });
  const toEnqueue: StepRef[] = [];
  for (const [i, result] of written.entries()) {
    if (result.duplicate) continue;
    const source = items[i]?.event.source ?? '';
    ctx.metrics.eventsIngested.inc({ source: source.split(':')[0] ?? source });
    ctx.metrics.runsStarted.inc(result.runs.length);
    // runs whose steps were all pure finished while being accepted
    const finished = items[i]?.runs.filter((r) => r.run.status === 'succeeded') ?? [];
    if (finished.length > 0) ctx.metrics.runsFinished.inc({ status: 'succeeded' }, finished.length);
    if (ctx.tracing) for (const { run } of finished) endRunSpan(ctx.tracing, toTraced(run), 'succeeded');
    toEnqueue.push(...result.toEnqueue);
  }
  toEnqueue.push(...admitted);
  await enqueueAccepted(ctx, toEnqueue);
  return written.map(({ eventId, duplicate, runs }) => ({ eventId, duplicate, runs }));
}

/**
 * Writes a batch with one statement (and reads the first event of each idempotency key already taken);
 * gives each item's answer.
 */
async function writeBatch(db: Queryable, items: readonly PreparedEvent[]): Promise<Written[]> {
  // an idempotency key repeated within the batch: the later items answer like the first
  const firstWithKey = new Map<string, number>();
  const sameAs = items.map(({ event }, i) => {
    if (event.idempotencyKey === null || event.idempotencyKey === undefined) return undefined;
    const key = `${event.source}\u0000${event.idempotencyKey}`;
    const first = firstWithKey.get(key);
    if (first === undefined) firstWithKey.set(key, i);
    return first;
  });
  const fresh = items.filter((_, i) => sameAs[i] === undefined);
  const inserted = new Set(
    await insertEventsWithRuns(
      db,
      fresh.map((it) => it.event),
      fresh.flatMap((it) => it.runs),
    ),
  );
  // the items whose key an event stored before took: answered with that event, all read in one query
  const stored = await firstAcceptedOf(
    db,
    fresh.filter((it) => !inserted.has(it.event.id)).map((it) => it.event),
  );
  const results: Written[] = [];
  for (const [i, item] of items.entries()) {
    const first = sameAs[i];
    const earlier = first === undefined ? undefined : results[first];
    if (earlier) {
      results.push({ ...earlier, duplicate: true, toEnqueue: [] });
    } else if (inserted.has(item.event.id)) {
      results.push({
        eventId: item.event.id,
        duplicate: false,
        runs: item.runs.map((r) => ({ id: r.run.id, flowId: r.run.flowId })),
        toEnqueue: item.runs.flatMap((r) => r.toEnqueue),
      });
    } else {
      const taken = stored.get(acceptedKey(item.event.source, item.event.idempotencyKey ?? ''));
      if (!taken) throw new UnavailableError('the first event with this idempotency key is not visible yet');
      results.push({ ...taken, duplicate: true, toEnqueue: [] });
    }
  }
  return results;
}

/**
 * Admits the waiting runs of the events just written (the flow had room: runs/admission.ts), in the
 * transaction that wrote them; gives their steps, to enqueue with the rest.
 */
function admitWritten(
  tx: Transaction,
  ctx: EngineContext,
  items: readonly PreparedEvent[],
  written: readonly Written[],
): Promise<StepRef[]> {
  // flows in id order: a transaction holding several flows' admission locks takes them in one order
  return admitPrepared(
    tx,
    ctx,
    items.filter((_, i) => written[i]?.duplicate === false).flatMap((item) => item.runs),
    'wait',
  );
}

const E = schema.events;
const R = schema.runs;
const S = schema.steps;

/** The events of a batch, an event whose idempotency key is taken left out; gives the ids written. */
const newEvents = sql`new_events as (
    insert into ${E} ${sql.placeholder('eventColumns')} ${sql.placeholder('events')}
    on conflict (${E.source}, ${E.idempotencyKey}) do nothing
    returning ${E.id}
  )`;

/**
 * The same, written only if the batch's condition holds (evaluated once, in the statement's snapshot, before
 * any row is read: a one-time filter); when it does not, the statement's one row has a null id.
 */
const newEventsIf = sql`batch_condition as (select (${sql.placeholder('condition')}) as holds),
  new_events as (
    insert into ${E} ${sql.placeholder('eventColumns')}
    select * from (${sql.placeholder('events')}) as e where (select holds from batch_condition)
    on conflict (${E.source}, ${E.idempotencyKey}) do nothing
    returning ${E.id}
  )`;
const refusedRow = sql`union all select null from batch_condition where not holds`;

type Rows = { eventColumns: SQL; events: SQL };
type RunRows = { runColumns: SQL; runs: SQL; stepColumns: SQL; steps: SQL };

/** The runs of the events written, and their steps (after newEvents or newEventsIf). */
const newRunsAndSteps = sql`new_runs as (
    insert into ${R} ${sql.placeholder('runColumns')}
    select * from (${sql.placeholder('runs')}) as r where r.${R.eventId} in (select ${E.id} from new_events)
    returning ${R.id}
  ), new_steps as (
    insert into ${S} ${sql.placeholder('stepColumns')}
    select * from (${sql.placeholder('steps')}) as s where s.${S.runId} in (select ${R.id} from new_runs)
  )`;

const insertEvents = statement<Rows>`with ${newEvents} select ${E.id} as id from new_events`;
const insertEventsRunsAndSteps = statement<Rows & RunRows>`
  with ${newEvents}, ${newRunsAndSteps}
  select ${E.id} as id from new_events`;
const insertEventsIf = statement<Rows & { condition: SQL }>`
  with ${newEventsIf} select ${E.id} as id from new_events ${refusedRow}`;
const insertEventsRunsAndStepsIf = statement<Rows & RunRows & { condition: SQL }>`
  with ${newEventsIf}, ${newRunsAndSteps}
  select ${E.id} as id from new_events ${refusedRow}`;

/**
 * One statement writes the events, the runs of those that were new and those runs' steps; an event whose
 * idempotency key (per source) is taken is skipped with its runs. Returns the ids of the events written.
 * Webhook and tracking ingest both write a batch with it; `runs` are of these events.
 *
 * With `condition` (an SQL boolean over the database, e.g. that the batch's people are linked already), the
 * statement writes nothing unless it holds, checked in the statement's own snapshot, and then answers
 * undefined: a check and its write in one round trip.
 */
export async function insertEventsWithRuns(
  db: Queryable,
  events: readonly EventInsert[],
  runs: readonly PreparedRun[],
): Promise<string[]>;
export async function insertEventsWithRuns(
  db: Queryable,
  events: readonly EventInsert[],
  runs: readonly PreparedRun[],
  condition: SQL | undefined,
): Promise<string[] | undefined>;
export async function insertEventsWithRuns(
  db: Queryable,
  events: readonly EventInsert[],
  runs: readonly PreparedRun[],
  condition?: SQL,
): Promise<string[] | undefined> {
  if (events.length === 0) return [];
  const eventJson = jsonRows(E, events);
  const eventRows = { eventColumns: eventJson.columns, events: eventJson.select };
  let query: SQL;
  if (runs.length === 0) {
    query = condition ? insertEventsIf({ ...eventRows, condition }) : insertEvents(eventRows);
  } else {
    const runRows = jsonRows(
      R,
      runs.map((r) => r.run),
    );
    const stepRows = jsonRows(
      S,
      runs.flatMap((r) => r.steps),
    );
    const all = {
      ...eventRows,
      runColumns: runRows.columns,
      runs: runRows.select,
      stepColumns: stepRows.columns,
      steps: stepRows.select,
    };
    query = condition ? insertEventsRunsAndStepsIf({ ...all, condition }) : insertEventsRunsAndSteps(all);
  }
  const written = await selectRows<{ id: string | null }>(db, query);
  const ids: string[] = [];
  for (const { id } of written) {
    // the condition did not hold: nothing was written
    if (id === null) return undefined;
    ids.push(id);
  }
  return ids;
}
