// ISO 8601 text of a Date without breaking the time down into calendar fields on every call.

/** A second's text up to the dot ("2026-12-05T20:01:02."), and the last millisecond in it and its text. */
interface SecondText {
  second: number;
  prefix: string;
  time: number;
  text: string;
}

const emptySlot = (): SecondText => ({ second: Number.NaN, prefix: '', time: Number.NaN, text: '' });
/**
 * The two seconds formatted last, the latest first. Two, because times of two kinds come in turns: the
 * moment a call is received, and the time the caller gave (a tracking message's timestamp); with one, each
 * turn of the other kind began its second again (toISOString was 1.4 % of a tracking profile).
 */
let latest = emptySlot();
let earlier = emptySlot();

/** The last millisecond toISOString gives four-digit years for (9999-12-31T23:59:59.999Z). */
const LAST_FOUR_DIGIT_YEAR = 253_402_300_799_999;

/**
 * `date.toISOString()`: the same text, and the same RangeError for an invalid date. V8 breaks the time into
 * calendar fields on each call, and timestamps written per step (attempts, rows) made that 2 % of the
 * server's CPU at ingest; here the text up to the second is kept for two seconds and only the milliseconds
 * are written. A millisecond's text is given again as it is, the same string: V8 joins the pieces of a
 * built text when it is first read whole (JSON.stringify of the rows), so once per string, not per row.
 */
export function isoString(date: Date): string {
  const time = date.getTime();
  const second = Math.floor(time / 1000);
  if (second !== latest.second) {
    if (second !== earlier.second) {
      // before 1970 or after 9999 (six-digit years), or invalid (it throws): not worth a cache
      if (!(time >= 0 && time <= LAST_FOUR_DIGIT_YEAR)) return date.toISOString();
      // the older second's slot takes the new one
      earlier.second = second;
      earlier.prefix = date.toISOString().slice(0, 20);
      earlier.time = Number.NaN;
    }
    const other = earlier;
    earlier = latest;
    latest = other;
  }
  const slot = latest;
  if (time !== slot.time) {
    const ms = time - second * 1000;
    slot.text = `${slot.prefix}${ms < 10 ? '00' : ms < 100 ? '0' : ''}${ms}Z`;
    slot.time = time;
  }
  return slot.text;
}
