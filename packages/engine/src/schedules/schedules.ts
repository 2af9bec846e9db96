// Schedule triggers: one BullMQ job scheduler per published flow with a schedule trigger. Each fire is an
// event whose idempotency key is the fire's job id, so a fire is never ingested twice.
import type { ScheduleTriggerConfig } from '@tributary/nodes';
import { Queue, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { EngineContext } from '../core/index.js';
import { ingest } from '../ingest/index.js';

export const SCHEDULE_QUEUE_NAME = 'schedules';

/** What a schedule fire carries: ids only; the live flow is looked up when it fires. */
export interface ScheduleJobData {
  flowId: string;
  cron: string;
  timezone: string;
}

function schedulerId(flowId: string): string {
  return `flow:${flowId}`;
}

/** The job schedulers of schedule triggers. */
export class ScheduleQueue {
  readonly queue: Queue<ScheduleJobData>;

  constructor(redis: Redis, prefix: string) {
    this.queue = new Queue<ScheduleJobData>(SCHEDULE_QUEUE_NAME, {
      connection: redis,
      prefix,
      defaultJobOptions: { removeOnComplete: 1000, removeOnFail: 1000 },
    });
    // errors surface on the calls that fail; without a listener an 'error' event would crash the process
    this.queue.on('error', () => {});
  }

  close(): Promise<void> {
    return this.queue.close();
  }
}

/**
 * Makes the job schedulers match the published flows: creates or updates one per schedule trigger and
 * removes the rest. Idempotent; run at start, after publishes and by the sweeper (so a Redis that lost
 * its data gets its schedules back).
 */
export async function syncSchedules(ctx: EngineContext, schedules: ScheduleQueue): Promise<number> {
  const flows = await ctx.live.list(ctx.db, ctx.flows);
  const wanted = new Map<string, ScheduleJobData>();
  for (const flow of flows) {
    if (flow.triggerKind !== 'schedule' || flow.trigger.disabled) continue;
    // schedule trigger configs hold no expressions, so they parsed when the version was compiled
    const config = flow.configsAsWritten.get(flow.trigger.id) as ScheduleTriggerConfig | undefined;
    // a trigger that names no time zone of its own reads its pattern in the flow's (settings.timezone)
    const own = (flow.trigger.config as { timezone?: unknown }).timezone;
    const timezone =
      own === undefined ? (flow.definition.settings.timezone ?? config?.timezone) : config?.timezone;
    if (config && timezone)
      wanted.set(schedulerId(flow.flowId), { flowId: flow.flowId, cron: config.cron, timezone });
  }
  const existing = await schedules.queue.getJobSchedulers(0, -1);
  for (const scheduler of existing) {
    const keep = scheduler.key ? wanted.get(scheduler.key) : undefined;
    const same = keep && scheduler.pattern === keep.cron && (scheduler.tz ?? 'UTC') === keep.timezone;
    if (same && scheduler.key) wanted.delete(scheduler.key);
    else if (!keep && scheduler.key) await schedules.queue.removeJobScheduler(scheduler.key);
  }
  for (const [id, data] of wanted) {
    await schedules.queue.upsertJobScheduler(
      id,
      { pattern: data.cron, tz: data.timezone },
      { name: 'fire', data },
    );
  }
  return wanted.size;
}

/** Starts the worker that turns schedule fires into runs. */
export function startScheduleWorker(
  ctx: EngineContext,
  connection: Redis,
  prefix: string,
): Worker<ScheduleJobData> {
  const worker = new Worker<ScheduleJobData>(
    SCHEDULE_QUEUE_NAME,
    async (job) => {
      const flows = await ctx.live.list(ctx.db, ctx.flows);
      const flow = flows.find((f) => f.flowId === job.data.flowId && f.triggerKind === 'schedule');
      if (!flow) return;
      const scheduledFor = new Date(job.timestamp + (job.opts.delay ?? 0)).toISOString();
      const item = {
        firedAt: new Date().toISOString(),
        scheduledFor,
        cron: job.data.cron,
        timezone: job.data.timezone,
      };
      await ingest(ctx, {
        source: `schedule:${flow.flowId}`,
        type: 'schedule',
        // one event per fire, even if the fire is delivered twice
        idempotencyKey: job.id ?? scheduledFor,
        payload: item,
        targets: [{ flowId: flow.flowId, version: flow.version, item }],
      });
    },
    { connection, prefix, concurrency: 5 },
  );
  worker.on('error', (err) => ctx.logger.error({ err }, 'schedule worker error'));
  return worker;
}
