import { describe, expect, test } from 'vitest';
import type { FlowEdge } from './definition.js';
import {
  buildGraph,
  findCycles,
  findTriggers,
  incomingConnections,
  outgoingConnections,
  successors,
} from './graph.js';
import { testCatalogue } from './test-catalogue.js';

const nodes = (...ids: string[]) => ids.map((id) => ({ id }));
const edge = (id: string, source: string, target: string, sourceHandle?: string): FlowEdge => ({
  id,
  source,
  target,
  sourceHandle,
});

describe('buildGraph', () => {
  test('indexes connections by node with ports defaulting to main', () => {
    const graph = buildGraph({ nodes: nodes('a', 'b'), edges: [edge('e1', 'a', 'b')] });
    const expected = { edgeId: 'e1', source: 'a', sourcePort: 'main', target: 'b', targetPort: 'main' };
    expect(outgoingConnections(graph, 'a')).toEqual([expected]);
    expect(incomingConnections(graph, 'b')).toEqual([expected]);
    expect(incomingConnections(graph, 'a')).toEqual([]);
  });

  test('leaves out edges that name an unknown node', () => {
    const graph = buildGraph({ nodes: nodes('a'), edges: [edge('e1', 'a', 'ghost')] });
    expect(outgoingConnections(graph, 'a')).toEqual([]);
  });
});

describe('successors', () => {
  test('lists targets once each, optionally from one port', () => {
    const graph = buildGraph({
      nodes: nodes('if', 'yes', 'no'),
      edges: [
        edge('e1', 'if', 'yes', 'true'),
        edge('e2', 'if', 'no', 'false'),
        edge('e3', 'if', 'yes', 'false'),
      ],
    });
    expect(successors(graph, 'if')).toEqual(['yes', 'no']);
    expect(successors(graph, 'if', 'true')).toEqual(['yes']);
    expect(successors(graph, 'if', 'false')).toEqual(['no', 'yes']);
  });
});

describe('findTriggers', () => {
  test('finds nodes whose type is in the trigger category', () => {
    const flowNodes = [
      { id: 'a', type: 'http' },
      { id: 'b', type: 'manual' },
      { id: 'c', type: 'nope' },
    ];
    expect(findTriggers({ nodes: flowNodes }, testCatalogue)).toEqual([{ id: 'b', type: 'manual' }]);
  });
});

describe('findCycles', () => {
  test('finds none in a diamond', () => {
    const graph = buildGraph({
      nodes: nodes('a', 'b', 'c', 'd'),
      edges: [edge('1', 'a', 'b'), edge('2', 'a', 'c'), edge('3', 'b', 'd'), edge('4', 'c', 'd')],
    });
    expect(findCycles(graph)).toEqual([]);
  });

  test('returns the nodes of each cycle in edge order', () => {
    const graph = buildGraph({
      nodes: nodes('t', 'a', 'b', 'c', 'x', 'y'),
      edges: [
        edge('1', 't', 'a'),
        edge('2', 'a', 'b'),
        edge('3', 'b', 'c'),
        edge('4', 'c', 'a'),
        edge('5', 'x', 'y'),
        edge('6', 'y', 'x'),
      ],
    });
    expect(findCycles(graph)).toEqual([
      ['a', 'b', 'c'],
      ['x', 'y'],
    ]);
  });

  test('counts a self-loop as a cycle of one node', () => {
    const graph = buildGraph({ nodes: nodes('a'), edges: [edge('1', 'a', 'a')] });
    expect(findCycles(graph)).toEqual([['a']]);
  });
});
