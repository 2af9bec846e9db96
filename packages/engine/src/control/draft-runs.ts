// Test runs: the flow's current draft, frozen as a test snapshot, run once without publishing anything.
import { newId, schema } from '@tributary/db';
import type { EngineContext } from '../core/index.js';
import { audit, enqueueSafely } from '../core/index.js';
import { snapshotDraftForTest } from '../flows/index.js';
import { startRun } from '../ingest/index.js';

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
