import { describe, expect, it } from 'vitest';
import { isJsonObject, isTruthy } from './json-value.js';

describe('isTruthy', () => {
  it.each([false, 0, Number.NaN, '', null, undefined, {}, [], [false, 0, ''], [[null]]])(
    'casts %j to false as JSONata does',
    (value) => {
      expect(isTruthy(value)).toBe(false);
    },
  );

  it.each([true, 1, -0.5, 'false', '0', ' ', { a: 0 }, [0, 1], [[true]], ['x']])(
    'casts %j to true as JSONata does',
    (value) => {
      expect(isTruthy(value)).toBe(true);
    },
  );
});

describe('isJsonObject', () => {
  it('accepts plain objects and refuses null, arrays and primitives', () => {
    expect(isJsonObject({})).toBe(true);
    expect(isJsonObject(null)).toBe(false);
    expect(isJsonObject([])).toBe(false);
    expect(isJsonObject('{}')).toBe(false);
  });
});
