// The event side of waits: once new events are committed, settle the waits they match and wake those steps.
import { schema } from '@tributary/db';
import { and, eq, gte, inArray, sql } from 'drizzle-orm';
import type { EngineContext, EventRow } from '../core/index.js';
import { correlationOf } from './waits.js';

/** Makes a parked step runnable now and nudges its job. */
export async function wakeSteps(ctx: EngineContext, steps: ReadonlyArray<{ stepId: string; runId: string }>) {
  if (steps.length === 0) return;
  const woken = await ctx.db
    .update(schema.steps)
    .set({ dueAt: new Date() })
    .where(
      and(
        inArray(
          schema.steps.id,
          steps.map((s) => s.stepId),
        ),
        eq(schema.steps.status, 'waiting'),
      ),
    )
    .returning({ id: schema.steps.id, runId: schema.steps.runId });
  try {
    await ctx.queue.wake(woken);
  } catch (err) {
    // the steps are due in Postgres: the sweeper enqueues them if their jobs are gone, else they run at timeout
    ctx.logger.warn({ err, steps: woken.length }, 'could not wake parked steps now');
  }
}

/** After new events are committed: settles the waits they match and wakes those steps. */
export async function resumeWaitsFor(ctx: EngineContext, events: readonly EventRow[]): Promise<number> {
  let resumed = 0;
  for (const event of events) {
    if (!event.name) continue;
    const waiting = await ctx.db
      .selectDistinct({ expression: schema.waits.matchExpression })
      .from(schema.waits)
      .where(
        and(
          eq(schema.waits.status, 'waiting'),
          sql`${schema.waits.eventNames} @> ${JSON.stringify([event.name])}::jsonb`,
        ),
      );
    for (const { expression } of waiting) {
      const key = await correlationOf(ctx, expression, event);
      if (key === undefined) continue;
      const settled = await ctx.db
        .update(schema.waits)
        .set({ status: 'received', matchedEventId: event.id, resolvedAt: new Date() })
        .where(
          and(
            eq(schema.waits.status, 'waiting'),
            eq(schema.waits.correlation, key),
            eq(schema.waits.matchExpression, expression),
            sql`${schema.waits.eventNames} @> ${JSON.stringify([event.name])}::jsonb`,
            gte(schema.waits.expiresAt, sql`now()`),
          ),
        )
        .returning({ stepId: schema.waits.stepId, runId: schema.waits.runId });
      await wakeSteps(ctx, settled);
      resumed += settled.length;
    }
  }
  return resumed;
}
