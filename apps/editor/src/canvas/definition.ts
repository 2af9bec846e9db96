// Converts between a saved flow definition and the canvas's nodes and edges.
import type { NodeCatalogue } from '../api/node-types';
import type { FlowDefinition, FlowEdgeDef, FlowNodeDef } from '../api/types';
import type { FlowCanvasEdge, FlowCanvasNode, FlowMeta, NodeData, NodeKind } from './node-data';
import { DEFAULT_PORT } from './ports';

/** The component kind for a node type; unknown types render as actions. */
export function kindOf(type: string, catalogue: NodeCatalogue): NodeKind {
  return catalogue.get(type)?.category ?? 'action';
}

function dataOf(node: FlowNodeDef): NodeData {
  const data: NodeData = { type: node.type, name: node.name, config: node.config ?? {} };
  if (node.typeVersion !== undefined) data.typeVersion = node.typeVersion;
  if (node.retry !== undefined) data.retry = node.retry;
  if (node.timeoutMs !== undefined) data.timeoutMs = node.timeoutMs;
  if (node.disabled !== undefined) data.disabled = node.disabled;
  if (node.notes !== undefined) data.notes = node.notes;
  if (node.channel !== undefined) data.channel = node.channel;
  if (node.onCap !== undefined) data.onCap = node.onCap;
  return data;
}

/** A definition as canvas state. */
export function fromDefinition(
  def: FlowDefinition,
  catalogue: NodeCatalogue,
): { meta: FlowMeta; nodes: FlowCanvasNode[]; edges: FlowCanvasEdge[] } {
  const nodes: FlowCanvasNode[] = def.nodes.map((node) => ({
    id: node.id,
    type: kindOf(node.type, catalogue),
    position: { x: node.position?.x ?? 0, y: node.position?.y ?? 0 },
    data: dataOf(node),
  }));
  const edges: FlowCanvasEdge[] = (def.edges ?? []).map((edge) => ({
    id: edge.id,
    source: edge.source,
    target: edge.target,
    sourceHandle: edge.sourceHandle ?? DEFAULT_PORT,
    targetHandle: edge.targetHandle ?? DEFAULT_PORT,
  }));
  return {
    meta: {
      name: def.name,
      slug: def.slug,
      description: def.description ?? '',
      settings: def.settings ?? {},
    },
    nodes,
    edges,
  };
}

function nodeOf(node: FlowCanvasNode): FlowNodeDef {
  const { type, typeVersion, name, config, retry, timeoutMs, disabled, notes, channel, onCap } = node.data;
  const out: FlowNodeDef = {
    id: node.id,
    type,
    name,
    config,
    position: { x: Math.round(node.position.x), y: Math.round(node.position.y) },
  };
  if (typeVersion !== undefined) out.typeVersion = typeVersion;
  if (retry !== undefined && Object.keys(retry).length > 0) out.retry = retry;
  if (timeoutMs !== undefined) out.timeoutMs = timeoutMs;
  if (disabled) out.disabled = true;
  if (notes) out.notes = notes;
  if (channel) out.channel = channel;
  if (channel && onCap) out.onCap = onCap;
  return out;
}

function edgeOf(edge: FlowCanvasEdge): FlowEdgeDef {
  return {
    id: edge.id,
    source: edge.source,
    sourceHandle: edge.sourceHandle ?? DEFAULT_PORT,
    target: edge.target,
    targetHandle: edge.targetHandle ?? DEFAULT_PORT,
  };
}

/** Canvas state as the definition the API saves. */
export function toDefinition(
  meta: FlowMeta,
  nodes: readonly FlowCanvasNode[],
  edges: readonly FlowCanvasEdge[],
): FlowDefinition {
  return {
    name: meta.name,
    slug: meta.slug,
    description: meta.description,
    settings: meta.settings,
    nodes: nodes.map(nodeOf),
    edges: edges.map(edgeOf),
  };
}

const ID_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

function randomSuffix(length = 6): string {
  const bytes = crypto.getRandomValues(new Uint8Array(length));
  return Array.from(bytes, (b) => ID_ALPHABET[b % ID_ALPHABET.length]).join('');
}

/** A fresh node id from its type, e.g. `http_k3v9qa` (ids may use letters, digits, "_" and "-"). */
export function newNodeId(type: string): string {
  const base = (type.split('.').pop() ?? 'node').replace(/[^A-Za-z0-9]/g, '');
  return `${base || 'node'}_${randomSuffix()}`;
}

/** A fresh edge id. */
export function newEdgeId(): string {
  return `e_${randomSuffix(8)}`;
}

/** `base`, or `base 2`, `base 3`… — node names are unique inside a flow (expressions use them). */
export function uniqueName(base: string, taken: Iterable<string>): string {
  const names = new Set(taken);
  if (!names.has(base)) return base;
  for (let n = 2; ; n++) {
    const candidate = `${base} ${n}`;
    if (!names.has(candidate)) return candidate;
  }
}
