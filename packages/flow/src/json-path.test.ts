import { describe, expect, test } from 'vitest';
import { formatPath, valueAt } from './json-path.js';

describe('formatPath', () => {
  test('joins keys with dots and indexes with brackets', () => {
    expect(formatPath(['nodes', 2, 'config', 'url'])).toBe('nodes[2].config.url');
    expect(formatPath([0, 'x'])).toBe('[0].x');
    expect(formatPath([])).toBe('');
  });

  test('quotes keys that are not identifiers', () => {
    expect(formatPath(['headers', 'Content-Type'])).toBe('headers["Content-Type"]');
  });
});

describe('valueAt', () => {
  test('walks objects and arrays', () => {
    expect(valueAt({ a: [{ b: 1 }] }, ['a', 0, 'b'])).toBe(1);
    expect(valueAt({ a: 1 }, ['a', 'b'])).toBeUndefined();
  });

  test('never walks into a prototype', () => {
    expect(valueAt({}, ['constructor'])).toBeUndefined();
  });
});
