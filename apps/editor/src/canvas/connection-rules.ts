// Which connections the canvas accepts, and a reason people can read when it refuses one.
import type { Connection } from '@xyflow/react';
import type { NodeCatalogue } from '../api/node-types';
import type { FlowCanvasEdge, FlowCanvasNode } from './node-data';
import { DEFAULT_PORT, portsOf } from './ports';

export type ConnectionCheck = { ok: true } | { ok: false; reason: string };

function reachable(from: string, to: string, edges: readonly FlowCanvasEdge[]): boolean {
  const next = new Map<string, string[]>();
  for (const edge of edges) next.set(edge.source, [...(next.get(edge.source) ?? []), edge.target]);
  const seen = new Set<string>();
  const stack = [from];
  while (stack.length > 0) {
    const id = stack.pop();
    if (id === undefined || seen.has(id)) continue;
    if (id === to) return true;
    seen.add(id);
    stack.push(...(next.get(id) ?? []));
  }
  return false;
}

/** Checks a proposed edge against ports, duplicates and cycles. */
export function checkConnection(
  connection: Connection,
  nodes: readonly FlowCanvasNode[],
  edges: readonly FlowCanvasEdge[],
  catalogue: NodeCatalogue,
): ConnectionCheck {
  const source = nodes.find((n) => n.id === connection.source);
  const target = nodes.find((n) => n.id === connection.target);
  if (!source || !target) return { ok: false, reason: 'Both ends must be nodes on the canvas.' };
  if (source.id === target.id) return { ok: false, reason: 'A node cannot connect to itself.' };
  const targetPorts = portsOf(catalogue.get(target.data.type), target.data);
  if (targetPorts.inputs.length === 0) {
    return { ok: false, reason: `“${target.data.name}” is a trigger: nothing can connect into it.` };
  }
  const sourceHandle = connection.sourceHandle ?? DEFAULT_PORT;
  const targetHandle = connection.targetHandle ?? DEFAULT_PORT;
  const sourcePorts = portsOf(catalogue.get(source.data.type), source.data);
  if (!sourcePorts.outputs.includes(sourceHandle)) {
    return { ok: false, reason: `“${source.data.name}” has no output port “${sourceHandle}”.` };
  }
  if (!targetPorts.inputs.includes(targetHandle)) {
    return { ok: false, reason: `“${target.data.name}” has no input port “${targetHandle}”.` };
  }
  const duplicate = edges.some(
    (e) =>
      e.source === source.id &&
      e.target === target.id &&
      (e.sourceHandle ?? DEFAULT_PORT) === sourceHandle &&
      (e.targetHandle ?? DEFAULT_PORT) === targetHandle,
  );
  if (duplicate) {
    return {
      ok: false,
      reason: `“${source.data.name}” (${sourceHandle}) is already connected to “${target.data.name}”.`,
    };
  }
  if (reachable(target.id, source.id, edges)) {
    return {
      ok: false,
      reason: 'That connection would make a loop. Flows cannot loop; use Split (for each) to repeat steps.',
    };
  }
  return { ok: true };
}
