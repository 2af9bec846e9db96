// The fast path against jsonata itself: every expression below on every scope built from the values below —
// wherever the fast path answers, it must answer exactly what jsonata answers on the scope's JSON copy, and
// where jsonata fails it must not answer.
import jsonata from 'jsonata';
import { describe, expect, it } from 'vitest';
import { evaluateTemplate } from './expressions.js';
import { compileFast, NOT_FAST } from './fast-expressions.js';

const TAKEN = [
  "$json.body.plan = 'pro' ? 'gold' : 'basic'",
  "$json.tier = 'gold'",
  '$json.tier != "gold"',
  'body.plan',
  '$.tier',
  '$json',
  '$json.body',
  '$event.body.plan',
  '$json.a.b.c',
  '$json.n > 2',
  '$json.n >= 2',
  '$json.n < 2',
  '$json.n <= $json.m',
  '$json.tier < "m"',
  '$json.n = 2 and $json.tier = "gold"',
  '$json.flag or $json.n',
  '$json.flag and $json.tier',
  '$json.tier ? 1 : 0',
  '$json.flag ? $json.body : null',
  '$json.n = 0 ? true : false',
  '$json.missing = null',
  '$json.missing != 1',
  'tier',
  '"text"',
  '42',
  'true',
  'null',
  '$json.n = $json.m',
  '$json.body = $json.body',
  '$json.constructor',
  '$json.body.toString = null',
  '$json.tier.length',
  '$json.flag ? "y"',
  // taken when compiled, declined when the path meets an array
  '$json.items.name',
  '$json.body.b.c = 3',
];

const NOT_TAKEN = [
  '$json.items[0]',
  '$count($json.items)',
  '$json.n + 1',
  '$json.tier & "x"',
  '($json.n = 1)',
  '-$json.n',
  '$json.*',
  '$json.__proto__',
  '$json.tier in ["a"]',
];

const VALUES: unknown[] = [
  undefined,
  null,
  true,
  false,
  0,
  1,
  2,
  -2.5,
  '',
  'gold',
  'pro',
  'a',
  [],
  ['pro'],
  [{ name: 'x' }],
  {},
  { plan: 'pro' },
  { plan: 'free', b: { c: 3 } },
  { b: { c: [1] } },
];

/** Scopes: each field of the item takes each value in turn (missing when undefined). */
function* scopes(): Generator<Record<string, unknown>> {
  const fields = ['body', 'tier', 'n', 'm', 'flag', 'a', 'items'];
  for (const field of fields) {
    for (const value of VALUES) {
      const json: Record<string, unknown> = { body: { plan: 'pro' }, tier: 'gold', n: 2, m: 3, flag: true };
      if (value === undefined) delete json[field];
      else json[field] = value;
      yield { json, event: { body: json.body }, run: { id: 'r' } };
    }
  }
  // the input itself not an object
  for (const value of VALUES) yield { json: value, event: null };
}

async function byJsonata(expression: string, scope: Record<string, unknown>) {
  const copy = JSON.parse(JSON.stringify(scope)) as Record<string, unknown>;
  try {
    return { value: await jsonata(expression).evaluate(copy.json, copy) };
  } catch (err) {
    return { error: err };
  }
}

describe('fast expressions', () => {
  it('take the common shapes and leave the rest to jsonata', () => {
    for (const expression of TAKEN) expect(compileFast(jsonata(expression).ast()), expression).toBeDefined();
    for (const expression of NOT_TAKEN)
      expect(compileFast(jsonata(expression).ast()), expression).toBeUndefined();
  });

  it('answer exactly what jsonata answers, or not at all', async () => {
    let answered = 0;
    let declined = 0;
    for (const expression of TAKEN) {
      const fast = compileFast(jsonata(expression).ast());
      if (!fast) throw new Error(`not taken: ${expression}`);
      for (const scope of scopes()) {
        const mine = fast(scope);
        const theirs = await byJsonata(expression, scope);
        if (mine === NOT_FAST) {
          declined++;
          continue;
        }
        answered++;
        expect(theirs.error, `${expression} on ${JSON.stringify(scope)}`).toBeUndefined();
        // the result as the engine keeps it: through JSON (jsonata's own sequences and flags left out)
        expect(JSON.stringify(mine) ?? 'undefined', `${expression} on ${JSON.stringify(scope)}`).toBe(
          JSON.stringify(theirs.value) ?? 'undefined',
        );
      }
    }
    // both halves are exercised: most evaluations answered, the odd data declined
    expect(answered).toBeGreaterThan(declined);
    expect(declined).toBeGreaterThan(0);
  });

  it('decline values the JSON copy would change', () => {
    const fast = compileFast(jsonata('$json.v').ast());
    if (!fast) throw new Error('not taken');
    for (const v of [
      new Date(0),
      Number.NaN,
      Number.POSITIVE_INFINITY,
      () => 1,
      10n,
      new Map(),
      { toJSON: () => 1 },
    ])
      expect(fast({ json: { v } })).toBe(NOT_FAST);
    // a variable the scope does not hold is jsonata's (its functions, its own bindings)
    const unknown = compileFast(jsonata('$string').ast());
    expect(unknown?.({ json: {} })).toBe(NOT_FAST);
  });

  it('give the same results through evaluateTemplate, answered fast or by jsonata', async () => {
    const scope = { json: { body: { plan: 'pro' }, items: [{ name: 'a' }, { name: 'b' }] } };
    expect(await evaluateTemplate("{{ $json.body.plan = 'pro' ? 'gold' : 'basic' }}", scope)).toBe('gold');
    // an array on the path: jsonata maps over it
    expect(await evaluateTemplate('{{ $json.items.name }}', scope)).toEqual(['a', 'b']);
    expect(await evaluateTemplate('plan: {{ $json.body.plan }}', scope)).toBe('plan: pro');
    // an object result is a copy, not the scope's own object
    const body = await evaluateTemplate('{{ $json.body }}', scope);
    expect(body).toEqual({ plan: 'pro' });
    expect(body).not.toBe(scope.json.body);
  });
});
