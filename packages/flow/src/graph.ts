// Pure graph helpers over a flow definition: connections per node, the trigger, successors and cycles.
import type { FlowEdge, FlowNode } from './definition.js';
import { sourcePort, targetPort } from './definition.js';
import type { NodeCatalogue } from './node-contract.js';

/** An edge with its ports resolved (`main` where the edge names none). */
export interface Connection {
  edgeId: string;
  source: string;
  sourcePort: string;
  target: string;
  targetPort: string;
}

/** A flow's connections indexed by node id, in edge order; edges naming an unknown node are left out. */
export interface FlowGraph {
  /** Node ids in definition order. */
  nodeIds: readonly string[];
  incoming: ReadonlyMap<string, readonly Connection[]>;
  outgoing: ReadonlyMap<string, readonly Connection[]>;
}

/** The parts of a flow definition a graph is built from. */
export interface GraphSource {
  nodes: readonly Pick<FlowNode, 'id'>[];
  edges: readonly FlowEdge[];
}

/** Resolves an edge's ports. */
export function toConnection(edge: FlowEdge): Connection {
  return {
    edgeId: edge.id,
    source: edge.source,
    sourcePort: sourcePort(edge),
    target: edge.target,
    targetPort: targetPort(edge),
  };
}

/** Indexes a flow's edges by source and target node. */
export function buildGraph(flow: GraphSource): FlowGraph {
  const nodeIds = [...new Set(flow.nodes.map((n) => n.id))];
  const incoming = new Map<string, Connection[]>(nodeIds.map((id) => [id, []]));
  const outgoing = new Map<string, Connection[]>(nodeIds.map((id) => [id, []]));
  for (const edge of flow.edges) {
    const into = incoming.get(edge.target);
    const from = outgoing.get(edge.source);
    if (!into || !from) continue;
    const connection = toConnection(edge);
    into.push(connection);
    from.push(connection);
  }
  return { nodeIds, incoming, outgoing };
}

/** Connections arriving at a node. */
export function incomingConnections(graph: FlowGraph, nodeId: string): readonly Connection[] {
  return graph.incoming.get(nodeId) ?? [];
}

/** Connections leaving a node, optionally only those from one output port. */
export function outgoingConnections(graph: FlowGraph, nodeId: string, port?: string): readonly Connection[] {
  const all = graph.outgoing.get(nodeId) ?? [];
  return port === undefined ? all : all.filter((c) => c.sourcePort === port);
}

/** Ids of the nodes a node's output (optionally one port) leads to, each once, in edge order. */
export function successors(graph: FlowGraph, nodeId: string, port?: string): string[] {
  return [...new Set(outgoingConnections(graph, nodeId, port).map((c) => c.target))];
}

/** The trigger nodes of a flow (a valid flow has exactly one). */
export function findTriggers<N extends Pick<FlowNode, 'type'>>(
  flow: { nodes: readonly N[] },
  catalogue: NodeCatalogue,
): N[] {
  return flow.nodes.filter((n) => catalogue(n.type)?.category === 'trigger');
}

/**
 * Every cycle, one per strongly connected component, as node ids in edge order (the last leads back to
 * the first). Empty when the graph is acyclic. A self-loop is a cycle of one node.
 */
export function findCycles(graph: FlowGraph): string[][] {
  const loopsOnItself = (id: string): boolean => successors(graph, id).includes(id);
  return stronglyConnected(graph)
    .filter(([first, ...rest]) => rest.length > 0 || (first !== undefined && loopsOnItself(first)))
    .map((component) => cycleThrough(graph, component));
}

/** Tarjan's algorithm; components come out with their nodes in definition order. */
function stronglyConnected(graph: FlowGraph): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const components: string[][] = [];
  const order = new Map(graph.nodeIds.map((id, i) => [id, i]));

  const visit = (id: string): void => {
    const position = index.size;
    index.set(id, position);
    low.set(id, position);
    stack.push(id);
    onStack.add(id);
    for (const next of successors(graph, id)) {
      if (!index.has(next)) {
        visit(next);
        low.set(id, Math.min(low.get(id) ?? 0, low.get(next) ?? 0));
      } else if (onStack.has(next)) {
        low.set(id, Math.min(low.get(id) ?? 0, index.get(next) ?? 0));
      }
    }
    if (low.get(id) !== index.get(id)) return;
    const component: string[] = [];
    let member: string | undefined;
    do {
      member = stack.pop();
      if (member === undefined) break;
      onStack.delete(member);
      component.push(member);
    } while (member !== id);
    components.push(component.sort((a, b) => (order.get(a) ?? 0) - (order.get(b) ?? 0)));
  };

  for (const id of graph.nodeIds) if (!index.has(id)) visit(id);
  return components.sort((a, b) => (order.get(a[0] ?? '') ?? 0) - (order.get(b[0] ?? '') ?? 0));
}

/** The shortest cycle inside a component through its first node (breadth-first search back to it). */
function cycleThrough(graph: FlowGraph, component: readonly string[]): string[] {
  const start = component[0] ?? '';
  const inside = new Set(component);
  const parent = new Map<string, string>();
  const queue = [start];
  for (let i = 0; i < queue.length; i++) {
    const id = queue[i] ?? '';
    for (const next of successors(graph, id)) {
      if (next === start) {
        const path = [id];
        for (let at = parent.get(id); at !== undefined; at = parent.get(at)) path.push(at);
        return path.reverse();
      }
      if (inside.has(next) && !parent.has(next)) {
        parent.set(next, id);
        queue.push(next);
      }
    }
  }
  // unreachable for a strongly connected component; fall back to listing its members
  return [...component];
}
