// Why a sending rule held a step back, in words: quiet hours delayed it, or a frequency cap delayed it or
// made it take the capped port without sending.
import type { Step } from '../api/types';

type Held = NonNullable<Step['held']>;

const UNITS: Array<[ms: number, one: string]> = [
  [7 * 86_400_000, 'week'],
  [86_400_000, 'day'],
  [3_600_000, 'hour'],
  [60_000, 'minute'],
  [1000, 'second'],
];

/** A cap's period as people say it: "day", "7 days", "90 minutes", "1500 ms". */
export function periodWords(ms: number): string {
  for (const [unit, one] of UNITS) {
    if (ms % unit === 0) {
      const n = ms / unit;
      return n === 1 ? one : `${n} ${one}s`;
    }
  }
  return `${ms} ms`;
}

/** An instant on a clock: in `zone` when given (the person's), else the browser's, with the date. */
function clock(iso: string, zone?: string): string {
  const at = new Date(iso);
  const text = at.toLocaleString('en-GB', {
    day: 'numeric',
    month: 'short',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
    ...(zone ? { timeZone: zone } : {}),
  });
  return zone ? `${text} ${zone}` : text;
}

/** The sentence the run view shows for a held step. */
export function heldWords(held: Held): string {
  if (held.rule === 'quietHours') {
    const hours = held.start && held.end ? ` (${held.start}–${held.end})` : '';
    return `Delayed by quiet hours${hours} until ${clock(held.until, held.zone)}.`;
  }
  const cap = `at most ${held.limit ?? '?'} ${held.channel} per ${periodWords(held.periodMs ?? 0)}`;
  if (held.outcome === 'capped') {
    return `Capped (${cap}): not sent; took the capped port. A slot frees up at ${clock(held.until)}.`;
  }
  return `Waited for the frequency cap (${cap}) until ${clock(held.until)}.`;
}

/** A few words beside a held step's status on the canvas. */
export function heldFact(held: Held): string {
  if (held.outcome === 'capped') return `${held.channel} cap reached`;
  return held.rule === 'quietHours' ? 'quiet hours' : `waited for ${held.channel} cap`;
}
