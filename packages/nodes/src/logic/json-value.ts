// How the logic nodes read item values: the object test and JSONata's truthiness; copying items.
import { defineField, isPlainObject } from '@tributary/flow';

/** A JSON object: not null and not an array. */
export function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Truthiness as JSONata's `$boolean` casts, so `{{ x }}` and `{{ $boolean(x) }}` choose the same branch:
 * false, 0, NaN, "", null, undefined, `{}`, `[]` and arrays whose members are all falsy are false.
 */
export function isTruthy(value: unknown): boolean {
  if (Array.isArray(value)) return value.some(isTruthy);
  if (isJsonObject(value)) return Object.keys(value).length > 0;
  if (typeof value === 'number') return value !== 0 && !Number.isNaN(value);
  if (typeof value === 'string') return value.length > 0;
  return value === true;
}

/**
 * A deep copy of an item. Arrays and plain objects are copied member by member (several times faster than
 * structuredClone for the small JSON items flows carry); anything else that is an object — a Date, a Map —
 * goes through structuredClone. An own `__proto__` key stays an ordinary field.
 */
export function copyItem<T>(value: T): T {
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return value.map(copyItem) as T;
  if (!isPlainObject(value)) return structuredClone(value);
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) defineField(out, key, copyItem(value[key]));
  return out as T;
}
