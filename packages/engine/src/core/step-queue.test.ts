// The step queue against a real Redis: which steps have a job is BullMQ's answer, whatever state the job is in.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { redisConnection } from '../engine.js';
import { TEST_REDIS_URL } from '../testing/index.js';
import { StepQueue } from './step-queue.js';

const redis = redisConnection(TEST_REDIS_URL);
const prefix = `test-${randomBytes(5).toString('hex')}`;
let queue: StepQueue;

beforeAll(() => {
  queue = new StepQueue(redis, prefix);
});

afterAll(async () => {
  await queue.queue.obliterate({ force: true });
  await queue.close();
  redis.disconnect();
});

describe('StepQueue.states', () => {
  test("tells each step's job's state, 'unknown' for a step without one", async () => {
    const id = () => `step-${randomBytes(6).toString('hex')}`;
    const waiting = id();
    const delayed = id();
    const gone = id();
    await queue.add([
      { id: waiting, runId: 'run' },
      { id: delayed, runId: 'run', dueAt: new Date(Date.now() + 60_000) },
    ]);
    expect(await queue.states([waiting, delayed, gone])).toEqual(['waiting', 'delayed', 'unknown']);
    expect(await queue.depth()).toMatchObject({ waiting: 1, delayed: 1 });
  });

  test('an empty question needs no answer from Redis', async () => {
    expect(await queue.states([])).toEqual([]);
  });
});

describe('StepQueue.wake', () => {
  const id = () => `step-${randomBytes(6).toString('hex')}`;

  test('promotes a delayed job, adds a missing one and leaves a waiting one as it is', async () => {
    const delayed = id();
    const gone = id();
    const waiting = id();
    await queue.add([
      { id: delayed, runId: 'run-delayed', dueAt: new Date(Date.now() + 60_000) },
      { id: waiting, runId: 'run-waiting' },
    ]);
    await queue.wake([
      { id: delayed, runId: 'run-delayed' },
      { id: gone, runId: 'run-gone' },
      { id: waiting, runId: 'run-waiting' },
    ]);
    const states = await Promise.all([delayed, gone, waiting].map((s) => queue.queue.getJobState(s)));
    expect(states).toEqual(['waiting', 'waiting', 'waiting']);
    // the added job carries its step, and waking did not make a second job of the waiting one
    expect((await queue.queue.getJob(gone))?.data).toEqual({ stepId: gone, runId: 'run-gone' });
    const jobs = await queue.queue.getJobs(['waiting']);
    expect(jobs.filter((j) => j.id === waiting)).toHaveLength(1);
  });

  test('waking nothing sends nothing', async () => {
    await expect(queue.wake([])).resolves.toBeUndefined();
  });
});
