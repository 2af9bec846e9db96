import { describe, expect, test } from 'vitest';
import { z } from 'zod';
import { fieldLabel, humanize } from './labels.js';
import type { NodeCatalogue, NodeTypeContract } from './node-contract.js';
import { validateFlow } from './validate.js';

const formConfig = z.strictObject({
  path: z.string().min(1).describe('Path the trigger listens on, e.g. "orders/created"'),
  url: z.url().optional(),
  email: z.email().optional(),
  retries: z.number().int().min(1).max(10).optional(),
  method: z.enum(['GET', 'POST', 'PUT']).optional(),
  tags: z.array(z.string().max(5)).min(1).optional(),
  code: z
    .string()
    .regex(/^[A-Z]{3}$/, 'use three capital letters, e.g. EUR')
    .optional(),
  auth: z
    .discriminatedUnion('type', [
      z.strictObject({ type: z.literal('none') }),
      z.strictObject({ type: z.literal('header'), token: z.string() }),
    ])
    .optional(),
});

const types: NodeTypeContract[] = [
  {
    type: 'form',
    category: 'trigger',
    inputs: [],
    outputs: () => ['main'],
    canFail: false,
    config: formConfig,
  },
];
const catalogue: NodeCatalogue = (type) => types.find((t) => t.type === type);

function messages(nodes: unknown[], extra: Record<string, unknown> = {}): Record<string, string> {
  const result = validateFlow({ name: 'Orders', slug: 'orders', nodes, edges: [], ...extra }, catalogue);
  if (result.ok) throw new Error('expected problems');
  return Object.fromEntries(result.problems.map((p) => [p.path, p.message]));
}

describe('validation problems in plain words', () => {
  test('a missing field names the node and the field, with the example from its description', () => {
    expect(messages([{ id: 'hook', type: 'form', name: 'Webhook', config: {} }])).toEqual({
      'nodes[0].config.path': 'Webhook → Path: enter a path such as orders/created',
    });
  });

  test('each kind of problem says what to do, never what the schema expected', () => {
    const found = messages([
      {
        id: 'hook',
        type: 'form',
        name: 'Order form',
        config: {
          path: '',
          url: 'not a url',
          email: 'nobody',
          retries: 2.5,
          method: 'FETCH',
          tags: ['toolong'],
          code: 'eur',
          auth: { type: 'token' },
          colour: 'red',
        },
      },
    ]);
    expect(found).toEqual({
      'nodes[0].config': 'Order form: remove the unknown field "colour"',
      // an empty string is reported by its length check, which does not know the field's description
      'nodes[0].config.path': 'Order form → Path: enter a path',
      'nodes[0].config.url': 'Order form → URL: enter a full URL such as https://api.example.com/orders',
      'nodes[0].config.email': 'Order form → Email: enter an e-mail address such as ada@example.com',
      'nodes[0].config.retries': 'Order form → Retries: enter a whole number, not a fraction',
      'nodes[0].config.method': 'Order form → Method: choose one of "GET", "POST" or "PUT"',
      'nodes[0].config.tags[0]': 'Order form → Tags → item 1: use at most 5 characters',
      // a message written on the schema itself wins
      'nodes[0].config.code': 'Order form → Code: use three capital letters, e.g. EUR',
      'nodes[0].config.auth.type': 'Order form → Auth → Type: choose one of "none" or "header"',
    });
    for (const message of Object.values(found)) {
      expect(message).not.toMatch(/expected|received|nonoptional|Invalid|\bnodes\[/);
    }
  });

  test('numbers out of range and wrong kinds of value', () => {
    expect(
      messages([{ id: 'hook', type: 'form', name: 'Hook', config: { path: 'a', retries: 0, tags: [] } }]),
    ).toEqual({
      'nodes[0].config.retries': 'Hook → Retries: use 1 or more',
      'nodes[0].config.tags': 'Hook → Tags: add at least one entry',
    });
    expect(messages([{ id: 'hook', type: 'form', name: 'Hook', config: { path: 7, retries: 11 } }])).toEqual({
      'nodes[0].config.path': 'Hook → Path: enter text, not a whole number',
      'nodes[0].config.retries': 'Hook → Retries: use 10 or less',
    });
  });

  test('problems of a node without a name, of the flow, its settings and its connections', () => {
    const found = messages(
      [
        { id: 'a', type: 'form', name: 'Hook', config: { path: 'a' } },
        { id: 'b', type: 'form', name: '', config: { path: 'b' }, retry: { attempts: 0 } },
      ],
      { slug: '', settings: { retentionDays: 0 }, edges: [{ id: 'e1', source: 'a' }] },
    );
    expect(found).toMatchObject({
      slug: 'Flow → Slug: use lower-case letters, digits and single dashes',
      'nodes[1].name': 'Node 2 → Name: enter a name',
      'nodes[1].retry.attempts': 'Node 2 → Retry → Attempts: use 1 or more',
      'settings.retentionDays': 'Flow settings → Retention days: use 1 or more',
      'edges[0].target': 'Connection 1 → Target: enter a target',
    });
  });

  test('a second trigger and a duplicate id are named by the nodes’ names, not their indexes', () => {
    const found = messages([
      { id: 'a', type: 'form', name: 'First', config: { path: 'a' } },
      { id: 'a', type: 'form', name: 'Second', config: { path: 'b' } },
    ]);
    expect(found).toMatchObject({
      'nodes[1].id': 'Second: its id "a" is already used by node "First"',
      'nodes[1]': 'Second: a flow has exactly one trigger, and "First" is already the trigger',
    });
  });
});

describe('field labels', () => {
  test('keys become words, acronyms stay acronyms, and list items count from one', () => {
    expect(humanize('timeoutMs')).toBe('Timeout (ms)');
    expect(humanize('sendIdempotencyKey')).toBe('Send idempotency key');
    expect(fieldLabel(['headers', 2, 'url'])).toBe('Headers → item 3 → URL');
  });
});

describe('missing values of every kind', () => {
  const kinds = z.strictObject({
    fields: z.record(z.string(), z.string()),
    headers: z.array(z.string()),
    event: z.union([z.string(), z.array(z.string())]),
    status: z.string(),
  });
  const kindsCatalogue: NodeCatalogue = (type) =>
    type === 'kinds'
      ? { type, category: 'trigger', inputs: [], outputs: () => ['main'], canFail: false, config: kinds }
      : undefined;

  test('groups are filled in, lists get entries, plural names take no article', () => {
    const result = validateFlow(
      { name: 'K', slug: 'k', nodes: [{ id: 'k', type: 'kinds', name: 'Set', config: {} }], edges: [] },
      kindsCatalogue,
    );
    expect(result.ok ? [] : result.problems.map((p) => p.message)).toEqual([
      'Set → Fields: fill in the fields',
      'Set → Headers: add at least one entry',
      'Set → Event: enter an event',
      'Set → Status: enter a status',
    ]);
  });
});
