import { expect, test } from 'vitest';
import { isoString } from './iso-time.js';

test('isoString gives toISOString’s text for every millisecond, second and range it caches or not', () => {
  const times = [
    0, 1, 999, 1000, 1_733_400_000_000, 1_733_400_000_007, 1_733_400_000_070, 1_733_400_000_700,
    1_733_400_000_999, 1_733_400_001_000,
    // back to an earlier second after a later one, then a different day in the same second-of-minute
    1_733_400_000_500, 1_733_486_400_500,
    // the same millisecond twice, and again after others in range and out of it
    1_733_486_400_500, 253_402_300_799_999, 253_402_300_800_000, -1, -62_198_755_200_000, 1_733_486_400_500,
  ];
  for (const t of times) expect(isoString(new Date(t))).toBe(new Date(t).toISOString());
  // times of two seconds in turns, and a third between them
  for (const t of [
    1_733_400_005_001, 1_733_400_007_002, 1_733_400_005_001, 1_733_400_007_003, 1_733_400_006_004,
    1_733_400_005_001, 1_733_400_007_003, 1_733_400_006_004, 1_733_400_006_005,
  ]) {
    expect(isoString(new Date(t))).toBe(new Date(t).toISOString());
  }
  // a run of consecutive milliseconds across several seconds
  for (let t = 1_733_400_009_000; t < 1_733_400_012_000; t += 7) {
    expect(isoString(new Date(t))).toBe(new Date(t).toISOString());
  }
});

test('isoString throws RangeError for an invalid date, as toISOString does', () => {
  expect(() => isoString(new Date(Number.NaN))).toThrow(RangeError);
  // and the cache is untouched by it
  expect(isoString(new Date(1_733_400_000_123))).toBe('2024-12-05T12:00:00.123Z');
});
