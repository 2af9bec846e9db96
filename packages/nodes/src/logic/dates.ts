// Dates in a node's config, resolved from expressions: a clear step error when one is not a date.
import { FatalError } from '@tributary/flow';

/** The date `value` names (an ISO string or epoch milliseconds); a FatalError naming `field` otherwise. */
export function dateIn(value: unknown, field: string): Date {
  const date = new Date(typeof value === 'number' ? value : String(value));
  if (typeof value === 'string' && value.trim() === '') date.setTime(Number.NaN);
  if (Number.isNaN(date.getTime())) {
    throw new FatalError(`"${field}" is not a date: ${JSON.stringify(value)}`, { code: 'invalid_date' });
  }
  return date;
}
