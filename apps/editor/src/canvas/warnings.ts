// Warnings: what does not stop a flow from publishing but is almost always a mistake. Today one: a node that
// no path from the trigger reaches never runs.
import type { FlowCanvasEdge, FlowCanvasNode } from './node-data';

/** Nodes that no chain of connections from the trigger reaches (they never run), in canvas order. */
export function unreachableNodes(
  nodes: readonly FlowCanvasNode[],
  edges: readonly FlowCanvasEdge[],
): FlowCanvasNode[] {
  const next = new Map<string, string[]>();
  for (const edge of edges) next.set(edge.source, [...(next.get(edge.source) ?? []), edge.target]);
  const reached = new Set<string>();
  const queue = nodes.filter((n) => n.type === 'trigger').map((n) => n.id);
  while (queue.length > 0) {
    const id = queue.pop() as string;
    if (reached.has(id)) continue;
    reached.add(id);
    queue.push(...(next.get(id) ?? []));
  }
  // without a trigger nothing runs, and the missing trigger is already a problem of its own
  if (reached.size === 0) return [];
  return nodes.filter((n) => !reached.has(n.id));
}

/** "“Notify” is not connected…" — one sentence for the problems list and the publish notice. */
export function unreachableWarning(nodes: readonly FlowCanvasNode[]): string | undefined {
  if (nodes.length === 0) return undefined;
  const names = nodes.map((n) => `“${n.data.name}”`);
  const list = names.length === 1 ? names[0] : `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;
  return `${list} ${nodes.length === 1 ? 'is' : 'are'} not connected to the trigger and will never run`;
}
