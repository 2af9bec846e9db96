// Runs: history queries, cancel and replay.
import type { Queryable, RunStatus } from '@tributary/db';
import { newId, schema } from '@tributary/db';
import { ConflictError, NotFoundError } from '@tributary/flow';
import { and, asc, desc, eq, inArray, lt, sql } from 'drizzle-orm';
import { audit } from '../core/audit.js';
import type { EngineContext } from '../core/context.js';
import { snapshotDraftForTest } from '../flows/definitions.js';
import { enqueueSafely } from '../ingest/ingest.js';
import { startRun } from '../ingest/run-start.js';

export interface RunListQuery {
  flowId?: string | undefined;
  eventId?: string | undefined;
  status?: RunStatus | undefined;
  limit: number;
  /** Id of the last run of the previous page. */
  cursor?: string | undefined;
}

const runSummary = {
  id: schema.runs.id,
  flowId: schema.runs.flowId,
  version: schema.runs.version,
  status: schema.runs.status,
  eventId: schema.runs.eventId,
  replayOf: schema.runs.replayOf,
  /** Runs of a test snapshot of the draft (negative version). */
  test: sql<boolean>`${schema.runs.version} < 0`,
  error: schema.runs.error,
  createdAt: schema.runs.createdAt,
  startedAt: schema.runs.startedAt,
  finishedAt: schema.runs.finishedAt,
};

/** Runs newest first, with keyset pagination; `nextCursor` is set when there may be more. */
export async function listRuns(db: Queryable, query: RunListQuery) {
  const conditions = [];
  if (query.flowId) conditions.push(eq(schema.runs.flowId, query.flowId));
  if (query.eventId) conditions.push(eq(schema.runs.eventId, query.eventId));
  if (query.status) conditions.push(eq(schema.runs.status, query.status));
  if (query.cursor) conditions.push(lt(schema.runs.id, query.cursor));
  const rows = await db
    .select(runSummary)
    .from(schema.runs)
    .where(and(...conditions))
    .orderBy(desc(schema.runs.id))
    .limit(query.limit + 1);
  const page = rows.slice(0, query.limit);
  const nextCursor = rows.length > query.limit ? (page[page.length - 1]?.id ?? null) : null;
  return { items: page, nextCursor };
}

/** One run with all its steps in creation order. */
export async function getRun(db: Queryable, id: string) {
  const [run] = await db.select(runSummary).from(schema.runs).where(eq(schema.runs.id, id));
  if (!run) throw new NotFoundError(`run ${id} does not exist`);
  const steps = await db
    .select({
      id: schema.steps.id,
      nodeId: schema.steps.nodeId,
      name: schema.steps.name,
      type: schema.steps.type,
      status: schema.steps.status,
      attempts: schema.steps.attempts,
      input: schema.steps.input,
      output: schema.steps.output,
      error: schema.steps.error,
      retryOf: schema.steps.retryOf,
      dueAt: schema.steps.dueAt,
      createdAt: schema.steps.createdAt,
      startedAt: schema.steps.startedAt,
      finishedAt: schema.steps.finishedAt,
      durationMs: schema.steps.durationMs,
    })
    .from(schema.steps)
    .where(eq(schema.steps.runId, id))
    .orderBy(asc(schema.steps.id));
  return { ...run, steps };
}

const FINAL: readonly RunStatus[] = ['succeeded', 'failed', 'canceled'];

/** Cancels a run: every open step is canceled, so in-flight deliveries commit nothing. */
export async function cancelRun(ctx: EngineContext, id: string, actor: string, reason?: string) {
  await ctx.db.transaction(async (tx) => {
    const [run] = await tx.select().from(schema.runs).where(eq(schema.runs.id, id)).for('update');
    if (!run) throw new NotFoundError(`run ${id} does not exist`);
    if (FINAL.includes(run.status)) {
      throw new ConflictError(`run ${id} is already ${run.status}`, { code: 'run_finished' });
    }
    const now = new Date();
    await tx
      .update(schema.steps)
      .set({ status: 'canceled', finishedAt: now, leaseToken: null, leaseUntil: null })
      .where(
        and(
          eq(schema.steps.runId, id),
          inArray(schema.steps.status, ['pending', 'held', 'queued', 'running', 'waiting']),
        ),
      );
    await tx
      .update(schema.runs)
      .set({
        status: 'canceled',
        finishedAt: now,
        error: { code: 'canceled', message: reason ?? `canceled by ${actor}` },
      })
      .where(eq(schema.runs.id, id));
    await tx
      .update(schema.waits)
      .set({ status: 'canceled', resolvedAt: now })
      .where(and(eq(schema.waits.runId, id), eq(schema.waits.status, 'waiting')));
    await audit(tx, actor, 'run.cancel', 'run', id, reason ? { reason } : undefined);
  });
  ctx.metrics.runsFinished.inc({ status: 'canceled' });
  return getRun(ctx.db, id);
}

/** Starts a new run from the same event and trigger item, on the run's version or the flow's live one. */
export async function replayRun(
  ctx: EngineContext,
  id: string,
  options: { useCurrentVersion?: boolean },
  actor: string,
) {
  const [run] = await ctx.db.select().from(schema.runs).where(eq(schema.runs.id, id));
  if (!run) throw new NotFoundError(`run ${id} does not exist`);
  let version = run.version;
  if (options.useCurrentVersion) {
    const [flow] = await ctx.db.select().from(schema.flows).where(eq(schema.flows.id, run.flowId));
    if (!flow?.activeVersion) {
      throw new ConflictError(`flow ${run.flowId} has no published version to replay on`, {
        code: 'not_published',
      });
    }
    version = flow.activeVersion;
  }
  const compiled = await ctx.flows.get(ctx.db, run.flowId, version);
  const [trigger] = await ctx.db
    .select({ output: schema.steps.output })
    .from(schema.steps)
    .where(and(eq(schema.steps.runId, id), eq(schema.steps.nodeId, compiled.trigger.id)))
    .limit(1);
  const [event] = await ctx.db.select().from(schema.events).where(eq(schema.events.id, run.eventId));
  // trigger steps are written by startRun with `{ main: [item] }`
  const item = (trigger?.output as { main?: unknown[] } | null)?.main?.[0] ?? event?.payload ?? null;
  if (!event) throw new NotFoundError(`event ${run.eventId} of run ${id} does not exist`);
  const started = await ctx.db.transaction(async (tx) => {
    const result = await startRun(tx, ctx, { flow: compiled, event, item, replayOf: id });
    await audit(tx, actor, 'run.replay', 'run', id, { newRunId: result.id, version });
    return result;
  });
  ctx.metrics.runsStarted.inc();
  await enqueueSafely(ctx, started.toEnqueue);
  return { id: started.id, flowId: started.flowId, version, replayOf: id };
}

/** Runs the flow's current draft once, without publishing: the trigger's output item is `item`. */
export async function startTestRun(ctx: EngineContext, flowId: string, item: unknown, actor: string) {
  const started = await ctx.db.transaction(async (tx) => {
    const { version } = await snapshotDraftForTest(tx, flowId, actor);
    const flow = await ctx.flows.get(tx, flowId, version);
    const event = {
      id: newId(),
      source: `test:${flowId}`,
      type: 'test-run',
      receivedAt: new Date(),
      payload: item,
    };
    await tx.insert(schema.events).values(event);
    const eventId = event.id;
    const run = await startRun(tx, ctx, { flow, event, item });
    await audit(tx, actor, 'flow.test_run', 'flow', flowId, { runId: run.id, version });
    return { ...run, eventId, version };
  });
  ctx.metrics.runsStarted.inc();
  await enqueueSafely(ctx, started.toEnqueue);
  return { runId: started.id, eventId: started.eventId, version: started.version };
}
