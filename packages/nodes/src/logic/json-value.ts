// How the logic nodes read item values: the object test and JSONata's truthiness.

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
