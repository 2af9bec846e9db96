import { describe, expect, test } from 'vitest';
import type { NodeCatalogue } from '../api/node-types';
import type { NodeTypeInfo } from '../api/types';
import { checkConnection } from './connection-rules';
import type { FlowCanvasEdge, FlowCanvasNode } from './node-data';

function type(
  name: string,
  category: NodeTypeInfo['category'],
  inputs: string[],
  outputs: string[],
): NodeTypeInfo {
  return {
    type: name,
    version: 1,
    category,
    title: name,
    description: '',
    icon: 'box',
    inputs,
    outputs,
    dynamicOutputs: false,
    errorPort: category !== 'trigger',
    retry: { attempts: 3, backoff: 'exponential', delayMs: 1000, maxDelayMs: 60000, jitter: true },
    secretFields: [],
    credentialTypes: [],
    outputDescription: null,
    configSchema: {},
    traits: {
      pure: false,
      join: false,
      split: false,
      dynamicOutputs: false,
      waitsForEvent: false,
      callsFlow: false,
      trigger: category === 'trigger' ? 'webhook' : null,
    },
  };
}

const catalogue: NodeCatalogue = new Map([
  ['trigger.webhook', type('trigger.webhook', 'trigger', [], ['main'])],
  ['logic.if', type('logic.if', 'logic', ['main'], ['true', 'false'])],
  ['action.http', type('action.http', 'action', ['main'], ['main'])],
]);

function node(id: string, nodeType: string): FlowCanvasNode {
  return { id, type: 'action', position: { x: 0, y: 0 }, data: { type: nodeType, name: id, config: {} } };
}

const nodes = [
  node('hook', 'trigger.webhook'),
  node('if', 'logic.if'),
  node('a', 'action.http'),
  node('b', 'action.http'),
];
const edges: FlowCanvasEdge[] = [
  { id: 'e1', source: 'hook', sourceHandle: 'main', target: 'if', targetHandle: 'main' },
  { id: 'e2', source: 'if', sourceHandle: 'true', target: 'a', targetHandle: 'main' },
];
const link = (source: string, sourceHandle: string, target: string) => ({
  source,
  sourceHandle,
  target,
  targetHandle: 'main',
});

describe('checkConnection', () => {
  test('accepts an output port into a free input', () => {
    expect(checkConnection(link('if', 'false', 'b'), nodes, edges, catalogue)).toEqual({ ok: true });
  });

  test('refuses the same connection twice, naming both nodes', () => {
    const verdict = checkConnection(link('hook', 'main', 'if'), nodes, edges, catalogue);
    expect(verdict).toEqual({ ok: false, reason: '“hook” (main) is already connected to “if”.' });
  });

  test('refuses edges into a trigger and onto the node itself', () => {
    expect(checkConnection(link('a', 'main', 'hook'), nodes, edges, catalogue).ok).toBe(false);
    expect(checkConnection(link('a', 'main', 'a'), nodes, edges, catalogue)).toEqual({
      ok: false,
      reason: 'A node cannot connect to itself.',
    });
  });

  test('refuses a port the node does not have', () => {
    const verdict = checkConnection(link('if', 'maybe', 'b'), nodes, edges, catalogue);
    expect(verdict).toEqual({ ok: false, reason: '“if” has no output port “maybe”.' });
  });

  test('refuses a connection that closes a loop', () => {
    const verdict = checkConnection(link('a', 'main', 'if'), nodes, edges, catalogue);
    expect(verdict.ok).toBe(false);
    expect(verdict.ok ? '' : verdict.reason).toContain('loop');
  });

  test('accepts the error port of a node that can fail', () => {
    expect(checkConnection(link('a', 'error', 'b'), nodes, edges, catalogue)).toEqual({ ok: true });
  });

  test('a node with a channel tag has a capped port, unless it waits at the cap', () => {
    const tagged = (onCap?: 'port' | 'wait'): FlowCanvasNode[] =>
      nodes.map((n) => (n.id === 'a' ? { ...n, data: { ...n.data, channel: 'email', onCap } } : n));
    expect(checkConnection(link('a', 'capped', 'b'), tagged(), edges, catalogue)).toEqual({ ok: true });
    expect(checkConnection(link('a', 'capped', 'b'), tagged('wait'), edges, catalogue)).toEqual({
      ok: false,
      reason: '“a” has no output port “capped”.',
    });
    expect(checkConnection(link('a', 'capped', 'b'), nodes, edges, catalogue).ok).toBe(false);
  });
});
