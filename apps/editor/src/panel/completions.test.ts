import { describe, expect, test } from 'vitest';
import { completionsOf, filterCompletions } from './completions';

describe('completions', () => {
  const all = completionsOf({
    json: { body: { plan: 'pro', 'user id': 7 }, items: [{ sku: 'a' }] },
    steps: { 'HTTP request': { output: { status: 200 } } },
  });

  test('lists the fields of $json, with array elements and odd names in back ticks', () => {
    const paths = all.map((c) => c.path);
    expect(paths).toContain('$json.body.plan');
    expect(paths).toContain('$json.body.`user id`');
    expect(paths).toContain('$json.items[0].sku');
    expect(paths).toContain('$steps.`HTTP request`.output.status');
  });

  test('describes values so people can pick the right one', () => {
    expect(all.find((c) => c.path === '$json.body.plan')?.detail).toBe('"pro"');
  });

  test('filters by prefix, nearest level first', () => {
    expect(filterCompletions(all, '$json.b').map((c) => c.path)).toEqual([
      '$json.body',
      '$json.body.plan',
      '$json.body.`user id`',
    ]);
  });

  test('always offers the roots, even before any run', () => {
    expect(completionsOf({}).map((c) => c.path)).toEqual([
      '$json',
      '$event',
      '$event.payload',
      '$steps',
      '$run',
      '$vars',
    ]);
  });

  test("offers the instance's variables by name, with their values", () => {
    const withVars = completionsOf({ vars: { CRM_URL: 'https://crm.example', MIN_TOTAL: '50' } });
    expect(filterCompletions(withVars, '$vars.').map((c) => [c.path, c.detail])).toEqual([
      ['$vars.CRM_URL', '"https://crm.example"'],
      ['$vars.MIN_TOTAL', '"50"'],
    ]);
  });
});
