// The canvas's node and edge types: node.data is exactly the saved node minus id and position.
import type { Edge, Node } from '@xyflow/react';
import type { NodeCategory, RetryPolicyInput } from '../api/types';

/** What a node saves: serialisable config only (run status and problems live elsewhere in the store). */
export interface NodeData extends Record<string, unknown> {
  type: string;
  typeVersion?: number;
  name: string;
  config: Record<string, unknown>;
  retry?: RetryPolicyInput;
  timeoutMs?: number;
  disabled?: boolean;
  notes?: string;
  /** Channel tag of a sending node: frequency caps count its sends, quiet hours delay them. */
  channel?: string;
  /** At a frequency cap: take the `capped` port (the default) or wait. */
  onCap?: 'port' | 'wait';
}

/** The kinds of node components, one per catalogue category. */
export type NodeKind = NodeCategory;

export type FlowCanvasNode = Node<NodeData, NodeKind>;
export type FlowCanvasEdge = Edge;

/** The flow's own fields (everything in the definition but nodes and edges). */
export interface FlowMeta {
  name: string;
  slug: string;
  description: string;
  settings: Record<string, unknown>;
}

/** The part of the canvas that undo/redo restores. */
export interface Snapshot {
  nodes: FlowCanvasNode[];
  edges: FlowCanvasEdge[];
}
