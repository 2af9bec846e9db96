// The BullMQ worker: each delivery of a step job runs the step; "later" outcomes delay the same job.

import { schema } from '@tributary/db';
import { DelayedError, Worker } from 'bullmq';
import { and, eq, lte } from 'drizzle-orm';
import type { Redis } from 'ioredis';
import type { EngineContext, StepJobData } from '../core/index.js';
import { STEP_QUEUE_NAME } from '../core/index.js';
import { runStep } from './pipeline.js';

export interface StepWorkerOptions {
  concurrency: number;
  /** BullMQ lock duration; a worker silent for this long loses the job to the stalled-job check. */
  lockDurationMs: number;
  /** How often BullMQ looks for stalled jobs. */
  stalledIntervalMs: number;
}

export const DEFAULT_WORKER_OPTIONS: StepWorkerOptions = {
  concurrency: 50,
  lockDurationMs: 30_000,
  stalledIntervalMs: 30_000,
};

/** A job delayed by less than this is not checked for a wake-up it missed: it runs again soon anyway. */
const WAKE_CHECK_MS = 1_000;

/** Promotes the step's delayed job when Postgres says the step is due (a parked step someone woke). */
async function promoteIfDue(ctx: EngineContext, data: StepJobData): Promise<void> {
  const S = schema.steps;
  const [due] = await ctx.db
    .select({ id: S.id })
    .from(S)
    .where(and(eq(S.id, data.stepId), eq(S.status, 'waiting'), lte(S.dueAt, new Date())));
  if (due) await ctx.queue.wake([{ id: data.stepId, runId: data.runId }]);
}

/** Starts a worker that runs step jobs until closed. */
export function startStepWorker(
  ctx: EngineContext,
  connection: Redis,
  options: StepWorkerOptions = DEFAULT_WORKER_OPTIONS,
): Worker<StepJobData> {
  const worker = new Worker<StepJobData>(
    STEP_QUEUE_NAME,
    async (job, token) => {
      const outcome = await runStep(ctx, job.data.stepId);
      if (outcome.kind === 'later') {
        await job.moveToDelayed(outcome.at, token);
        // a wake-up that came while this delivery still held the job (an event for a wait, a sub-flow's
        // child ending) could not promote it; the step then reads as due in Postgres: promote it now
        if (outcome.at > Date.now() + WAKE_CHECK_MS) await promoteIfDue(ctx, job.data);
        throw new DelayedError();
      }
    },
    {
      connection,
      prefix: ctx.queue.prefix,
      concurrency: options.concurrency,
      lockDuration: options.lockDurationMs,
      stalledInterval: options.stalledIntervalMs,
      // our own lease decides what a stall means for the step; BullMQ should just deliver again
      maxStalledCount: 1_000,
      autorun: true,
    },
  );
  worker.on('error', (err) => ctx.logger.error({ err }, 'step worker error'));
  worker.on('failed', (job, err) => {
    ctx.logger.error({ err, stepId: job?.data.stepId }, 'step job failed; the sweeper will deliver it again');
  });
  return worker;
}
