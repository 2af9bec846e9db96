// Run history: runs newest first, and one run with all its steps.
import type { Queryable, RunStatus } from '@tributary/db';
import { schema } from '@tributary/db';
import { NotFoundError } from '@tributary/flow';
import { asc, eq, sql } from 'drizzle-orm';
import { resolvePayload } from '../core/index.js';
import type { PageQuery } from './page.js';
import { keysetPage } from './page.js';

export interface RunListQuery extends PageQuery {
  flowId?: string | undefined;
  eventId?: string | undefined;
  status?: RunStatus | undefined;
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
  const conditions = [
    query.flowId ? eq(schema.runs.flowId, query.flowId) : undefined,
    query.eventId ? eq(schema.runs.eventId, query.eventId) : undefined,
    query.status ? eq(schema.runs.status, query.status) : undefined,
  ];
  return keysetPage(query, schema.runs.id, conditions, (where, orderBy, limit) =>
    db.select(runSummary).from(schema.runs).where(where).orderBy(orderBy).limit(limit),
  );
}

/** One run with all its steps in creation order (each with its input and output whole). */
export async function getRun(db: Queryable, id: string) {
  const [run] = await db.select(runSummary).from(schema.runs).where(eq(schema.runs.id, id));
  if (!run) throw new NotFoundError(`run ${id} does not exist`);
  const rows = await db
    .select({
      id: schema.steps.id,
      nodeId: schema.steps.nodeId,
      name: schema.steps.name,
      type: schema.steps.type,
      status: schema.steps.status,
      attempts: schema.steps.attempts,
      input: schema.steps.input,
      inputRefs: schema.steps.inputRefs,
      output: schema.steps.output,
      outputRefs: schema.steps.outputRefs,
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
  const payload = rows.some((s) => s.inputRefs || s.outputRefs)
    ? await payloadOf(db, run.eventId)
    : undefined;
  const steps = rows.map(({ inputRefs, outputRefs, ...step }) => ({
    ...step,
    input: resolvePayload(step.input, inputRefs, payload),
    output: resolvePayload(step.output, outputRefs, payload),
  }));
  return { ...run, steps };
}

/** An event's payload (what the steps of its runs hold by reference). */
export async function payloadOf(db: Queryable, eventId: string): Promise<unknown> {
  const [event] = await db
    .select({ payload: schema.events.payload })
    .from(schema.events)
    .where(eq(schema.events.id, eventId));
  return event?.payload;
}
