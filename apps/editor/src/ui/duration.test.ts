import { describe, expect, test } from 'vitest';
import { formatDuration, parseDuration } from './duration';

describe('durations with units', () => {
  test('typed with a unit, or bare milliseconds as stored', () => {
    expect(parseDuration('20 s')).toBe(20_000);
    expect(parseDuration('5min')).toBe(300_000);
    expect(parseDuration('1.5 minutes')).toBe(90_000);
    expect(parseDuration('2 h')).toBe(7_200_000);
    expect(parseDuration('1 D')).toBe(86_400_000);
    expect(parseDuration('250 ms')).toBe(250);
    expect(parseDuration('1500')).toBe(1500);
    expect(parseDuration('  ')).toBeUndefined();
  });

  test('anything else is not a duration', () => {
    expect(parseDuration('soon')).toBeNull();
    expect(parseDuration('5 weeks')).toBeNull();
    expect(parseDuration('-3 s')).toBeNull();
    expect(parseDuration('{{ $json.wait }}')).toBeNull();
  });

  test('shown in the largest unit that is exact', () => {
    expect(formatDuration(20_000)).toBe('20 s');
    expect(formatDuration(90_000)).toBe('1.5 min');
    expect(formatDuration(3_600_000)).toBe('1 h');
    expect(formatDuration(1500)).toBe('1.5 s');
    expect(formatDuration(1234)).toBe('1234 ms');
    expect(formatDuration(0)).toBe('0 ms');
    expect(formatDuration(172_800_000)).toBe('2 d');
  });
});
