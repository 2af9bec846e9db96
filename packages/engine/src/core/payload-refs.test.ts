// The payload-reference codec on its own: which parts become references, that reading them back gives the
// value it was given, and that nothing the caller holds is changed on the way.
import { describe, expect, test } from 'vitest';
import { PayloadIndex, referPayload, resolvePayload } from './payload-refs.js';

function payload() {
  return {
    body: { email: 'a@example.com', lines: [{ sku: 'A', qty: 2 }, { sku: 'B' }] },
    headers: { 'content-type': 'application/json', 'user-agent': 'curl' },
    query: {},
    method: 'POST',
  };
}

/** Stores and reads back a value the way the database does: through JSON text. */
function roundTrip(value: unknown, index: PayloadIndex, stored: unknown) {
  const referred = referPayload(value, index);
  const text = JSON.stringify({ value: referred.value, refs: referred.refs });
  const parsed = JSON.parse(text) as { value: unknown; refs: Parameters<typeof resolvePayload>[1] };
  return {
    referred,
    text,
    back: resolvePayload(parsed.value, parsed.refs, JSON.parse(JSON.stringify(stored))),
  };
}

describe('payload references', () => {
  test('the trigger output holds the whole payload: stored as one reference, read back whole', () => {
    const p = payload();
    const { referred, text, back } = roundTrip({ main: [p] }, new PayloadIndex(p), p);
    expect(referred.refs).toEqual([[['main', 0], []]]);
    expect(text).not.toContain('a@example.com');
    expect(back).toEqual({ main: [p] });
  });

  test('an item that adds a field beside the untouched body and headers refers to both', () => {
    const p = payload();
    const item = { ...p, tier: 'gold' };
    const { referred, text, back } = roundTrip({ main: [item] }, new PayloadIndex(p), p);
    expect(referred.refs).toEqual(
      expect.arrayContaining([
        [['main', 0, 'body'], ['body']],
        [['main', 0, 'headers'], ['headers']],
      ]),
    );
    expect(text).not.toContain('a@example.com');
    expect(text).not.toContain('user-agent');
    expect(text).toContain('gold');
    expect(back).toEqual({ main: [item] });
    // the value given is left as it was: only the objects on the way to a reference were copied
    expect(item.body).toBe(p.body);
    expect(referPayload({ main: [item] }, new PayloadIndex(p)).value).not.toBe(item);
  });

  test('a rebuilt part is stored as it is, even when equal to the payload part', () => {
    const p = payload();
    const copy = JSON.parse(JSON.stringify(p.body)) as unknown;
    const { referred, back } = roundTrip({ main: [{ body: copy }] }, new PayloadIndex(p), p);
    expect(referred.refs).toBeNull();
    expect(back).toEqual({ main: [{ body: p.body }] });
  });

  test('nested parts and array members are found; without an index nothing changes', () => {
    const p = payload();
    const value = { line: p.body.lines[1], lines: p.body.lines };
    const { referred, back } = roundTrip(value, new PayloadIndex(p), p);
    expect(referred.refs).toEqual([
      [['line'], ['body', 'lines', 1]],
      [['lines'], ['body', 'lines']],
    ]);
    expect(back).toEqual(value);
    expect(referPayload(value, undefined)).toEqual({ value, refs: null });
  });

  test('a field named __proto__ stays an ordinary field both ways', () => {
    const p = JSON.parse('{"body":{"__proto__":{"x":1},"y":2}}') as { body: Record<string, unknown> };
    const item = JSON.parse('{"__proto__":{"z":3}}') as Record<string, unknown>;
    Object.defineProperty(item, 'body', {
      value: p.body,
      enumerable: true,
      writable: true,
      configurable: true,
    });
    const { back } = roundTrip(item, new PayloadIndex(p), p);
    expect(Object.getPrototypeOf(back)).toBe(Object.prototype);
    expect(Object.keys(back as object).sort()).toEqual(['__proto__', 'body']);
    expect(JSON.stringify(back)).toBe(JSON.stringify(item));
  });

  test('scalars, null and values outside the payload pass through', () => {
    const index = new PayloadIndex(payload());
    for (const value of [null, 3, 'text', true, { other: [1, 2] }]) {
      expect(referPayload(value, index)).toEqual({ value, refs: null });
      expect(resolvePayload(value, null, payload())).toEqual(value);
    }
  });
});
