// A flow's time zone (settings.timezone) in its expressions: `$now()` and `$fromMillis()` without a timezone
// argument write times in that zone — with its UTC offset at that instant, daylight saving included —
// instead of UTC. Given a timezone argument (JSONata's "±HHMM"), they do as JSONata does.
import jsonata from 'jsonata';

/** JSONata's own $fromMillis, given the offset; compiled on first use. */
let format: jsonata.Expression | undefined;

function fromMillisExpression(): jsonata.Expression {
  format ??= jsonata('$fromMillis($ms, $picture, $offset)');
  return format;
}

/** Whether `zone` is an IANA time zone Intl knows, e.g. "Europe/Berlin" or "UTC". */
export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    // Intl refuses unknown zones: exactly what we ask
    return false;
  }
}

/** The zone's UTC offset at `ms` as JSONata writes offsets: "+0530", "-0800", "+0000". */
export function offsetAt(zone: string, ms: number): string {
  const name = new Intl.DateTimeFormat('en-US', { timeZone: zone, timeZoneName: 'longOffset' })
    .formatToParts(ms)
    .find((part) => part.type === 'timeZoneName')?.value;
  // "GMT+05:30", "GMT-08:00", or plain "GMT" at offset zero
  const match = /^GMT([+-])(\d{2}):(\d{2})$/.exec(name ?? '');
  return match ? `${match[1]}${match[2]}${match[3]}` : '+0000';
}

/**
 * `$now` and `$fromMillis` for one evaluation in `zone`, as bindings (they replace JSONata's own there).
 * `$now()` is the same instant for every call of the evaluation, as in JSONata.
 */
export function zonedDateFunctions(zone: string, at = Date.now()) {
  const formatted = (ms: number, picture?: string, offset?: string) =>
    fromMillisExpression().evaluate({}, { ms, picture, offset: offset ?? offsetAt(zone, ms) });
  return {
    now: (picture?: string, offset?: string) => formatted(at, picture, offset),
    fromMillis: (ms?: number, picture?: string, offset?: string) =>
      ms === undefined ? undefined : formatted(ms, picture, offset),
  };
}
