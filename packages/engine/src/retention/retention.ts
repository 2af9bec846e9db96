// Retention: finished runs older than their flow's retention are deleted with their steps, waits and closed
// dead letters, then events that no run refers to any more (nor a running backfill's range) once they are older
// than the instance's retention — in small batches, each its own short transaction, so nothing is locked for long and a busy
// instance keeps ingesting meanwhile. A run with a pending dead letter is kept: someone may redrive it.
import { schema, selectRows } from '@tributary/db';
import { inArray, sql } from 'drizzle-orm';
import type { EngineContext } from '../core/index.js';
import { runEvery } from '../core/index.js';
import { forgetExpiredSends } from '../sending/index.js';

export interface RetentionOptions {
  /** Days a finished run (and an event no run needs) is kept; 0 keeps everything. */
  days: number;
  /** Runs (or events) deleted per transaction. */
  batchSize: number;
  /** Batches at most per pass (bounds one pass's work; the next pass goes on). */
  maxBatches: number;
}

export const DEFAULT_RETENTION_OPTIONS: RetentionOptions = { days: 30, batchSize: 500, maxBatches: 20 };

/** What one pass deleted. */
export interface RetentionPass {
  runs: number;
  steps: number;
  events: number;
  /** Frequency-cap sends no cap can count any more. */
  sends: number;
}

const R = schema.runs;
const V = schema.flowVersions;
const D = schema.deadLetters;
const E = schema.events;
const B = schema.backfills;

/** Deletes one batch of expired runs and what hangs off them; gives the counts. */
async function deleteRunBatch(
  ctx: EngineContext,
  options: RetentionOptions,
): Promise<{ runs: number; steps: number }> {
  return ctx.db.transaction(async (tx) => {
    // the run's own version says how long its flow keeps runs (settings.retentionDays), else the instance
    const days = sql`coalesce((v.${sql.identifier(V.definition.name)} -> 'settings' ->> 'retentionDays')::int, ${options.days})`;
    const expired = await selectRows<{ id: string }>(
      tx,
      sql`select r.${sql.identifier(R.id.name)} as id from ${R} r
        join ${V} v on v.${sql.identifier(V.flowId.name)} = r.${sql.identifier(R.flowId.name)}
          and v.${sql.identifier(V.version.name)} = r.${sql.identifier(R.version.name)}
        where r.${sql.identifier(R.status.name)} in ('succeeded', 'failed', 'canceled')
          and ${days} > 0
          and r.${sql.identifier(R.finishedAt.name)} < now() - make_interval(days => ${days})
          and not exists (select 1 from ${D} d where d.${sql.identifier(D.runId.name)} = r.${sql.identifier(R.id.name)}
            and d.${sql.identifier(D.status.name)} = 'pending')
        order by r.${sql.identifier(R.id.name)}
        limit ${options.batchSize}
        for update of r skip locked`,
    );
    if (expired.length === 0) return { runs: 0, steps: 0 };
    const ids = expired.map((r) => r.id);
    await tx.delete(schema.waits).where(inArray(schema.waits.runId, ids));
    await tx.delete(D).where(inArray(D.runId, ids));
    const steps = await tx
      .delete(schema.steps)
      .where(inArray(schema.steps.runId, ids))
      .returning({ id: schema.steps.id });
    await tx.delete(R).where(inArray(R.id, ids));
    return { runs: ids.length, steps: steps.length };
  });
}

/**
 * Deletes one batch of events older than the instance's retention that no run refers to and no running
 * backfill's range holds (it may yet replay them).
 */
async function deleteEventBatch(ctx: EngineContext, options: RetentionOptions): Promise<number> {
  const deleted = await selectRows<{ id: string }>(
    ctx.db,
    sql`delete from ${E} where ${E.id} in (
        select e.${sql.identifier(E.id.name)} from ${E} e
        where e.${sql.identifier(E.receivedAt.name)} < now() - make_interval(days => ${options.days})
          and not exists (select 1 from ${R} r where r.${sql.identifier(R.eventId.name)} = e.${sql.identifier(E.id.name)})
          and not exists (select 1 from ${B} b where b.${sql.identifier(B.status.name)} = 'running'
            and e.${sql.identifier(E.receivedAt.name)} >= b.${sql.identifier(B.rangeFrom.name)}
            and e.${sql.identifier(E.receivedAt.name)} < b.${sql.identifier(B.rangeTo.name)})
        order by e.${sql.identifier(E.receivedAt.name)}
        limit ${options.batchSize}
        for update of e skip locked)
      returning ${E.id} as id`,
  );
  return deleted.length;
}

/** One pass: expired runs first (so their events become deletable), then events no run needs. */
export async function applyRetention(
  ctx: EngineContext,
  options: RetentionOptions = DEFAULT_RETENTION_OPTIONS,
): Promise<RetentionPass> {
  const pass: RetentionPass = { runs: 0, steps: 0, events: 0, sends: 0 };
  for (let batch = 0; batch < options.maxBatches; batch++) {
    const done = await deleteRunBatch(ctx, options);
    pass.runs += done.runs;
    pass.steps += done.steps;
    if (done.runs < options.batchSize) break;
  }
  if (options.days > 0) {
    for (let batch = 0; batch < options.maxBatches; batch++) {
      const events = await deleteEventBatch(ctx, options);
      pass.events += events;
      if (events < options.batchSize) break;
    }
  }
  for (let batch = 0; batch < options.maxBatches; batch++) {
    const sends = await forgetExpiredSends(ctx.db, options.batchSize);
    pass.sends += sends;
    if (sends < options.batchSize) break;
  }
  for (const [kind, n] of Object.entries(pass)) if (n > 0) ctx.metrics.retentionDeleted.inc({ kind }, n);
  if (pass.runs + pass.events + pass.sends > 0) ctx.logger.info(pass, 'retention deleted expired history');
  return pass;
}

/** Runs a pass every `intervalMs` (the first after one interval); returns the function that stops it. */
export function startRetention(
  ctx: EngineContext,
  intervalMs: number,
  options: RetentionOptions = DEFAULT_RETENTION_OPTIONS,
): () => Promise<void> {
  return runEvery(
    ctx.logger,
    intervalMs,
    () => applyRetention(ctx, options),
    'retention pass failed; trying again next interval',
  );
}
