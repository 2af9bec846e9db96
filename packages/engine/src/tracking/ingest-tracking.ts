// Ingest of tracking calls (Segment-style): one transaction for a whole batch — events with the runs of
// matching tracking triggers in one statement, then profiles in bulk — or, when the batch changes no profile,
// that one statement alone; then, once committed, resume the waits and apply the exit goals they match.
import type { Context } from '@opentelemetry/api';
import { context } from '@opentelemetry/api';
import type { PlanViolation, Queryable, Transaction } from '@tributary/db';
import { newId } from '@tributary/db';
import { resolveConfig, UnavailableError } from '@tributary/flow';
import type { TrackingTriggerConfig } from '@tributary/nodes';
import { isTruthy } from '@tributary/nodes';
import type { CompiledFlow, EngineContext, EventRow, StepRef } from '../core/index.js';
import { endRunSpan, eventScope, toTraced, withContext } from '../core/index.js';
import type { FirstAccepted } from '../history/index.js';
import { acceptedKey, firstAcceptedOf } from '../history/index.js';
import type { PreparedRun, RunInsert } from '../ingest/index.js';
import {
  acceptStatement,
  acceptTransaction,
  admitPrepared,
  busyRefusal,
  canAcceptInOneStatement,
  enqueueAccepted,
  GroupCommit,
  insertEventsWithRuns,
  prepareRun,
  withDatabase,
  writeRuns,
} from '../ingest/index.js';
import {
  applyIdentity,
  changesProfiles,
  identityPairKey,
  linkPairsOfBatch,
  lockIdentitiesOfBatch,
  pairsLinkedCondition,
  profileForUser,
  profilesOfPairs,
} from '../profiles/index.js';
import { withInlineFallback } from '../steps/index.js';
import { settleWaitsFor } from '../waits/index.js';
import { applyExitGoals } from './exit-goals.js';
import type { Refusal } from './reentry.js';
import { decideEntries, hasReentryRule } from './reentry.js';
import { markSourcesSeen } from './sources.js';

/** One validated tracking call, as the tracking API hands it over. */
export interface TrackingMessage {
  type: 'track' | 'identify' | 'page' | 'screen' | 'group' | 'alias';
  messageId: string;
  /** track */
  event?: string;
  /** page / screen */
  name?: string;
  userId?: string | null;
  anonymousId?: string | null;
  /** alias */
  previousId?: string;
  traits?: Record<string, unknown>;
  /** Corrected for client clock skew, ISO-8601. */
  timestamp: string;
  /** Server time, ISO-8601. */
  receivedAt: string;
  /** The whole message as received, plus receivedAt and the corrected timestamp. */
  payload: Record<string, unknown>;
  /** How the call breaks its source's tracking plan, when the source flags such calls (stored on the event). */
  planViolations?: PlanViolation[];
}

export interface TrackingResult {
  messageId: string;
  eventId: string;
  duplicate: boolean;
  runs: Array<{ id: string; flowId: string }>;
}

/** The event name a message is known by: a track's `event`, a page's or screen's `name`. */
export function eventNameOf(message: Pick<TrackingMessage, 'type' | 'event' | 'name'>): string | null {
  if (message.type === 'track') return message.event ?? null;
  if (message.type === 'page' || message.type === 'screen') return message.name ?? null;
  return null;
}

/** The tracking source prefix of event sources: `tracking:<source id>`. */
export const TRACKING_SOURCE_PREFIX = 'tracking:';

/**
 * Whether a tracking event starts `flow`: its trigger's message type, event names, sources and condition. Live
 * ingest asks it of every call, and a backfill of every stored event it replays, so both accept the same.
 */
export async function trackingTriggerMatches(
  ctx: EngineContext,
  flow: CompiledFlow,
  event: TrackingEventView,
): Promise<boolean> {
  if (flow.triggerKind !== 'tracking' || flow.trigger.disabled) return false;
  // tracking trigger configs parse without expressions (the condition is kept raw and evaluated here)
  const config = flow.configsAsWritten.get(flow.trigger.id) as TrackingTriggerConfig | undefined;
  if (!config) return false;
  return trackingConfigMatches(ctx, config, event, {
    timezone: flow.definition.settings.timezone,
    flowId: flow.flowId,
  });
}

/** A stored tracking event as the trigger's filter reads it. */
export type TrackingEventView = Pick<EventRow, 'id' | 'source' | 'type' | 'name' | 'receivedAt' | 'payload'>;

/**
 * Whether a tracking trigger's config lets `event` through (type, event names, sources, condition) — for a
 * published flow's trigger, and for a draft's when its test input is picked from the event log. A condition
 * that fails to evaluate lets nothing through (logged with the flow, when one is named).
 */
export async function trackingConfigMatches(
  ctx: EngineContext,
  config: TrackingTriggerConfig,
  event: TrackingEventView,
  options: { timezone?: string | undefined; flowId?: string | undefined } = {},
): Promise<boolean> {
  if (!event.source.startsWith(TRACKING_SOURCE_PREFIX)) return false;
  if (config.type !== event.type) return false;
  // the stored name is the message's event name (eventNameOf)
  const name = event.name;
  if (config.events?.length && (name === null || !config.events.includes(name))) return false;
  const sourceId = event.source.slice(TRACKING_SOURCE_PREFIX.length);
  if (config.sources?.length && !config.sources.includes(sourceId)) return false;
  if (config.condition === undefined) return true;
  try {
    const value = await resolveConfig(
      config.condition,
      { event: eventScope(event), json: event.payload },
      { timeoutMs: ctx.settings.expressionTimeoutMs, timezone: options.timezone },
    );
    return isTruthy(value);
  } catch (err) {
    if (options.flowId !== undefined) {
      ctx.logger.warn(
        { err: String(err), flowId: options.flowId },
        'tracking trigger condition failed; not starting',
      );
    }
    return false;
  }
}

/** The traits the message's person had before this call (empty for someone new). */
async function knownTraits(tx: Transaction, message: TrackingMessage): Promise<Record<string, unknown>> {
  const userId = message.userId ?? undefined;
  const profile = userId ? await profileForUser(tx, userId) : undefined;
  return profile?.traits ?? {};
}

/** Names of the traits whose values this identify call sets for the first time or changes. */
export function changedTraits(
  before: Record<string, unknown>,
  traits: Record<string, unknown> | undefined,
): string[] {
  return Object.entries(traits ?? {})
    .filter(([key, value]) => JSON.stringify(before[key]) !== JSON.stringify(value))
    .map(([key]) => key);
}

/** A message's event row, its id taken before anything is written. */
function eventRowOf(sourceId: string, message: TrackingMessage): EventRow {
  const row = {
    id: newId(),
    source: `${TRACKING_SOURCE_PREFIX}${sourceId}`,
    type: message.type,
    idempotencyKey: message.messageId,
    payload: message.payload,
    receivedAt: new Date(message.receivedAt),
    name: eventNameOf(message),
    userId: message.userId ?? null,
    anonymousId: message.anonymousId ?? null,
    occurredAt: new Date(message.timestamp),
  };
  if (message.planViolations?.length) return { ...row, planViolations: message.planViolations };
  // left out rather than null: jsonRows writes only the columns some row of a batch sets, so a batch that
  // keeps to its plans (or has none) is inserted exactly as before plans existed; the column reads null
  return row as EventRow;
}

/** Works out the runs an event starts (in memory, the pure steps after the trigger inline within the budget). */
async function prepareRuns(
  ctx: EngineContext,
  flows: readonly CompiledFlow[],
  event: EventRow,
  item: unknown,
  inlineBudgetMs: number,
): Promise<PreparedRun[]> {
  const runs: PreparedRun[] = [];
  for (const flow of flows) {
    if (await trackingTriggerMatches(ctx, flow, event)) {
      runs.push(await prepareRun(ctx, { flow, event, item, inlineBudgetMs }));
    }
  }
  return runs;
}

/** Drops the pair keys (`identityPairKey`: userId NUL anonymousId) that name any id of `message`. */
function forgetPairsOf(linked: Set<string>, message: TrackingMessage): void {
  const ids = new Set([message.userId, message.anonymousId, message.previousId].filter(Boolean));
  if (ids.size === 0) return;
  for (const key of linked) {
    const [userId, anonymousId] = key.split('\u0000');
    if (ids.has(userId) || ids.has(anonymousId)) linked.delete(key);
  }
}

/** One caller's tracking calls: a `/v1/batch` request or a single call. */
interface Submission {
  sourceId: string;
  messages: readonly TrackingMessage[];
  /** The request body's size (what the submission holds in memory while it waits for a commit). */
  bytes: number;
  /** The caller's trace context (its ingest span), when tracing is on: its runs are children of it. */
  trace?: Context;
}

/** One call of a group commit, with the source it came from. */
interface Entry {
  sourceId: string;
  message: TrackingMessage;
  trace?: Context | undefined;
}

/** A batch's calls as acceptBatch works them out before it writes. */
interface Batch {
  entries: readonly Entry[];
  /** Each call's event row. */
  rows: readonly EventRow[];
  /** For a call whose messageId came earlier in the batch (same source), that call's index. */
  sameAs: ReadonlyArray<number | undefined>;
  /** Each call's runs, worked out before the commit (none for identify calls and repeats). */
  early: ReadonlyArray<PreparedRun[] | undefined>;
}

/** The event rows a batch inserts: one per messageId. */
function rowsOf(batch: Batch): EventRow[] {
  return batch.rows.filter((_, i) => batch.sameAs[i] === undefined);
}

/** The answer of a call that repeats an earlier call's messageId in the same batch: that call's. */
function repeatOf(first: TrackingResult, message: TrackingMessage): TrackingResult {
  return { ...first, messageId: message.messageId, duplicate: true };
}

/**
 * The events stored before under the messageIds of the batch's calls that its statement skipped (one query
 * for all of them), by acceptedKey.
 */
function takenBefore(
  db: Queryable,
  batch: Pick<Batch, 'rows' | 'sameAs'>,
  inserted: ReadonlySet<string>,
): Promise<Map<string, FirstAccepted>> {
  return firstAcceptedOf(
    db,
    batch.rows.filter((row, i) => batch.sameAs[i] === undefined && !inserted.has(row.id)),
  );
}

/** The answer of a call whose messageId an event stored before took: that event and its runs. */
function storedAnswer(
  stored: ReadonlyMap<string, FirstAccepted>,
  event: EventRow,
  message: TrackingMessage,
): TrackingResult {
  const first = stored.get(acceptedKey(event.source, message.messageId));
  return {
    messageId: message.messageId,
    eventId: first?.eventId ?? '',
    duplicate: true,
    runs: first?.runs ?? [],
  };
}

/** A new call's answer: its event and the runs it started. */
function newAnswer(event: EventRow, message: TrackingMessage, runs: readonly PreparedRun[]): TrackingResult {
  return {
    messageId: message.messageId,
    eventId: event.id,
    duplicate: false,
    runs: runs.map((r) => ({ id: r.run.id, flowId: r.run.flowId })),
  };
}

/**
 * What a batch written in one statement, without a transaction, gives back (every call's runs were worked
 * out before and went in with the events, skipped with an event whose messageId was taken): `inserted` are
 * the ids of the events the statement wrote.
 */
async function acceptedAlone(
  db: Queryable,
  batch: Batch,
  inserted: ReadonlySet<string>,
  upfront: readonly PreparedRun[],
): Promise<Accepted> {
  const stored = await takenBefore(db, batch, inserted);
  const results: TrackingResult[] = [];
  const fresh: EventRow[] = [];
  for (const [i, { message }] of batch.entries.entries()) {
    const event = batch.rows[i] as EventRow;
    const first = batch.sameAs[i];
    if (first !== undefined) results.push(repeatOf(results[first] as TrackingResult, message));
    else if (!inserted.has(event.id)) results.push(storedAnswer(stored, event, message));
    else {
      fresh.push(event);
      results.push(newAnswer(event, message, batch.early[i] ?? []));
    }
  }
  const started = upfront.filter((r) => inserted.has(r.run.eventId));
  return {
    results,
    fresh,
    toEnqueue: started.flatMap((r) => r.toEnqueue),
    finished: started.filter((r) => r.run.status === 'succeeded').map((r) => r.run),
    refused: [],
  };
}

/**
 * Calls written per transaction at most (a batch request is never split), and transactions under way at
 * once, as for webhook events (event-batch.ts).
 */
const MAX_CALLS = 500;
const MAX_IN_FLIGHT = 2;
/** Calls that must wait before a second commit starts beside a running one, as for webhook events. */
const MIN_CALLS_WHEN_BUSY = 25;

/** A submission's answers, and the work after its commit (waits, exit goals) that they wait for. */
interface Committed {
  results: TrackingResult[];
  /** Never rejects: a failure there is logged (the events are committed). */
  settled: Promise<void>;
}

const batchers = new WeakMap<EngineContext, GroupCommit<Submission, Committed>>();

/**
 * Commits whose after-work (resuming waits, exit goals, the sources' last-seen time) may still run while the
 * next commits go on. Past it a commit holds its group-commit slot until its own after-work is done, so a
 * slow database slows ingest (and fills the backlog, which sheds load) instead of piling that work up.
 */
const MAX_AFTER_IN_FLIGHT = 2;
const afterInFlight = new WeakMap<EngineContext, Set<Promise<void>>>();

/** Resolves once the after-work of every commit so far is done (the engine waits for it when closing). */
export async function trackingAfterWorkDone(ctx: EngineContext): Promise<void> {
  await Promise.all(afterInFlight.get(ctx) ?? []);
}

/**
 * Accepts a batch of tracking calls from one source, sharing the transaction with the calls of other
 * requests that arrive meanwhile (group commit, as webhook events do); resolves once its own rows are
 * committed. A repeated messageId is a duplicate: accepted, but it stores and starts nothing. Postgres
 * unreachable or too busy → UnavailableError (503). `bytes` is the request body's size: what the calls count
 * against the engine's ingest backlog while they wait (ingestBacklogBytes).
 *
 * A commit is a few statements, not a round trip per call: the runs of everything but identify calls are
 * worked out before the transaction opens, pure steps inline as at webhook ingest, and written with the
 * events in one statement (webhook ingest's), beside the identity locks; the profiles of the calls' id pairs
 * are looked up in one more, and new people get theirs in one. Identify calls, whose item says which traits
 * changed, are worked out inside the transaction, in order, after the profile writes of the calls before
 * them, and their runs written in one statement; so are the runs a re-entry rule must decide first.
 *
 * The usual call of a known person changes no profile (a track, page, screen or group call whose userId and
 * anonymousId are linked already, or that has only one of them): a batch of such calls, whose runs none waits
 * for admission or a re-entry rule, is written as webhook events are — the events' statement alone, its own
 * commit, on an ingest connection taken for it (acceptStatement) — on the condition that every pair is
 * linked (pairsLinkedCondition), which the statement checks itself: one round trip instead of BEGIN, the
 * locks, the read and COMMIT. When a pair turns out not to be linked, the statement writes nothing and the
 * batch takes the transaction.
 */
export function ingestTracking(
  ctx: EngineContext,
  sourceId: string,
  messages: readonly TrackingMessage[],
  bytes = 0,
): Promise<TrackingResult[]> {
  if (messages.length === 0) return Promise.resolve([]);
  let batcher = batchers.get(ctx);
  if (!batcher) {
    batcher = new GroupCommit((items) => commitTracking(ctx, items), {
      maxBatch: MAX_CALLS,
      weight: (item) => (item as Submission).messages.length,
      maxInFlight: MAX_IN_FLIGHT,
      minBatchWhenBusy: MIN_CALLS_WHEN_BUSY,
      onTaken: (waitedMs) => ctx.metrics.ingestPhase.observe({ phase: 'wait' }, waitedMs / 1000),
      bytes: (item) => (item as Submission).bytes,
      maxWaitMs: ctx.settings.ingestTimeoutMs,
      maxQueueMs: ctx.settings.ingestMaxWaitMs,
      maxBacklogBytes: ctx.settings.ingestBacklogBytes,
      expired: (reason) => busyRefusal(ctx, reason),
      // a commit that failed for one call's sake is written again in halves; an unavailable database fails all
      retryAlone: (err) => !(err instanceof UnavailableError),
    });
    batchers.set(ctx, batcher);
  }
  // the commit runs in whichever caller's context began it: each call's own context goes with it
  return batcher
    .submit(
      ctx.tracing ? { sourceId, messages, bytes, trace: context.active() } : { sourceId, messages, bytes },
    )
    .then(async ({ results, settled }) => {
      // answered once the waits these events match are resumed, as before; the commit slot is free meanwhile
      await settled;
      return results;
    });
}

async function commitTracking(ctx: EngineContext, submissions: Submission[]): Promise<Committed[]> {
  const flows = await withDatabase(ctx, () => ctx.live.list(ctx.db, ctx.flows), 'loading live flows');
  const entries = submissions.flatMap(({ sourceId, messages, trace }) =>
    messages.map((message) => ({ sourceId, message, trace })),
  );
  ctx.metrics.ingestBatchSize.observe(entries.length);
  const { results, fresh, toEnqueue, finished, refused } = await withInlineFallback(
    ctx.settings.ingestFuseBudgetMs,
    (budgetMs) => acceptBatch(ctx, flows, entries, budgetMs),
  );
  const started = results.reduce((n, r) => n + (r.duplicate ? 0 : r.runs.length), 0);
  if (fresh.length > 0) ctx.metrics.eventsIngested.inc({ source: 'tracking' }, fresh.length);
  if (started > 0) ctx.metrics.runsStarted.inc(started);
  // runs whose steps were all pure finished while being accepted
  if (finished.length > 0) ctx.metrics.runsFinished.inc({ status: 'succeeded' }, finished.length);
  if (ctx.tracing) for (const run of finished) endRunSpan(ctx.tracing, toTraced(run), 'succeeded');
  countRefusals(ctx, flows, refused);
  await enqueueAccepted(ctx, toEnqueue);
  // the after-work runs beside the next commit: it is a read and a few writes after this commit, on the main
  // pool (skipping it altogether, as an upper bound, gave single calls a fifth more throughput, measured)
  const inFlight = afterInFlight.get(ctx) ?? new Set<Promise<void>>();
  afterInFlight.set(ctx, inFlight);
  const after = afterCommit(ctx, flows, fresh, submissions);
  const done = after.done.finally(() => {
    inFlight.delete(done);
  });
  inFlight.add(done);
  if (inFlight.size > MAX_AFTER_IN_FLIGHT) await done;
  const settled = after.answerable;
  let at = 0;
  return submissions.map(({ messages }) => {
    const own = results.slice(at, at + messages.length);
    at += messages.length;
    return { results: own, settled };
  });
}

/**
 * What follows a commit: the waits its events match, the exit goals they reach, the sources' last-seen time.
 * The calls are answered once the waits are settled and the goals applied (`answerable`), so a client's next
 * call never overtakes them; waking the resumed steps and the last-seen time follow (`done`). Neither
 * rejects: a failure is logged (the events are committed, and the sweeper runs a settled wait's step that
 * was not woken; a wait left unsettled finds the event in the event log at its timeout).
 */
function afterCommit(
  ctx: EngineContext,
  flows: readonly CompiledFlow[],
  fresh: readonly EventRow[],
  submissions: readonly Submission[],
): { answerable: Promise<void>; done: Promise<void> } {
  const resumed = (async () => {
    let steps: StepRef[] = [];
    try {
      steps = await settleWaitsFor(ctx, fresh);
    } catch (err) {
      // the events are committed; a wait still finds them at its timeout, from the event log
      ctx.logger.warn({ err }, 'resuming waits after ingest failed');
    }
    try {
      await applyExitGoals(ctx, flows, fresh);
    } catch (err) {
      // the waits settled above are still woken below
      ctx.logger.warn({ err }, 'applying exit goals after ingest failed');
    }
    return steps;
  })();
  const done = resumed.then(async (steps) => {
    // due in Postgres since the settle: their delayed jobs are promoted (a failure leaves them to the
    // sweeper, which runs a due step's delayed job, or enqueues it again if it is gone)
    await ctx.queue
      .wake(steps)
      .catch((err: unknown) =>
        ctx.logger.warn({ err, steps: steps.length }, 'could not wake the resumed steps now'),
      );
    // what the sources page shows as "last event"; a failure here costs only that
    await markSourcesSeen(
      ctx.db,
      submissions.map((s) => s.sourceId),
    ).catch((err: unknown) =>
      ctx.logger.warn({ err }, 'could not record when the sources last saw an event'),
    );
  });
  return { answerable: resumed.then(() => undefined), done };
}

function withoutRefused(runs: readonly PreparedRun[], refused: readonly Refusal[]): PreparedRun[] {
  const out = new Set(refused.map((r) => `${r.eventId}\u0000${r.flowId}`));
  return runs.filter((r) => !out.has(`${r.run.eventId}\u0000${r.run.flowId}`));
}

/** A call's answer without the runs a re-entry rule refused (their ids were never stored). */
function withoutRefusedRuns(result: TrackingResult, refused: readonly Refusal[]): TrackingResult {
  const out = new Set(refused.filter((r) => r.eventId === result.eventId).map((r) => r.flowId));
  return out.size === 0 ? result : { ...result, runs: result.runs.filter((r) => !out.has(r.flowId)) };
}

/** tributary_reentry_refused_total, by flow slug and rule, once the refusals are committed. */
function countRefusals(
  ctx: EngineContext,
  flows: readonly CompiledFlow[],
  refused: readonly Refusal[],
): void {
  for (const r of refused) {
    const flow = flows.find((f) => f.flowId === r.flowId);
    ctx.metrics.reentryRefused.inc({ flow: flow?.definition.slug ?? r.flowId, rule: r.rule });
  }
}

/** What a batch's commit gives back: the calls' answers, the events stored, and what follows from them. */
interface Accepted {
  results: TrackingResult[];
  fresh: EventRow[];
  toEnqueue: StepRef[];
  finished: RunInsert[];
  refused: Refusal[];
}

async function acceptBatch(
  ctx: EngineContext,
  flows: readonly CompiledFlow[],
  entries: readonly Entry[],
  inlineBudgetMs: number,
): Promise<Accepted> {
  const messages = entries.map((e) => e.message);
  const flowsById = new Map(flows.map((f) => [f.flowId, f]));
  const rows = entries.map(({ sourceId, message }) => eventRowOf(sourceId, message));
  // a messageId repeated within the batch (from the same source) answers like its first occurrence
  const firstOf = new Map<string, number>();
  const sameAs = entries.map(({ sourceId, message }, i) => {
    const key = `${sourceId}\u0000${message.messageId}`;
    const first = firstOf.get(key);
    if (first === undefined) firstOf.set(key, i);
    return first;
  });
  // one after the other: each run's inline budget is its own time, not a share of a hundred interleaved ones
  const early: Array<PreparedRun[] | undefined> = [];
  for (const [i, { message, trace }] of entries.entries()) {
    early.push(
      message.type === 'identify' || sameAs[i] !== undefined
        ? undefined
        : await withContext(trace, () =>
            prepareRuns(ctx, flows, rows[i] as EventRow, message.payload, inlineBudgetMs),
          ),
    );
  }
  // the runs worked out already go in with the events, in their statement (skipped with an event whose
  // messageId is taken), unless a re-entry rule must decide them first, in the transaction
  const ruled = (r: PreparedRun) => hasReentryRule(flowsById.get(r.run.flowId));
  const upfront = early.flatMap((runs) => runs?.filter((r) => !ruled(r)) ?? []);
  const unique = messages.filter((_, i) => sameAs[i] === undefined);
  const batch: Batch = { entries, rows, sameAs, early };
  // every call's runs worked out already, none for a re-entry rule to decide, none waiting for admission: the
  // batch may go as one statement if it changes no profile (see ingestTracking)
  const settled =
    early.every((runs, i) => sameAs[i] !== undefined || runs !== undefined) &&
    upfront.length === early.reduce((n, runs) => n + (runs?.length ?? 0), 0) &&
    upfront.every((r) => r.run.admission !== 'waiting');
  if (settled && !changesProfiles(unique) && canAcceptInOneStatement(ctx)) {
    // written only if every pair of ids is linked already, checked by the statement itself
    const linked = pairsLinkedCondition(unique);
    const alone = await acceptStatement(
      ctx,
      'writing tracking events',
      async (db: Queryable) => {
        const inserted = await insertEventsWithRuns(db, rowsOf(batch), upfront, linked);
        return inserted && acceptedAlone(db, batch, new Set(inserted), upfront);
      },
      { wroteNothing: (result) => result === undefined },
    );
    if (alone) return alone;
  }
  return acceptTransaction(ctx, 'writing tracking events', async (tx) => {
    // the locks and the insert go out together (the insert needs no lock); the profiles of the pairs are
    // looked up once the locks are held, sent while Postgres still runs the insert
    const [known, inserted] = await Promise.all([
      lockIdentitiesOfBatch(tx, messages).then(() => profilesOfPairs(tx, unique)),
      insertEventsWithRuns(tx, rowsOf(batch), upfront).then((ids) => new Set(ids)),
    ]);
    // links made before this batch, or earlier in it, need not be made again (duplicates change no profile)
    const linked = await linkPairsOfBatch(
      tx,
      messages.filter((_, i) => sameAs[i] === undefined && inserted.has((rows[i] as EventRow).id)),
      known,
    );
    const stored = await takenBefore(tx, batch, inserted);
    const runs: PreparedRun[] = [];
    const results: TrackingResult[] = [];
    const fresh: EventRow[] = [];
    for (const [i, { message, trace }] of entries.entries()) {
      const event = rows[i] as EventRow;
      const first = sameAs[i];
      if (first !== undefined) {
        results.push(repeatOf(results[first] as TrackingResult, message));
        continue;
      }
      if (!inserted.has(event.id)) {
        results.push(storedAnswer(stored, event, message));
        continue;
      }
      fresh.push(event);
      const before = message.type === 'identify' ? await knownTraits(tx, message) : {};
      const key = identityPairKey(message);
      if (key === undefined || !linked.has(key)) {
        await applyIdentity(tx, message, { batchLocked: true });
        // this call may have moved an id another pair counted on: those pairs take the full path again
        forgetPairsOf(linked, message);
        if (key !== undefined) linked.add(key);
      }
      // identify items say which traits are new or changed, so a flow can react to e.g. a new email
      const prepared = early[i];
      const own =
        prepared ??
        (await withContext(trace, () =>
          prepareRuns(
            ctx,
            flows,
            event,
            { ...message.payload, changedTraits: changedTraits(before, message.traits) },
            inlineBudgetMs,
          ),
        ));
      // the runs not written with the events yet
      runs.push(...(prepared ? own.filter(ruled) : own));
      results.push(newAnswer(event, message, own));
    }
    // re-entry rules (settings.reentry) keep some of these runs out; a flow without one asks nothing here
    const refused = await decideEntries(tx, runs, flowsById, fresh);
    const kept = refused.length === 0 ? runs : withoutRefused(runs, refused);
    const answers = refused.length === 0 ? results : results.map((r) => withoutRefusedRuns(r, refused));
    await writeRuns(tx, kept);
    const started = [...upfront.filter((r) => inserted.has(r.run.eventId)), ...kept];
    // this transaction holds no flow's admission lock (only people's), so it may wait for them
    const admitted = await admitPrepared(tx, ctx, started, 'wait');
    return {
      results: answers,
      fresh,
      toEnqueue: [...started.flatMap((r) => r.toEnqueue), ...admitted],
      finished: started.filter((r) => r.run.status === 'succeeded').map((r) => r.run),
      refused,
    };
  });
}
