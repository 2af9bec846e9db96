// Settling a run: once no step of it is open, it ends `failed` if a step is dead, else `succeeded`; the slot
// it held under its flow's concurrency limit or partition key goes to the next waiting run.
import type { RunTrace, Transaction } from '@tributary/db';
import {
  isoString,
  literalList,
  OPEN_RUN_STATUSES,
  OPEN_STEP_STATUSES,
  schema,
  selectRows,
  statement,
} from '@tributary/db';
import { sql } from 'drizzle-orm';
import type { EngineContext, StepRef } from '../core/index.js';
import { endRunSpan } from '../core/index.js';
import type { AdmissionContext } from './admission.js';
import { admitWaiting } from './admission.js';
import { wakeParentStep } from './parent-step.js';

const S = schema.steps;
const R = schema.runs;

/** Whether no step of run `runId` is open: the settle's first question. */
export const nothingOpen = sql`not exists (select 1 from ${S} s where s.${S.runId} = ${sql.placeholder('runId')}
    and s.${S.status} in ${literalList(OPEN_STEP_STATUSES)})`;
/** Whether a step of run `runId` is dead: the settle's second question. */
export const anyDead = sql`exists (select 1 from ${S} s where s.${S.runId} = ${sql.placeholder('runId')}
    and s.${S.status} = 'dead')`;
/** `r.status in (…open…)` for the run row aliased `r`. */
export const runOpen = sql`r.${R.status} in ${literalList(OPEN_RUN_STATUSES)}`;

const settleStatement = statement<{ runId: string; now: string }>`
  update ${R} r set
    ${R.status} = case when ${anyDead} then 'failed' else 'succeeded' end,
    ${R.finishedAt} = ${sql.placeholder('now')}::timestamptz
  where r.${R.id} = ${sql.placeholder('runId')} and ${runOpen} and ${nothingOpen}
  returning r.${R.status} as status, ${settledColumns('r')}`;

/** The columns a settle returns besides the status: what runSettled needs to know of the run. */
export function settledColumns(alias: string) {
  const a = sql.raw(alias);
  return sql`${a}.${R.flowId} as "flowId", ${a}.${R.version} as version, ${a}.${R.admission} as admission,
    ${a}.${R.parentStepId} as "parentStepId", ${a}.${R.trace} as trace,
    to_json(${a}.${R.createdAt}) #>> '{}' as "createdAt"`;
}

/** A run that has just ended, as the statement that ended it returned it. */
export interface SettledRun {
  id: string;
  flowId: string;
  version: number;
  /** Whether it held a slot of its flow's concurrency limit or partition key (runs/admission.ts). */
  admission: string | null;
  /** The sub-flow step that started it and may be waiting for it (runs/parent-step.ts). */
  parentStepId: string | null;
  /**
   * Where its span hangs (core/tracing.ts; as the driver gives jsonb: parsed or as text), and when it began
   * (ISO 8601): the run span is emitted as it ends.
   */
  trace: RunTrace | string | null;
  createdAt: string;
}

/** What settling needs of the engine. */
export type SettleContext = Pick<EngineContext, 'metrics' | 'startErrorFlow' | 'tracing'> & AdmissionContext;

/**
 * Finishes the run when no step is open any more: `failed` if a step is dead, else `succeeded`. One
 * statement: the check and the update. Returns the steps to enqueue once `tx` commits: those of the error
 * flow a run that just failed starts (none while the run goes on).
 */
export async function settleRun(tx: Transaction, ctx: SettleContext, runId: string): Promise<StepRef[]> {
  const [updated] = await selectRows<{ status: string } & Omit<SettledRun, 'id'>>(
    tx,
    settleStatement({ runId, now: isoString(new Date()) }),
  );
  if (!updated) return [];
  return runSettled(tx, ctx, { ...updated, id: runId }, updated.status === 'failed' ? 'failed' : 'succeeded');
}

/**
 * What follows a run's end, however it was written: the count, the admission of the runs waiting for the
 * slot it held, the step waiting for it when a sub-flow step started it, and for a failed run the start of
 * its flow's error flow (the steps to enqueue).
 */
export async function runSettled(
  tx: Transaction,
  ctx: SettleContext,
  run: SettledRun,
  status: 'succeeded' | 'failed',
): Promise<StepRef[]> {
  ctx.metrics.runsFinished.inc({ status });
  endRunSpan(ctx.tracing, run, status);
  // first, while this transaction holds no other flow's admission lock (see admission.ts on lock order)
  const admitted = run.admission === 'admitted' ? await admitWaiting(tx, ctx, run.flowId, run.version) : [];
  if (run.parentStepId) admitted.push(...(await wakeParentStep(tx, run.parentStepId)));
  if (status !== 'failed' || !ctx.startErrorFlow) return admitted;
  return [...admitted, ...(await ctx.startErrorFlow(tx, run.id))];
}
