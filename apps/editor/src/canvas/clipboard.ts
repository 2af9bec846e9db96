// Copy and paste of canvas selections (pure): pasted nodes get new ids and names, edges between them follow.
import { newEdgeId, newNodeId, uniqueName } from './definition';
import type { FlowCanvasEdge, FlowCanvasNode, Snapshot } from './node-data';

/** The selected nodes and the edges among them. */
export function copySelection(
  nodes: readonly FlowCanvasNode[],
  edges: readonly FlowCanvasEdge[],
): Snapshot | null {
  const picked = nodes.filter((n) => n.selected);
  if (picked.length === 0) return null;
  const ids = new Set(picked.map((n) => n.id));
  return {
    nodes: picked.map((n) => structuredClone({ ...n, selected: false })),
    edges: edges
      .filter((e) => ids.has(e.source) && ids.has(e.target))
      .map((e) => ({ ...e, selected: false })),
  };
}

/** The clipboard as new nodes (selected) and edges, shifted by `offset`. */
export function pasteSnapshot(
  clipboard: Snapshot,
  existing: readonly FlowCanvasNode[],
  offset: number,
): Snapshot {
  const names = existing.map((n) => n.data.name);
  const idMap = new Map<string, string>();
  const nodes = clipboard.nodes.map((node) => {
    const id = newNodeId(node.data.type);
    idMap.set(node.id, id);
    const name = uniqueName(node.data.name, names);
    names.push(name);
    const { measured: _measured, ...rest } = node;
    return {
      ...structuredClone(rest),
      id,
      selected: true,
      position: { x: node.position.x + offset, y: node.position.y + offset },
      data: { ...structuredClone(node.data), name },
    };
  });
  const edges = clipboard.edges.flatMap((edge) => {
    const source = idMap.get(edge.source);
    const target = idMap.get(edge.target);
    return source && target ? [{ ...edge, id: newEdgeId(), source, target, selected: false }] : [];
  });
  return { nodes, edges };
}
