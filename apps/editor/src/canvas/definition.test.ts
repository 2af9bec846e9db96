import { describe, expect, test } from 'vitest';
import type { FlowDefinition } from '../api/types';
import { fromDefinition, newNodeId, toDefinition, uniqueName } from './definition';

const definition: FlowDefinition = {
  name: 'Signups',
  slug: 'signups',
  description: 'd',
  settings: { concurrency: 2 },
  nodes: [
    { id: 'hook', type: 'trigger.webhook', name: 'Hook', config: { path: 's' }, position: { x: 0, y: 10 } },
    {
      id: 'call',
      type: 'action.http',
      name: 'Call',
      config: { url: 'https://x' },
      retry: { attempts: 2 },
      timeoutMs: 500,
      disabled: true,
      notes: 'n',
      channel: 'email',
      onCap: 'wait',
      position: { x: 300, y: 10 },
    },
  ],
  edges: [{ id: 'e1', source: 'hook', sourceHandle: 'main', target: 'call', targetHandle: 'main' }],
};

describe('definition ⇄ canvas', () => {
  test('a definition survives the round trip through canvas state unchanged', () => {
    const { meta, nodes, edges } = fromDefinition(definition, new Map());
    expect(toDefinition(meta, nodes, edges)).toEqual(definition);
  });

  test('edges without ports get the main port', () => {
    const { edges } = fromDefinition(
      { ...definition, edges: [{ id: 'e', source: 'hook', target: 'call' }] },
      new Map(),
    );
    expect(edges[0]).toMatchObject({ sourceHandle: 'main', targetHandle: 'main' });
  });

  test('new node ids are valid identifiers and names stay unique', () => {
    expect(newNodeId('action.http')).toMatch(/^http_[a-z0-9]{6}$/);
    expect(uniqueName('Call', ['Call', 'Call 2'])).toBe('Call 3');
    expect(uniqueName('Other', ['Call'])).toBe('Other');
  });
});
