import { describe, expect, test } from 'vitest';
import type { FlowCanvasEdge, FlowCanvasNode } from './node-data';
import { unreachableNodes, unreachableWarning } from './warnings';

function node(id: string, type: 'trigger' | 'logic' | 'action', name = id): FlowCanvasNode {
  return { id, type, position: { x: 0, y: 0 }, data: { type: `x.${id}`, name, config: {} } };
}
const edge = (source: string, target: string): FlowCanvasEdge => ({
  id: `${source}-${target}`,
  source,
  target,
});

describe('unconnected nodes', () => {
  test('finds nodes no path from the trigger reaches, also behind other unreached nodes', () => {
    const nodes = [
      node('t', 'trigger'),
      node('a', 'logic'),
      node('b', 'action', 'Notify'),
      node('c', 'action'),
    ];
    const edges = [edge('t', 'a'), edge('b', 'c')];
    expect(unreachableNodes(nodes, edges).map((n) => n.id)).toEqual(['b', 'c']);
    expect(unreachableWarning(unreachableNodes(nodes, edges))).toBe(
      '“Notify” and “c” are not connected to the trigger and will never run',
    );
  });

  test('a fully connected flow, and a flow without a trigger, have no such warning', () => {
    expect(unreachableNodes([node('t', 'trigger'), node('a', 'logic')], [edge('t', 'a')])).toEqual([]);
    expect(unreachableNodes([node('a', 'logic')], [])).toEqual([]);
    expect(unreachableWarning([])).toBeUndefined();
  });
});
