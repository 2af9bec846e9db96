import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { set } from './set.js';
import { onlyObject, runNode } from './test-context.js';

describe('set', () => {
  it('keeps the input fields by default', () => {
    expect(set.config.parse({ fields: {} })).toEqual({ fields: {}, keepOnlySet: false });
  });

  it('adds and replaces fields on a new item, leaving the input untouched and sharing what it did not change', async () => {
    const input = { id: 7, status: 'new', customer: { name: 'Ada' } };
    const before = structuredClone(input);
    const out = await runNode(set, { fields: { status: 'paid', total: 12.5 } }, input);
    expect(out).toEqual({
      main: [{ id: 7, status: 'paid', total: 12.5, customer: { name: 'Ada' } }],
    });
    expect(input).toEqual(before);
    // items are values no node changes: an untouched part is the input's own object (stored once)
    expect(onlyObject(out)).not.toBe(input);
    expect(onlyObject(out).customer).toBe(input.customer);
  });

  it('sets a dotted path inside an existing object, copying only the objects on the path', async () => {
    const input = { customer: { name: 'Ada', address: { city: 'London' } }, lines: [{ sku: 'A' }] };
    const out = await runNode(set, { fields: { 'customer.address.zip': 'N1' } }, input);
    expect(out.main).toEqual([
      { customer: { name: 'Ada', address: { city: 'London', zip: 'N1' } }, lines: [{ sku: 'A' }] },
    ]);
    expect(input.customer.address).toEqual({ city: 'London' });
    expect(input.customer).toEqual({ name: 'Ada', address: { city: 'London' } });
    expect(onlyObject(out).lines).toBe(input.lines);
  });

  it('creates the objects on a dotted path and replaces non-objects in the way', async () => {
    const input = { tags: ['a'], note: 'x' };
    const out = await runNode(set, { fields: { 'a.b.c': 1, 'tags.first': 'a', 'note.text': 'x' } }, input);
    expect(out.main).toEqual([{ tags: { first: 'a' }, note: { text: 'x' }, a: { b: { c: 1 } } }]);
  });

  it('applies fields in order, so a later path overrides an earlier value', async () => {
    const out = await runNode(set, { fields: { a: 1, 'a.b': 2 } }, {});
    expect(out.main).toEqual([{ a: { b: 2 } }]);
  });

  it('outputs only the fields when keepOnlySet is on', async () => {
    const out = await runNode(set, { fields: { 'user.id': 3, ok: true }, keepOnlySet: true }, { id: 1 });
    expect(out.main).toEqual([{ user: { id: 3 }, ok: true }]);
  });

  it.each([null, 'text', 42, [1, 2]])('starts from an empty object when the input is %j', async (input) => {
    const out = await runNode(set, { fields: { x: 1 } }, input);
    expect(out.main).toEqual([{ x: 1 }]);
  });

  it('copies field values, so the output shares nothing with the config', async () => {
    const value = { nested: { n: 1 } };
    const out = await runNode(set, { fields: { v: value } }, {});
    value.nested.n = 2;
    expect(onlyObject(out).v).toEqual({ nested: { n: 1 } });
  });

  it('treats "__proto__" and "constructor" as ordinary field names without touching prototypes', async () => {
    const out = await runNode(set, { fields: { '__proto__.polluted': 1, 'constructor.x': 2 } }, {});
    const item = onlyObject(out);
    expect(Object.getPrototypeOf(item)).toBe(Object.prototype);
    expect(Object.hasOwn(item, '__proto__')).toBe(true);
    expect(JSON.stringify(item)).toBe('{"__proto__":{"polluted":1},"constructor":{"x":2}}');
    expect('polluted' in {}).toBe(false);
  });

  it.each(['', 'a..b', '.a', 'a.'])('refuses the field name %j', (name) => {
    expect(set.config.safeParse({ fields: { [name]: 1 } }).success).toBe(false);
  });

  it('keeps its JSON Schema for the editor', () => {
    expect(z.toJSONSchema(set.config, { io: 'input' })).toMatchSnapshot();
  });
});
