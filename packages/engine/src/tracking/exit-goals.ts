// Exit goals (`settings.exitOn`): an event that reaches a run's goal ends the run, for the same person only.
import { OPEN_RUN_STATUSES, schema } from '@tributary/db';
import { and, eq, inArray } from 'drizzle-orm';
import type { CompiledFlow, EngineContext, EventRow } from '../core/index.js';
import { cancelRun } from '../runs/index.js';
import { correlationOf } from '../waits/index.js';

/** Cancels the open runs whose exit goal this event reaches. */
export async function applyExitGoals(
  ctx: EngineContext,
  flows: readonly CompiledFlow[],
  events: readonly EventRow[],
) {
  for (const event of events) {
    if (!event.name) continue;
    for (const flow of flows) {
      const exitOn = flow.definition.settings.exitOn;
      if (!exitOn) continue;
      const names = Array.isArray(exitOn.event) ? exitOn.event : [exitOn.event];
      if (!names.includes(event.name)) continue;
      const key = await correlationOf(ctx, exitOn.correlation, event);
      if (key === undefined) continue;
      const open = await ctx.db
        .select({ id: schema.runs.id })
        .from(schema.runs)
        .where(
          and(
            eq(schema.runs.flowId, flow.flowId),
            eq(schema.runs.exitKey, key),
            inArray(schema.runs.status, [...OPEN_RUN_STATUSES]),
          ),
        );
      for (const run of open) {
        try {
          await cancelRun(ctx, run.id, 'exit-goal', `exit goal "${event.name}" reached (event ${event.id})`);
        } catch (err) {
          // the run finished meanwhile: nothing left to end
          ctx.logger.debug({ err: String(err), runId: run.id }, 'exit goal found the run already finished');
        }
      }
    }
  }
}
