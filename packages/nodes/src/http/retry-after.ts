// Reads a Retry-After header (RFC 9110 §10.2.3): delay-seconds or an HTTP-date, as milliseconds from now (pure).

/** Milliseconds a Retry-After value asks to wait; undefined when absent or unreadable, 0 for a past date. */
export function parseRetryAfter(value: string | undefined, now: number = Date.now()): number | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  // an HTTP-date always names the day of the week; this keeps Date.parse from guessing at other shapes
  if (!/^[A-Za-z]{3}/.test(trimmed)) return undefined;
  // asctime dates carry no zone but mean GMT; Date.parse would read them as local time
  const at = Date.parse(/GMT$/.test(trimmed) ? trimmed : `${trimmed} GMT`);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
