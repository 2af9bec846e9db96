// Canceling a run: its open steps and waits end at once, so deliveries in flight commit nothing.
import { CANCELABLE_STEP_STATUSES, FINAL_RUN_STATUSES, isIn, schema } from '@tributary/db';
import { ConflictError, NotFoundError } from '@tributary/flow';
import { and, eq, inArray } from 'drizzle-orm';
import type { EngineContext } from '../core/index.js';
import { audit, endRunSpan, enqueueSafely } from '../core/index.js';
import { getRun } from '../history/index.js';
import { admitWaiting } from './admission.js';
import { wakeParentStep } from './parent-step.js';

/** Cancels a run: every open step is canceled, so in-flight deliveries commit nothing. */
export async function cancelRun(ctx: EngineContext, id: string, actor: string, reason?: string) {
  const admitted = await ctx.db.transaction(async (tx) => {
    const [run] = await tx.select().from(schema.runs).where(eq(schema.runs.id, id)).for('update');
    if (!run) throw new NotFoundError(`run ${id} does not exist`);
    if (isIn(FINAL_RUN_STATUSES, run.status)) {
      throw new ConflictError(`run ${id} is already ${run.status}`, { code: 'run_finished' });
    }
    const now = new Date();
    endRunSpan(ctx.tracing, run, 'canceled', now);
    await tx
      .update(schema.steps)
      .set({ status: 'canceled', finishedAt: now, leaseToken: null, leaseUntil: null })
      .where(and(eq(schema.steps.runId, id), inArray(schema.steps.status, [...CANCELABLE_STEP_STATUSES])));
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
    // the slot it held goes to the next run waiting for one (a canceled waiting run held none)
    const next = run.admission === 'admitted' ? await admitWaiting(tx, ctx, run.flowId, run.version) : [];
    // a sub-flow step waiting for this run goes on (and fails: its child was canceled)
    return run.parentStepId ? [...next, ...(await wakeParentStep(tx, run.parentStepId))] : next;
  });
  ctx.metrics.runsFinished.inc({ status: 'canceled' });
  await enqueueSafely(ctx, admitted);
  return getRun(ctx.db, id);
}
