// The BullMQ worker: each delivery of a step job runs the step; "later" outcomes delay the same job.
import { DelayedError, Worker } from 'bullmq';
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
