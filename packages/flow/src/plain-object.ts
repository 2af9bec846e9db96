// Telling plain data objects from the rest (arrays, dates, maps, class instances).

/** An object made by `{}`, JSON.parse or Object.create(null): not an array, a Date, a Map or a class instance. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}
