// Tracking timestamps: strict ISO-8601 parsing and Segment's clock-skew correction (pure functions).

const ISO_8601 =
  /^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?(Z|[+-]\d{2}(?::?\d{2})?)?)?$/i;

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function isLeap(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

function daysIn(year: number, month: number): number {
  return month === 2 && isLeap(year) ? 29 : (DAYS_IN_MONTH[month - 1] ?? 0);
}

function offsetMinutes(zone: string | undefined): number | undefined {
  if (!zone || zone.toUpperCase() === 'Z') return 0;
  const sign = zone.startsWith('-') ? -1 : 1;
  const digits = zone.slice(1).replace(':', '');
  const hours = Number(digits.slice(0, 2));
  const minutes = digits.length > 2 ? Number(digits.slice(2, 4)) : 0;
  if (hours > 23 || minutes > 59) return undefined;
  return sign * (hours * 60 + minutes);
}

/**
 * Parses an ISO-8601 date or date-time (`2024-05-01`, `2024-05-01T10:20:30.123Z`, `…+02:00`); a time without
 * a zone is UTC. Undefined for anything else, including impossible dates such as `2023-02-29`.
 */
export function parseIsoTimestamp(text: string): Date | undefined {
  const m = ISO_8601.exec(text.trim());
  if (!m) return undefined;
  const [, y, mo, d, h = '0', mi = '0', s = '0', fraction = '', zone] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s);
  if (month < 1 || month > 12 || day < 1 || day > daysIn(year, month)) return undefined;
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  const offset = offsetMinutes(zone);
  if (offset === undefined) return undefined;
  const millis = Number(fraction.padEnd(3, '0').slice(0, 3));
  const date = new Date(0);
  // setUTCFullYear, unlike Date.UTC, keeps years 0–99 as they are
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, millis);
  return new Date(date.getTime() - offset * 60_000);
}

/** The client-side times of one message, already parsed. */
export interface ClientTimes {
  timestamp?: Date | undefined;
  originalTimestamp?: Date | undefined;
  sentAt?: Date | undefined;
}

/**
 * When the event happened, corrected for the client's clock as Segment documents it:
 * `receivedAt − (sentAt − originalTimestamp)`, where originalTimestamp is the client's `originalTimestamp`
 * or else its `timestamp`. Without `sentAt` the client time is taken as it is; without any client time the
 * event happened when it was received.
 */
export function correctedTimestamp(times: ClientTimes, receivedAt: Date): Date {
  const original = times.originalTimestamp ?? times.timestamp;
  if (!original) return receivedAt;
  if (!times.sentAt) return original;
  return new Date(receivedAt.getTime() - (times.sentAt.getTime() - original.getTime()));
}
