// ISO 8601 text of a Date without breaking the time down into calendar fields on every call.

/** The last whole second formatted, and its text up to the dot: "2026-12-05T20:01:02.". */
let cachedSecond = Number.NaN;
let cachedPrefix = '';

/** The last millisecond toISOString gives four-digit years for (9999-12-31T23:59:59.999Z). */
const LAST_FOUR_DIGIT_YEAR = 253_402_300_799_999;

/**
 * `date.toISOString()`: the same text, and the same RangeError for an invalid date. V8 breaks the time into
 * calendar fields on each call, and timestamps written per step (attempts, rows) made that 2 % of the
 * server's CPU at ingest; here the text up to the second is kept and only the milliseconds are written.
 */
export function isoString(date: Date): string {
  const time = date.getTime();
  const second = Math.floor(time / 1000);
  if (second !== cachedSecond) {
    // before 1970 or after 9999 (six-digit years), or invalid (it throws): not worth a cache
    if (!(time >= 0 && time <= LAST_FOUR_DIGIT_YEAR)) return date.toISOString();
    cachedPrefix = date.toISOString().slice(0, 20);
    cachedSecond = second;
  }
  const ms = time - second * 1000;
  return `${cachedPrefix}${ms < 10 ? '00' : ms < 100 ? '0' : ''}${ms}Z`;
}
