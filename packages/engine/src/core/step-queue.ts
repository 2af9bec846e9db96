// The BullMQ side of the engine: one job per step (jobId = step id), carrying ids only.
import { Job, Queue } from 'bullmq';
import type { Redis } from 'ioredis';

/** Name of the BullMQ queue that carries steps. */
export const STEP_QUEUE_NAME = 'steps';

/** What a step job carries: ids only, state lives in Postgres. */
export interface StepJobData {
  stepId: string;
  runId: string;
}

/** A step to enqueue, optionally not before `dueAt`. */
export interface StepRef {
  id: string;
  runId: string;
  dueAt?: Date | null;
  /** A parked step made due: its delayed job is promoted (adding would find the job and do nothing). */
  wake?: boolean;
}

/** Adds and inspects step jobs. */
export class StepQueue {
  readonly queue: Queue<StepJobData>;
  readonly prefix: string;

  constructor(redis: Redis, prefix: string) {
    this.prefix = prefix;
    this.queue = new Queue<StepJobData>(STEP_QUEUE_NAME, {
      connection: redis,
      prefix,
      defaultJobOptions: { removeOnComplete: true, removeOnFail: true, attempts: 1 },
    });
    // errors surface on the calls that fail; without a listener an 'error' event would crash the process
    this.queue.on('error', () => {});
  }

  /** Adds one job per step; adding a step twice is harmless because the job id is the step id. */
  async add(steps: readonly StepRef[]): Promise<void> {
    if (steps.length === 0) return;
    const woken = steps.filter((s) => s.wake);
    if (woken.length > 0) await this.wake(woken);
    const added = woken.length > 0 ? steps.filter((s) => !s.wake) : steps;
    if (added.length === 0) return;
    const now = Date.now();
    await this.queue.addBulk(
      added.map((s) => ({
        name: 'step',
        data: { stepId: s.id, runId: s.runId },
        opts: { jobId: s.id, delay: s.dueAt ? Math.max(0, s.dueAt.getTime() - now) : 0 },
      })),
    );
  }

  /**
   * Runs these steps' jobs now: a delayed job is promoted, a missing one is added. A parked step's job is
   * delayed, so each step is first promoted outright (one command; BullMQ refuses a job that is not delayed),
   * and only a refused one is looked up: missing, it is added; running or waiting already, it is left (it
   * will see the step as due). The steps go together (their commands share the one connection): a batch
   * that resumes 100 waits costs about one round trip, not three per step one after another.
   */
  async wake(steps: readonly StepRef[]): Promise<void> {
    const missing = await Promise.all(
      steps.map(async (step): Promise<StepRef | undefined> => {
        try {
          // only the id is read: a job object is made for the call, not fetched
          await new Job(this.queue, 'step', { stepId: step.id, runId: step.runId }, {}, step.id).promote();
          return undefined;
        } catch {
          // not delayed: gone, or it moved on meanwhile (running or queued)
        }
        const state = await this.queue.getJobState(step.id);
        return state === 'unknown' ? { id: step.id, runId: step.runId } : undefined;
      }),
    );
    await this.add(missing.filter((s): s is StepRef => s !== undefined));
  }

  /**
   * The state of each of these steps' jobs ('unknown': there is none). The lookups go out together on the
   * one connection, so a batch costs about one round trip.
   */
  states(stepIds: readonly string[]): Promise<string[]> {
    return Promise.all(stepIds.map((id) => this.queue.getJobState(id)));
  }

  /** Jobs waiting, delayed and active: the queue depth for metrics. */
  async depth(): Promise<Record<'waiting' | 'delayed' | 'active', number>> {
    const counts = await this.queue.getJobCounts('waiting', 'delayed', 'active');
    return { waiting: counts.waiting ?? 0, delayed: counts.delayed ?? 0, active: counts.active ?? 0 };
  }

  async close(): Promise<void> {
    await this.queue.close();
  }
}
