import { describe, expect, it } from 'vitest';
import { copyItem, isJsonObject, isTruthy } from './json-value.js';

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

describe('copyItem', () => {
  it('copies nested objects and arrays so that nothing is shared', () => {
    const item = { a: { b: [1, { c: 'x' }] }, n: null, s: 'text', t: true };
    const copy = copyItem(item);
    expect(copy).toEqual(item);
    expect(copy.a).not.toBe(item.a);
    expect(copy.a.b).not.toBe(item.a.b);
    expect(copy.a.b[1]).not.toBe(item.a.b[1]);
  });

  it('keeps Dates and other objects as structuredClone copies them', () => {
    const at = new Date('2026-01-02T03:04:05Z');
    const copy = copyItem({ at, tags: new Set(['a']) });
    expect(copy.at).toBeInstanceOf(Date);
    expect(copy.at).not.toBe(at);
    expect(copy.at.getTime()).toBe(at.getTime());
    expect(copy.tags).toEqual(new Set(['a']));
  });

  it('keeps an own "__proto__" key as data and never changes a prototype', () => {
    const item = JSON.parse('{"__proto__":{"polluted":1},"x":1}');
    const copy = copyItem(item);
    expect(Object.getPrototypeOf(copy)).toBe(Object.prototype);
    expect(JSON.stringify(copy)).toBe('{"__proto__":{"polluted":1},"x":1}');
    expect('polluted' in {}).toBe(false);
  });
});
