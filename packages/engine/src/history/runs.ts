// Run history: runs newest first, and one run with all its steps.
import type { Queryable, RunStatus } from '@tributary/db';
import { schema } from '@tributary/db';
import { NotFoundError } from '@tributary/flow';
import { asc, eq, or, sql } from 'drizzle-orm';
import type { StoredWebhookResponse } from '../core/index.js';
import { resolvePayload, responseSummary } from '../core/index.js';
import type { HeldState } from '../sending/index.js';
import type { PageQuery } from './page.js';
import { keysetPage } from './page.js';

export interface RunListQuery extends PageQuery {
  flowId?: string | undefined;
  eventId?: string | undefined;
  status?: RunStatus | undefined;
  /** The person: a userId or an anonymousId of the run's event. */
  person?: string | undefined;
  /** The partition key the run ran under (settings.partitionKey), e.g. a customer id. */
  key?: string | undefined;
  /** The runs a backfill started. */
  backfill?: string | undefined;
}

const E = schema.events;
const S = schema.steps;

/**
 * Where the run got to, in words a person reads: the last step that succeeded, and the port its items took
 * when that was not simply `main` (a wait's `received` or `timeout`, an if's `true`).
 */
const ending = sql<{ nodeId: string; name: string; ports: string[] } | null>`(
  select json_build_object('nodeId', s.${sql.identifier(S.nodeId.name)}, 'name', s.${sql.identifier(S.name.name)},
    'ports', coalesce((select json_agg(p.key order by p.key) from jsonb_each(s.${sql.identifier(S.output.name)}) as p(key, value)
      where jsonb_typeof(p.value) = 'array' and jsonb_array_length(p.value) > 0), '[]'::json))
  from ${S} s
  where s.${sql.identifier(S.runId.name)} = ${schema.runs.id} and s.${sql.identifier(S.status.name)} = 'succeeded'
  order by s.${sql.identifier(S.id.name)} desc limit 1)`;

const runSummary = {
  id: schema.runs.id,
  flowId: schema.runs.flowId,
  version: schema.runs.version,
  status: schema.runs.status,
  eventId: schema.runs.eventId,
  replayOf: schema.runs.replayOf,
  /** The backfill that started it from its stored event; null for other runs. */
  backfillId: schema.runs.backfillId,
  /** The run whose sub-flow step started it, and that step; null for runs their events started. */
  parentRunId: schema.runs.parentRunId,
  parentStepId: schema.runs.parentStepId,
  /** The flow of the parent run (to open it). */
  parentFlowId: sql<string | null>`(select p.${sql.identifier(schema.runs.flowId.name)} from ${schema.runs} p
    where p.${sql.identifier(schema.runs.id.name)} = ${schema.runs.parentRunId})`,
  /** The partition key it ran under; null when its flow has none. */
  partitionKey: schema.runs.partitionKey,
  /** Why a key of it (partition, throttle, debounce) is the fallback '' (its expression failed or gave nothing). */
  keyError: schema.runs.keyError,
  /** Its turn under the flow's concurrency, partition key, throttle or debounce: waiting, admitted; else null. */
  admission: schema.runs.admission,
  /** Runs of a test snapshot of the draft (negative version). */
  test: sql<boolean>`${schema.runs.version} < 0`,
  error: schema.runs.error,
  createdAt: schema.runs.createdAt,
  startedAt: schema.runs.startedAt,
  finishedAt: schema.runs.finishedAt,
  /** Whose run it is: the userId of its event, else its anonymousId (tracking events carry them). */
  person: sql<string | null>`coalesce(${E.userId}, ${E.anonymousId})`,
  endedAt: ending,
};

/** The run's ending as the API shows it: the step and, unless it was plain `main`, the port taken. */
function withEnding<T extends { endedAt: { nodeId: string; name: string; ports: string[] } | null }>(run: T) {
  const ended = run.endedAt;
  const port =
    ended && !(ended.ports.length === 1 && ended.ports[0] === 'main') ? (ended.ports[0] ?? null) : null;
  return { ...run, endedAt: ended ? { nodeId: ended.nodeId, name: ended.name, port } : null };
}

/** Runs newest first, with keyset pagination; `nextCursor` is set when there may be more. */
export async function listRuns(db: Queryable, query: RunListQuery) {
  const conditions = [
    query.flowId ? eq(schema.runs.flowId, query.flowId) : undefined,
    query.eventId ? eq(schema.runs.eventId, query.eventId) : undefined,
    query.status ? eq(schema.runs.status, query.status) : undefined,
    query.person ? or(eq(E.userId, query.person), eq(E.anonymousId, query.person)) : undefined,
    query.key !== undefined ? eq(schema.runs.partitionKey, query.key) : undefined,
    query.backfill ? eq(schema.runs.backfillId, query.backfill) : undefined,
  ];
  const page = await keysetPage(query, schema.runs.id, conditions, (where, orderBy, limit) =>
    db
      .select(runSummary)
      .from(schema.runs)
      .leftJoin(E, eq(E.id, schema.runs.eventId))
      .where(where)
      .orderBy(orderBy)
      .limit(limit),
  );
  return { ...page, items: page.items.map(withEnding) };
}

/** One run with all its steps in creation order (each with its input and output whole). */
export async function getRun(db: Queryable, id: string) {
  const [found] = await db
    .select(runSummary)
    .from(schema.runs)
    .leftJoin(E, eq(E.id, schema.runs.eventId))
    .where(eq(schema.runs.id, id));
  if (!found) throw new NotFoundError(`run ${id} does not exist`);
  const run = withEnding(found);
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
      webhookResponse: sql<StoredWebhookResponse | null>`${schema.steps.state} -> 'webhookResponse'`,
      held: sql<HeldState | null>`${schema.steps.state} -> 'held'`,
    })
    .from(schema.steps)
    .where(eq(schema.steps.runId, id))
    .orderBy(asc(schema.steps.id));
  const payload = rows.some((s) => s.inputRefs || s.outputRefs)
    ? await payloadOf(db, run.eventId)
    : undefined;
  const steps = rows.map(({ inputRefs, outputRefs, webhookResponse, held, ...step }) => {
    const response = responseSummary(webhookResponse);
    return {
      ...step,
      // only on steps a sending rule held back (quiet hours, a frequency cap): steps/sending-rules.ts
      ...(held ? { held } : {}),
      input: resolvePayload(step.input, inputRefs, payload),
      output: resolvePayload(step.output, outputRefs, payload),
      // only on steps that answered (or tried to answer) the run's webhook request
      ...(response ? { response } : {}),
    };
  });
  // the runs its sub-flow steps started, each under the step that called it
  const children = await db
    .select({
      id: schema.runs.id,
      flowId: schema.runs.flowId,
      flowName: schema.flows.name,
      status: schema.runs.status,
      parentStepId: schema.runs.parentStepId,
    })
    .from(schema.runs)
    .innerJoin(schema.flows, eq(schema.flows.id, schema.runs.flowId))
    .where(eq(schema.runs.parentRunId, id))
    .orderBy(asc(schema.runs.id));
  return { ...run, steps, children };
}

/** An event's payload (what the steps of its runs hold by reference). */
async function payloadOf(db: Queryable, eventId: string): Promise<unknown> {
  const [event] = await db
    .select({ payload: schema.events.payload })
    .from(schema.events)
    .where(eq(schema.events.id, eventId));
  return event?.payload;
}
