// Dead letters: steps that could not succeed, kept with their input and error, and redriven on request.
import type { DeadLetterStatus, Queryable } from '@tributary/db';
import { newId, schema } from '@tributary/db';
import { ConflictError, NotFoundError, TributaryError } from '@tributary/flow';
import { and, desc, eq, lt } from 'drizzle-orm';
import { audit } from '../core/audit.js';
import type { EngineContext } from '../core/context.js';
import { enqueueSafely } from '../ingest/ingest.js';

export interface DeadLetterQuery {
  flowId?: string | undefined;
  status?: DeadLetterStatus | undefined;
  limit: number;
  cursor?: string | undefined;
}

const columns = {
  id: schema.deadLetters.id,
  flowId: schema.deadLetters.flowId,
  runId: schema.deadLetters.runId,
  stepId: schema.deadLetters.stepId,
  nodeId: schema.deadLetters.nodeId,
  version: schema.deadLetters.version,
  status: schema.deadLetters.status,
  input: schema.deadLetters.input,
  error: schema.deadLetters.error,
  attempts: schema.deadLetters.attempts,
  redriveStepId: schema.deadLetters.redriveStepId,
  createdAt: schema.deadLetters.createdAt,
  redrivenAt: schema.deadLetters.redrivenAt,
};

/** Dead letters newest first. */
export async function listDeadLetters(db: Queryable, query: DeadLetterQuery) {
  const conditions = [];
  if (query.flowId) conditions.push(eq(schema.deadLetters.flowId, query.flowId));
  if (query.status) conditions.push(eq(schema.deadLetters.status, query.status));
  if (query.cursor) conditions.push(lt(schema.deadLetters.id, query.cursor));
  const rows = await db
    .select(columns)
    .from(schema.deadLetters)
    .where(and(...conditions))
    .orderBy(desc(schema.deadLetters.id))
    .limit(query.limit + 1);
  const page = rows.slice(0, query.limit);
  const nextCursor = rows.length > query.limit ? (page[page.length - 1]?.id ?? null) : null;
  return { items: page, nextCursor };
}

/** One dead letter. */
export async function getDeadLetter(db: Queryable, id: string) {
  const [row] = await db.select(columns).from(schema.deadLetters).where(eq(schema.deadLetters.id, id));
  if (!row) throw new NotFoundError(`dead letter ${id} does not exist`);
  return row;
}

export interface RedriveOptions {
  /** Replaces the step's input. */
  input?: unknown;
  /** Runs the step (and the rest of the run) on the flow's live version instead of the run's own. */
  useCurrentVersion?: boolean | undefined;
}

/** Runs a dead step again as a new step of the same run; the run resumes from there. */
export async function redrive(ctx: EngineContext, id: string, options: RedriveOptions, actor: string) {
  const result = await ctx.db.transaction(async (tx) => {
    const [dl] = await tx
      .select()
      .from(schema.deadLetters)
      .where(eq(schema.deadLetters.id, id))
      .for('update');
    if (!dl) throw new NotFoundError(`dead letter ${id} does not exist`);
    if (dl.status !== 'pending') {
      throw new ConflictError(`dead letter ${id} was already ${dl.status}`, { code: 'dead_letter_closed' });
    }
    const [run] = await tx.select().from(schema.runs).where(eq(schema.runs.id, dl.runId)).for('update');
    if (!run) throw new NotFoundError(`run ${dl.runId} does not exist`);
    if (run.status === 'canceled')
      throw new ConflictError(`run ${run.id} was canceled`, { code: 'run_canceled' });
    let version = run.version;
    if (options.useCurrentVersion) {
      const [flow] = await tx.select().from(schema.flows).where(eq(schema.flows.id, run.flowId));
      if (!flow?.activeVersion) {
        throw new ConflictError(`flow ${run.flowId} has no published version`, { code: 'not_published' });
      }
      version = flow.activeVersion;
      const compiled = await ctx.flows.get(tx, run.flowId, version);
      if (!compiled.nodes.has(dl.nodeId)) {
        throw new ConflictError(`node ${dl.nodeId} is not in version ${version}`, { code: 'node_missing' });
      }
    }
    const [dead] = await tx.select().from(schema.steps).where(eq(schema.steps.id, dl.stepId));
    if (!dead) throw new NotFoundError(`step ${dl.stepId} does not exist`);
    const stepId = newId();
    const now = new Date();
    await tx.insert(schema.steps).values({
      id: stepId,
      runId: run.id,
      nodeId: dead.nodeId,
      name: dead.name,
      type: dead.type,
      status: 'queued',
      input: options.input === undefined ? dl.input : options.input,
      retryOf: dead.id,
    });
    // the dead step stays in history as failed; "dead" means an unresolved dead letter
    await tx.update(schema.steps).set({ status: 'failed' }).where(eq(schema.steps.id, dead.id));
    await tx
      .update(schema.deadLetters)
      .set({ status: 'redriven', redriveStepId: stepId, redrivenAt: now })
      .where(eq(schema.deadLetters.id, id));
    await tx
      .update(schema.runs)
      .set({ status: 'running', version, finishedAt: null, error: null })
      .where(eq(schema.runs.id, run.id));
    await audit(tx, actor, 'dead_letter.redrive', 'dead_letter', id, {
      stepId,
      version,
      editedInput: options.input !== undefined,
    });
    return { stepId, runId: run.id, version };
  });
  await enqueueSafely(ctx, [{ id: result.stepId, runId: result.runId }]);
  return { deadLetterId: id, ...result };
}

/** Dead letters that failed the same way at the same node. */
export interface DeadLetterGroup {
  signature: string;
  flowId: string;
  nodeId: string;
  code: string;
  /** The error message with numbers, ids and quoted values folded, so similar failures group together. */
  message: string;
  count: number;
  latestAt: Date;
  /** Ids of the group's dead letters, newest first (at most 500). */
  ids: string[];
}

/** Folds the variable parts of an error message: ids, numbers and quoted strings. */
export function messageShape(message: string): string {
  return message
    .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi, '<id>')
    .replace(/"[^"]*"|'[^']*'/g, '<text>')
    .replace(/\d+(?:\.\d+)?/g, '<n>')
    .slice(0, 300);
}

const GROUP_SCAN_LIMIT = 10_000;

/** Groups dead letters by flow, node, error code and message shape, largest group first. */
export async function groupDeadLetters(
  db: Queryable,
  query: { flowId?: string | undefined; status?: DeadLetterStatus | undefined },
): Promise<DeadLetterGroup[]> {
  const conditions = [eq(schema.deadLetters.status, query.status ?? 'pending')];
  if (query.flowId) conditions.push(eq(schema.deadLetters.flowId, query.flowId));
  const rows = await db
    .select({
      id: schema.deadLetters.id,
      flowId: schema.deadLetters.flowId,
      nodeId: schema.deadLetters.nodeId,
      error: schema.deadLetters.error,
      createdAt: schema.deadLetters.createdAt,
    })
    .from(schema.deadLetters)
    .where(and(...conditions))
    .orderBy(desc(schema.deadLetters.id))
    .limit(GROUP_SCAN_LIMIT);
  const groups = new Map<string, DeadLetterGroup>();
  for (const row of rows) {
    // dead letters are only written by giveUpStep with a StepError
    const error = row.error as { code?: string; message?: string };
    const code = error.code ?? 'unknown';
    const message = messageShape(error.message ?? '');
    const signature = `${row.flowId}|${row.nodeId}|${code}|${message}`;
    const group = groups.get(signature);
    if (group) {
      group.count += 1;
      if (group.ids.length < 500) group.ids.push(row.id);
    } else {
      groups.set(signature, {
        signature,
        flowId: row.flowId,
        nodeId: row.nodeId,
        code,
        message,
        count: 1,
        latestAt: row.createdAt,
        ids: [row.id],
      });
    }
  }
  return [...groups.values()].sort((a, b) => b.count - a.count);
}

/** Redrives several dead letters; each one succeeds or fails on its own. */
export async function redriveMany(
  ctx: EngineContext,
  ids: readonly string[],
  options: Omit<RedriveOptions, 'input'>,
  actor: string,
) {
  const results: Array<{
    id: string;
    ok: boolean;
    stepId?: string;
    error?: { code: string; message: string };
  }> = [];
  for (const id of ids) {
    try {
      const done = await redrive(ctx, id, options, actor);
      results.push({ id, ok: true, stepId: done.stepId });
    } catch (err) {
      if (!(err instanceof TributaryError)) throw err;
      results.push({ id, ok: false, error: { code: err.code, message: err.message } });
    }
  }
  return results;
}
