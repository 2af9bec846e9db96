import { describe, expect, test } from 'vitest';
import type { Step } from '../api/types';
import { stepCountsDown, stepFacts } from './run-status';

const T0 = Date.parse('2026-12-03T10:00:00.000Z');
const at = (ms: number) => new Date(T0 + ms).toISOString();

function step(patch: Partial<Step>): Step {
  return {
    id: '00000000-0000-4000-8000-000000000001',
    nodeId: 'n',
    name: 'Step',
    type: 'logic.set',
    status: 'succeeded',
    attempts: [{ n: 1, startedAt: at(0), finishedAt: at(12), error: null }],
    input: null,
    output: { main: [{}] },
    error: null,
    retryOf: null,
    dueAt: null,
    createdAt: at(0),
    startedAt: at(0),
    finishedAt: at(12),
    durationMs: 12,
    ...patch,
  };
}

describe('what a step did, in words', () => {
  test('a plain step shows how long it ran', () => {
    expect(stepFacts(step({}), T0)).toEqual(['12 ms']);
  });

  test('a wait that timed out says so and how long it waited, not its 37 ms of work', () => {
    const wait = step({
      type: 'logic.wait-for-event',
      output: { received: [], timeout: [{}] },
      startedAt: at(0),
      finishedAt: at(20_000),
      durationMs: 37,
    });
    expect(stepFacts(wait, T0 + 30_000)).toEqual(['→ timeout', 'waited 20.0 s']);
  });

  test('a step waiting for its next try counts down to it', () => {
    const retrying = step({
      status: 'queued',
      attempts: [
        {
          n: 1,
          startedAt: at(0),
          finishedAt: at(5),
          error: { code: 'http_5xx', message: 'x', retryable: true },
        },
        {
          n: 2,
          startedAt: at(1000),
          finishedAt: at(1005),
          error: { code: 'http_5xx', message: 'x', retryable: true },
        },
      ],
      dueAt: at(4000),
      finishedAt: null,
      durationMs: null,
      output: null,
    });
    expect(stepCountsDown(retrying)).toBe(true);
    expect(stepFacts(retrying, T0 + 1200)).toEqual(['next try in 3 s', '2 attempts']);
    // once due, the countdown gives way to the attempts alone
    expect(stepFacts(retrying, T0 + 5000)).toEqual(['2 attempts']);
  });

  test('a parked wait says when it gives up', () => {
    const waiting = step({
      status: 'waiting',
      dueAt: at(90_000),
      finishedAt: null,
      durationMs: null,
      output: null,
    });
    expect(stepFacts(waiting, T0)).toEqual(['gives up in 90 s']);
    expect(stepCountsDown(step({}))).toBe(false);
  });

  test('a step held back by a sending rule says so, and a parked one counts down to its send', () => {
    const until = at(90_000);
    const capped = step({
      output: { capped: [{}] },
      held: {
        rule: 'frequencyCap',
        outcome: 'capped',
        channel: 'email',
        until,
        limit: 1,
        periodMs: 86_400_000,
      },
    });
    expect(stepFacts(capped, T0)).toEqual(['→ capped', 'email cap reached', '12 ms']);
    const quiet = step({
      status: 'waiting',
      dueAt: until,
      output: null,
      held: {
        rule: 'quietHours',
        outcome: 'delayed',
        channel: 'sms',
        until,
        start: '21:00',
        end: '08:00',
        zone: 'UTC',
      },
    });
    expect(stepFacts(quiet, T0)).toEqual(['quiet hours', 'sends in 90 s']);
  });
});
