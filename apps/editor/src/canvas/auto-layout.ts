// Auto-layout with dagre: left to right by dependency, keeping each node's measured size.
import { type EdgeLabel, Graph, type GraphLabel, layout, type NodeLabel } from '@dagrejs/dagre';
import type { FlowCanvasEdge, FlowCanvasNode } from './node-data';

const DEFAULT_WIDTH = 220;
const DEFAULT_HEIGHT = 72;

/** New positions for every node; edges keep their ports. */
export function autoLayout(
  nodes: readonly FlowCanvasNode[],
  edges: readonly FlowCanvasEdge[],
): FlowCanvasNode[] {
  const graph = new Graph<GraphLabel, NodeLabel, EdgeLabel>();
  graph.setGraph({ rankdir: 'LR', nodesep: 40, ranksep: 90, marginx: 20, marginy: 20 });
  graph.setDefaultEdgeLabel(() => ({}));
  for (const node of nodes) {
    graph.setNode(node.id, {
      width: node.measured?.width ?? DEFAULT_WIDTH,
      height: node.measured?.height ?? DEFAULT_HEIGHT,
    });
  }
  for (const edge of edges) graph.setEdge(edge.source, edge.target);
  layout(graph);
  return nodes.map((node) => {
    const box = graph.node(node.id);
    if (box?.x === undefined || box.y === undefined) return node;
    // dagre positions the centre; React Flow the top-left corner
    return { ...node, position: { x: box.x - box.width / 2, y: box.y - box.height / 2 } };
  });
}
