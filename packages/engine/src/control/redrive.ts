// Redrive: a dead step runs again as a new step of the same run (as it was, with an edited input, or on the
// flow's live version), and the run resumes from there.
import { newId, schema } from '@tributary/db';
import { ConflictError, NotFoundError, TributaryError } from '@tributary/flow';
import { eq } from 'drizzle-orm';
import type { EngineContext } from '../core/index.js';
import { audit, enqueueSafely } from '../core/index.js';

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
