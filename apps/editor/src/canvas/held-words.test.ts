import { describe, expect, test } from 'vitest';
import { heldFact, heldWords, periodWords } from './held-words';

describe('held steps in words', () => {
  test('periods read as people say them', () => {
    expect(periodWords(86_400_000)).toBe('day');
    expect(periodWords(7 * 86_400_000)).toBe('week');
    expect(periodWords(3 * 86_400_000)).toBe('3 days');
    expect(periodWords(90 * 60_000)).toBe('90 minutes');
    expect(periodWords(1500)).toBe('1500 ms');
  });

  test('quiet hours name their hours, the person’s zone and when they end on that clock', () => {
    const held = {
      rule: 'quietHours',
      outcome: 'delayed',
      channel: 'email',
      until: '2026-12-05T02:30:00.000Z',
      start: '21:00',
      end: '08:00',
      zone: 'Asia/Kolkata',
    } as const;
    expect(heldWords(held)).toBe('Delayed by quiet hours (21:00–08:00) until 5 Dec, 08:00 Asia/Kolkata.');
    expect(heldFact(held)).toBe('quiet hours');
  });

  test('a capped step says it was not sent and which cap held it back', () => {
    const held = {
      rule: 'frequencyCap',
      outcome: 'capped',
      channel: 'email',
      until: '2026-12-05T02:30:00.000Z',
      limit: 1,
      periodMs: 86_400_000,
    } as const;
    expect(heldWords(held)).toMatch(/^Capped \(at most 1 email per day\): not sent; took the capped port\./);
    expect(heldFact(held)).toBe('email cap reached');
    expect(heldWords({ ...held, outcome: 'delayed' })).toMatch(
      /^Waited for the frequency cap \(at most 1 email per day\) until /,
    );
  });
});
