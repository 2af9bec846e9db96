// Durations as people type and read them: "500 ms", "20 s", "5 min", "2 h", "1 d" — stored in milliseconds.

const UNITS: readonly (readonly [string, number])[] = [
  ['d', 86_400_000],
  ['h', 3_600_000],
  ['min', 60_000],
  ['s', 1000],
  ['ms', 1],
];

const ALIASES: Record<string, string> = {
  ms: 'ms',
  millisecond: 'ms',
  milliseconds: 'ms',
  s: 's',
  sec: 's',
  secs: 's',
  second: 's',
  seconds: 's',
  m: 'min',
  min: 'min',
  mins: 'min',
  minute: 'min',
  minutes: 'min',
  h: 'h',
  hr: 'h',
  hrs: 'h',
  hour: 'h',
  hours: 'h',
  d: 'd',
  day: 'd',
  days: 'd',
};

/** A hint for a field that did not parse. */
export const DURATION_HINT = 'use a number and a unit, e.g. 500 ms, 20 s, 5 min, 2 h or 1 d';

/**
 * Milliseconds from "20 s", "1.5 min", "2h" or a bare number (milliseconds, as stored); undefined for an empty
 * field, null when the text is not a duration.
 */
export function parseDuration(text: string): number | undefined | null {
  const trimmed = text.trim().toLowerCase();
  if (trimmed === '') return undefined;
  const match = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/.exec(trimmed);
  if (!match) return null;
  const unit = match[2] ? ALIASES[match[2]] : 'ms';
  const size = UNITS.find(([name]) => name === unit)?.[1];
  if (size === undefined) return null;
  const ms = Number(match[1]) * size;
  return Number.isInteger(ms) ? ms : Math.round(ms);
}

/** "1.5 min", "20 s", "250 ms": the largest unit that shows the value exactly with at most one decimal. */
export function formatDuration(ms: number): string {
  for (const [unit, size] of UNITS) {
    const value = ms / size;
    if (ms >= size && Number.isInteger(value * 10))
      return `${Number.isInteger(value) ? value : value.toFixed(1)} ${unit}`;
  }
  return `${ms} ms`;
}
