import { describe, expect, test } from 'vitest';
import { quietHoursEnd } from './quiet-hours.js';

const night = { start: '21:00', end: '08:00' };

describe('quietHoursEnd', () => {
  test('inside quiet hours that span midnight: the next 08:00 on the person’s clock', () => {
    // 22:30 in New York in winter (UTC−5) → 08:00 the next morning, 13:00 UTC
    expect(quietHoursEnd(night, 'America/New_York', Date.parse('2026-01-15T03:30:00Z'))?.toISOString()).toBe(
      '2026-01-15T13:00:00.000Z',
    );
    // 06:59 in Kolkata (UTC+05:30) → 08:00 the same morning
    expect(quietHoursEnd(night, 'Asia/Kolkata', Date.parse('2026-07-01T01:29:00Z'))?.toISOString()).toBe(
      '2026-07-01T02:30:00.000Z',
    );
  });

  test('outside quiet hours, and at the very minute they end: nothing to wait for', () => {
    expect(quietHoursEnd(night, 'America/New_York', Date.parse('2026-01-15T18:00:00Z'))).toBeUndefined();
    expect(quietHoursEnd(night, 'UTC', Date.parse('2026-01-15T08:00:00Z'))).toBeUndefined();
    expect(quietHoursEnd(night, 'UTC', Date.parse('2026-01-15T20:59:59Z'))).toBeUndefined();
    expect(quietHoursEnd(night, 'UTC', Date.parse('2026-01-15T21:00:00Z'))?.toISOString()).toBe(
      '2026-01-16T08:00:00.000Z',
    );
  });

  test('quiet hours within one day (12:00–14:00)', () => {
    const lunch = { start: '12:00', end: '14:00' };
    expect(quietHoursEnd(lunch, 'Europe/Berlin', Date.parse('2026-01-15T11:15:00Z'))?.toISOString()).toBe(
      '2026-01-15T13:00:00.000Z',
    );
    expect(quietHoursEnd(lunch, 'Europe/Berlin', Date.parse('2026-01-15T13:15:00Z'))).toBeUndefined();
  });

  test('across a DST change the end is 08:00 on the new clock', () => {
    // Berlin goes from UTC+1 to UTC+2 at 02:00 on 29 March 2026: 23:00 on the 28th → 08:00 CEST = 06:00 UTC
    expect(quietHoursEnd(night, 'Europe/Berlin', Date.parse('2026-03-28T22:00:00Z'))?.toISOString()).toBe(
      '2026-03-29T06:00:00.000Z',
    );
    // New York falls back on 1 November 2026: 23:00 EDT on 31 Oct → 08:00 EST = 13:00 UTC
    expect(quietHoursEnd(night, 'America/New_York', Date.parse('2026-11-01T03:00:00Z'))?.toISOString()).toBe(
      '2026-11-01T13:00:00.000Z',
    );
  });
});
