// Quiet hours (settings.quietHours): whether an instant falls between a start and an end time of day on a
// person's clock, and when those hours end — in the person's time zone, DST included.
import type { QuietHours } from '@tributary/flow';

const DAY_MS = 24 * 60 * 60 * 1000;

function minutesOf(time: string): number {
  const [hours = 0, minutes = 0] = time.split(':').map(Number);
  return hours * 60 + minutes;
}

/** The wall-clock reading of `ms` in `zone`, written as if it were UTC (so date arithmetic is plain). */
function wallClock(zone: string, ms: number): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: zone,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
  }).formatToParts(ms);
  const part = (type: Intl.DateTimeFormatPartTypes) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  return Date.UTC(part('year'), part('month') - 1, part('day'), part('hour'), part('minute'), part('second'));
}

/**
 * The instant a wall-clock reading in `zone` stands for. Across a DST change the offset is looked up twice;
 * a reading the clocks skip (02:30 on a spring-forward night) comes out as the instant an hour later.
 */
function instantOf(zone: string, wall: number): number {
  const first = wall - (wallClock(zone, wall) - wall);
  return wall - (wallClock(zone, first) - first);
}

/**
 * When the quiet hours `now` falls in end (the next `end` on the person's clock), or undefined when `now` is
 * outside them. A `start` later than `end` spans midnight (21:00–08:00).
 */
export function quietHoursEnd(
  quiet: Pick<QuietHours, 'start' | 'end'>,
  zone: string,
  now: number,
): Date | undefined {
  const wall = wallClock(zone, now);
  const minute = Math.floor((wall % DAY_MS) / 60_000);
  const start = minutesOf(quiet.start);
  const end = minutesOf(quiet.end);
  const inside = start < end ? minute >= start && minute < end : minute >= start || minute < end;
  if (!inside) return undefined;
  const midnight = wall - (wall % DAY_MS);
  let endWall = midnight + end * 60_000;
  if (endWall <= wall) endWall += DAY_MS;
  return new Date(instantOf(zone, endWall));
}
