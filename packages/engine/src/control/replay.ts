// Replaying a run: a new run from the same event and trigger item, on the run's version or the live one.
import { schema } from '@tributary/db';
import { ConflictError, NotFoundError } from '@tributary/flow';
import { and, eq } from 'drizzle-orm';
import type { EngineContext } from '../core/index.js';
import { audit, enqueueSafely, resolvePayload } from '../core/index.js';
import { startRun } from '../ingest/index.js';

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
    .select({ output: schema.steps.output, outputRefs: schema.steps.outputRefs })
    .from(schema.steps)
    .where(and(eq(schema.steps.runId, id), eq(schema.steps.nodeId, compiled.trigger.id)))
    .limit(1);
  const [event] = await ctx.db.select().from(schema.events).where(eq(schema.events.id, run.eventId));
  if (!event) throw new NotFoundError(`event ${run.eventId} of run ${id} does not exist`);
  // trigger steps are written by startRun with `{ main: [item] }`, the item often by reference to the payload
  const output = trigger ? resolvePayload(trigger.output, trigger.outputRefs, event.payload) : null;
  const item = (output as { main?: unknown[] } | null)?.main?.[0] ?? event.payload ?? null;
  const started = await ctx.db.transaction(async (tx) => {
    const result = await startRun(tx, ctx, { flow: compiled, event, item, replayOf: id });
    await audit(tx, actor, 'run.replay', 'run', id, { newRunId: result.id, version });
    return result;
  });
  ctx.metrics.runsStarted.inc();
  await enqueueSafely(ctx, started.toEnqueue);
  return { id: started.id, flowId: started.flowId, version, replayOf: id };
}
