// Edge checks of flow validation: ids, endpoints, ports, self-loops, duplicates and cycles.
import type { FlowEdge } from './definition.js';
import type { Problem } from './errors.js';
import { buildGraph, findCycles, toConnection } from './graph.js';
import { formatPath } from './json-path.js';
import type { CheckedNode, Indexed } from './validate-nodes.js';

/** Checks every edge against the checked nodes and appends problems; `knownIds` also holds malformed nodes. */
export function checkEdges(
  edges: readonly Indexed<FlowEdge>[],
  nodes: ReadonlyMap<string, CheckedNode>,
  knownIds: ReadonlySet<unknown>,
  problems: Problem[],
): void {
  const edgeIds = new Map<string, number>();
  const joins = new Map<string, string>();
  for (const { index, value: edge } of edges) {
    const at = (...rest: PropertyKey[]): string => formatPath(['edges', index, ...rest]);
    const c = toConnection(edge);
    const firstIndex = edgeIds.get(edge.id);
    if (firstIndex === undefined) edgeIds.set(edge.id, index);
    else {
      const message = `edge id "${edge.id}" is already used by edges[${firstIndex}]`;
      problems.push({ path: at('id'), code: 'duplicate_edge_id', message });
    }
    for (const end of ['source', 'target'] as const) {
      if (!knownIds.has(c[end])) {
        const message = `edge ${end} "${c[end]}" is not a node of this flow`;
        problems.push({ path: at(end), code: 'unknown_node', message });
      }
    }
    if (c.source === c.target) {
      const message = `edge joins node "${c.source}" to itself`;
      problems.push({ path: at(), nodeId: c.source, code: 'self_loop', message });
    }

    const source = nodes.get(c.source);
    if (source?.outputs && !source.outputs.includes(c.sourcePort)) {
      problems.push({
        path: at('sourceHandle'),
        nodeId: c.source,
        code: 'unknown_port',
        message: `${describe(source)} has no output port "${c.sourcePort}"; its outputs are ${list(source.outputs)}`,
      });
    }
    const target = nodes.get(c.target);
    if (target?.contract?.category === 'trigger') {
      const message = `${describe(target)} is a trigger; nothing can lead into it`;
      problems.push({ path: at('target'), nodeId: c.target, code: 'edge_into_trigger', message });
    } else if (target?.contract && !target.contract.inputs.includes(c.targetPort)) {
      problems.push({
        path: at('targetHandle'),
        nodeId: c.target,
        code: 'unknown_port',
        message: `${describe(target)} has no input port "${c.targetPort}"; its inputs are ${list(target.contract.inputs)}`,
      });
    }

    const key = JSON.stringify([c.source, c.sourcePort, c.target, c.targetPort]);
    const sameJoin = joins.get(key);
    if (sameJoin === undefined) joins.set(key, edge.id);
    else {
      const message = `edge joins the same ports as edge "${sameJoin}"`;
      problems.push({ path: at(), code: 'duplicate_edge', message });
    }
  }

  // self-loops and edges into a trigger are reported above; leaving them out keeps one problem per mistake
  const intoTrigger = (e: FlowEdge): boolean => nodes.get(e.target)?.contract?.category === 'trigger';
  const graph = buildGraph({
    nodes: [...nodes.keys()].map((id) => ({ id })),
    edges: edges.map((e) => e.value).filter((e) => e.source !== e.target && !intoTrigger(e)),
  });
  for (const cycle of findCycles(graph)) {
    const names = [...cycle, cycle[0]].map((id) => {
      const node = id === undefined ? undefined : nodes.get(id);
      return node ? `"${node.node.name}"` : `"${id}"`;
    });
    problems.push({
      path: 'edges',
      ...(cycle[0] === undefined ? {} : { nodeId: cycle[0] }),
      code: 'cycle',
      message: `edges form a cycle ${names.join(' → ')}; flows must be acyclic (loop over items with a split node)`,
    });
  }
}

function describe(checked: CheckedNode): string {
  return `node "${checked.node.name}" (${checked.node.type})`;
}

function list(ports: readonly string[]): string {
  return ports.length === 0 ? 'none' : ports.map((p) => `"${p}"`).join(', ');
}
