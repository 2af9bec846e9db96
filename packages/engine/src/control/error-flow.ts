// Error flows: when a run fails, the flow its flow names in `settings.errorFlow` starts with what failed —
// `{flow, run, failedStep, error}` — in the transaction that failed the run. That transaction settles the run
// once (its status moves from open to failed under the run lock), and the error event's idempotency key is
// the failed run's id, so each failed run starts its error flow exactly once, whatever is redelivered.
// A run of an error flow that fails starts no other; neither does a failed test run of a draft.
import type { Transaction } from '@tributary/db';
import { schema } from '@tributary/db';
import { and, desc, eq, isNull } from 'drizzle-orm';
import type { EngineContext, StepRef } from '../core/index.js';
import { startKeyedRun } from './keyed-run.js';

/** The source of error-flow events; their idempotency key is the failed run's id. */
export const ERROR_FLOW_SOURCE = 'error-flow';

/** What an error flow's trigger outputs. */
export interface ErrorFlowItem {
  flow: { id: string; slug: string; name: string; version: number };
  run: { id: string; eventId: string; startedAt: string | null; finishedAt: string | null };
  failedStep: { id: string; nodeId: string; name: string; type: string } | null;
  error: unknown;
}

/**
 * Starts the error flow of failed run `runId`'s flow, if it names one that is published; returns the steps
 * to enqueue once `tx` commits.
 */
export async function startErrorFlow(ctx: EngineContext, tx: Transaction, runId: string): Promise<StepRef[]> {
  const R = schema.runs;
  const E = schema.events;
  const [failed] = await tx
    .select({
      id: R.id,
      flowId: R.flowId,
      version: R.version,
      eventId: R.eventId,
      error: R.error,
      startedAt: R.startedAt,
      finishedAt: R.finishedAt,
      source: E.source,
    })
    .from(R)
    .innerJoin(E, eq(E.id, R.eventId))
    .where(eq(R.id, runId));
  // test runs of a draft (negative versions) and runs of error flows start nothing
  if (!failed || failed.version < 0 || failed.source === ERROR_FLOW_SOURCE) return [];
  const origin = await ctx.flows.get(tx, failed.flowId, failed.version);
  const slug = origin.definition.settings.errorFlow;
  if (!slug) return [];
  const F = schema.flows;
  const [target] = await tx
    .select({ id: F.id, activeVersion: F.activeVersion })
    .from(F)
    .where(and(eq(F.slug, slug), isNull(F.deletedAt)));
  if (!target?.activeVersion) {
    ctx.logger.warn(
      { runId, flow: origin.definition.slug, errorFlow: slug },
      `run failed, but its error flow "${slug}" is not published: nothing was started`,
    );
    return [];
  }
  const S = schema.steps;
  const [step] = await tx
    .select({ id: S.id, nodeId: S.nodeId, name: S.name, type: S.type, error: S.error })
    .from(S)
    .where(and(eq(S.runId, runId), eq(S.status, 'dead')))
    .orderBy(desc(S.id))
    .limit(1);
  const item: ErrorFlowItem = {
    flow: {
      id: failed.flowId,
      slug: origin.definition.slug,
      name: origin.definition.name,
      version: failed.version,
    },
    run: {
      id: failed.id,
      eventId: failed.eventId,
      startedAt: failed.startedAt?.toISOString() ?? null,
      finishedAt: failed.finishedAt?.toISOString() ?? null,
    },
    failedStep: step ? { id: step.id, nodeId: step.nodeId, name: step.name, type: step.type } : null,
    error: failed.error ?? step?.error ?? null,
  };
  const version = target.activeVersion;
  return startKeyedRun(tx, ctx, () => ctx.flows.get(tx, target.id, version), {
    source: ERROR_FLOW_SOURCE,
    type: 'run.failed',
    idempotencyKey: failed.id,
    payload: item,
  });
}
