import { describe, expect, test } from 'vitest';
import { copyWith, isPlainObject } from './plain-object.js';

describe('plain objects', () => {
  test('copyWith gives a shallow copy with the fields set, and leaves the original as it was', () => {
    const nested = { deep: 1 };
    const value = { a: 1, b: nested };
    const copy = copyWith(value, { b: { deep: 2 }, c: 3 });
    expect(copy).toEqual({ a: 1, b: { deep: 2 }, c: 3 });
    expect(value).toEqual({ a: 1, b: { deep: 1 } });
    expect(copyWith(value).b).toBe(nested);
    expect(isPlainObject(copyWith(value))).toBe(true);
  });
});
