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

  test('an item that adds a field beside every field of the payload is stored as that field and one reference', () => {
    const p = payload();
    const item = { ...p, tier: 'gold' };
    const { referred, text, back } = roundTrip({ main: [item] }, new PayloadIndex(p), p);
    expect(referred.refs).toEqual([[['main', 0], [], 'fields']]);
    expect(referred.value).toEqual({ main: [{ tier: 'gold' }] });
    expect(text).not.toContain('a@example.com');
    expect(text).not.toContain('POST');
    expect(back).toEqual({ main: [item] });
    // the value given is left as it was
    expect(item).toEqual({ ...payload(), tier: 'gold' });
    expect(item.body).toBe(p.body);
  });

  test('a flat message with fields added (a tracking item after a set) keeps only those, at any depth', () => {
    const message = {
      type: 'track',
      event: 'Checkout Started',
      userId: 'user-1',
      messageId: 'm-1',
      properties: { plan: 'pro', total: 42.5 },
      context: { library: { name: 'analytics-node' } },
    };
    const tagged = { ...message, tier: 'gold' };
    const nested = { ...message, properties: { ...message.properties, coupon: 'X' } };
    const value = { tagged, nested, input: tagged };
    const { referred, text, back } = roundTrip(value, new PayloadIndex(message), message);
    expect(referred.refs).toEqual([
      [['tagged'], [], 'fields'],
      [['nested'], [], 'fields'],
      [['nested', 'properties'], ['properties'], 'fields'],
      [['input'], [], 'fields'],
    ]);
    expect(referred.value).toEqual({
      tagged: { tier: 'gold' },
      nested: { properties: { coupon: 'X' } },
      input: { tier: 'gold' },
    });
    expect(text).not.toContain('Checkout Started');
    expect(text).not.toContain('analytics-node');
    expect(back).toEqual(value);
  });

  test('read back, an object taking the payload fields has its keys in the order Postgres keeps them', () => {
    const p = { zeta: 1, id: 'x', b: 'é', ä: 2, aa: 3 };
    const { back } = roundTrip({ ...p, c: 4, ab: 5 }, new PayloadIndex(p), p);
    // by length in UTF-8 bytes, then bytewise: "ä" is two bytes, after "b" and "c" and beside "aa", "ab", "id"
    expect(Object.keys(back as object)).toEqual(['b', 'c', 'aa', 'ab', 'id', 'ä', 'zeta']);
  });

  test('a changed field is stored beside the reference, and read back over the payload one', () => {
    const p = payload();
    const item = { ...p, method: 'GET' };
    const { referred, back } = roundTrip(item, new PayloadIndex(p), p);
    expect(referred.value).toEqual({ method: 'GET' });
    expect(referred.refs).toEqual([[[], [], 'fields']]);
    expect(back).toEqual(item);
  });

  test('an object without one of the payload fields, or with too few the same, has its parts referred to one by one', () => {
    const p = payload();
    for (const item of [
      { body: p.body, headers: p.headers, query: p.query, tier: 'gold' },
      { body: p.body, headers: { changed: true }, query: {}, method: 'GET' },
    ]) {
      const { referred, back } = roundTrip({ main: [item] }, new PayloadIndex(p), p);
      expect(referred.refs?.some((ref) => ref.length === 3)).toBe(false);
      expect(referred.refs).toEqual(expect.arrayContaining([[['main', 0, 'body'], ['body']]]));
      expect(back).toEqual({ main: [item] });
    }
  });

  test('an item that adds a field beside the untouched body and headers refers to both', () => {
    const p = payload();
    const item = { body: p.body, headers: p.headers, tier: 'gold' };
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
