// The React Flow canvas: nodes and edges from the store, drop from the palette, guarded connections.

import {
  Background,
  type Connection,
  Controls,
  type FinalConnectionState,
  MiniMap,
  ReactFlow,
  useReactFlow,
} from '@xyflow/react';
import { type DragEvent, type ReactNode, useCallback, useMemo, useState } from 'react';
import type { Step } from '../api/types';
import { toast } from '../ui/toasts';
import { FIT_VIEW } from './fit-view';
import { nodeTypes } from './flow-node';
import type { FlowCanvasEdge, FlowCanvasNode } from './node-data';
import { PALETTE_MIME } from './palette';
import { DEFAULT_PORT } from './ports';
import { latestStepByNode } from './run-status';
import { useCanvas } from './store';

const NODE_HALF_WIDTH = 110;
const NODE_HALF_HEIGHT = 30;

function connectionOf(state: FinalConnectionState): Connection | null {
  const { fromHandle, toHandle } = state;
  if (!fromHandle || !toHandle) return null;
  if (fromHandle.type === toHandle.type) return null;
  const [source, target] = fromHandle.type === 'source' ? [fromHandle, toHandle] : [toHandle, fromHandle];
  return {
    source: source.nodeId,
    sourceHandle: source.id ?? null,
    target: target.nodeId,
    targetHandle: target.id ?? null,
  };
}

/** Marks the edges a run took (items went down them) and those it did not, for the run overlay. */
function withRunPath(edges: FlowCanvasEdge[], steps: Record<string, Step> | undefined): FlowCanvasEdge[] {
  if (!steps) return edges;
  const byNode = latestStepByNode(steps);
  return edges.map((edge) => {
    const source = byNode.get(edge.source);
    if (!source) return edge;
    const items = source.output?.[edge.sourceHandle ?? DEFAULT_PORT];
    const taken = Array.isArray(items) && items.length > 0;
    const target = byNode.get(edge.target);
    const moving = taken && (target?.status === 'queued' || target?.status === 'running');
    return { ...edge, className: taken ? 'edge-taken' : 'edge-idle', animated: moving };
  });
}

function minimapColor(node: FlowCanvasNode): string {
  if (node.type === 'trigger') return '#7c3aed';
  if (node.type === 'logic') return '#0891b2';
  return '#2563eb';
}

export function FlowCanvas({ children }: { children?: ReactNode }) {
  const nodes = useCanvas((s) => s.nodes);
  const edges = useCanvas((s) => s.edges);
  const readOnly = useCanvas((s) => s.viewing !== null);
  const steps = useCanvas((s) => s.overlay?.steps);
  const shownEdges = useMemo(() => withRunPath(edges, steps), [edges, steps]);
  const onNodesChange = useCanvas((s) => s.onNodesChange);
  const onEdgesChange = useCanvas((s) => s.onEdgesChange);
  const beginDrag = useCanvas((s) => s.beginDrag);
  const { screenToFlowPosition } = useReactFlow<FlowCanvasNode, FlowCanvasEdge>();
  // fit once on opening a flow with nodes; an empty canvas keeps zoom 1, or the first drop would zoom onto it
  const [fitOnOpen] = useState(() => useCanvas.getState().nodes.length > 0);

  const isValidConnection = useCallback(
    (c: Connection | FlowCanvasEdge) =>
      useCanvas.getState().checkConnection({
        source: c.source,
        target: c.target,
        sourceHandle: c.sourceHandle ?? null,
        targetHandle: c.targetHandle ?? null,
      }).ok,
    [],
  );

  const onConnect = useCallback((connection: Connection) => {
    const verdict = useCanvas.getState().connect(connection);
    if (!verdict.ok) toast('error', `Connection refused: ${verdict.reason}`);
  }, []);

  const onConnectEnd = useCallback((_event: MouseEvent | TouchEvent, state: FinalConnectionState) => {
    if (state.isValid !== false || !state.toHandle || !state.fromHandle) return;
    const connection = connectionOf(state);
    if (!connection) {
      toast('error', 'Connection refused: connect an output (right side) to an input (left side).');
      return;
    }
    const verdict = useCanvas.getState().checkConnection(connection);
    if (!verdict.ok) toast('error', `Connection refused: ${verdict.reason}`);
  }, []);

  const onDragOver = useCallback((event: DragEvent) => {
    if (!event.dataTransfer.types.includes(PALETTE_MIME)) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = 'copy';
  }, []);

  const onDrop = useCallback(
    (event: DragEvent) => {
      const type = event.dataTransfer.getData(PALETTE_MIME);
      if (!type) return;
      event.preventDefault();
      const point = screenToFlowPosition({ x: event.clientX, y: event.clientY });
      useCanvas.getState().addNode(type, { x: point.x - NODE_HALF_WIDTH, y: point.y - NODE_HALF_HEIGHT });
    },
    [screenToFlowPosition],
  );

  return (
    // biome-ignore lint/a11y/noStaticElementInteractions: a drop target for palette drags; keyboard users add nodes with Enter in the palette
    <div className="canvas" onDragOver={onDragOver} onDrop={onDrop}>
      <ReactFlow<FlowCanvasNode, FlowCanvasEdge>
        nodes={nodes}
        edges={shownEdges}
        nodeTypes={nodeTypes}
        onNodesChange={onNodesChange}
        onEdgesChange={onEdgesChange}
        onNodeDragStart={beginDrag}
        onSelectionDragStart={beginDrag}
        onConnect={onConnect}
        onConnectEnd={onConnectEnd}
        isValidConnection={isValidConnection}
        nodesDraggable={!readOnly}
        nodesConnectable={!readOnly}
        deleteKeyCode={null}
        multiSelectionKeyCode={['Meta', 'Control']}
        selectionKeyCode="Shift"
        defaultEdgeOptions={{ interactionWidth: 16 }}
        fitView={fitOnOpen}
        fitViewOptions={FIT_VIEW}
        minZoom={0.2}
        maxZoom={2}
        proOptions={{ hideAttribution: true }}
        aria-label="Flow canvas"
      >
        <Background gap={20} size={1} />
        <Controls showInteractive={false} />
        <MiniMap pannable zoomable nodeColor={minimapColor} ariaLabel="Minimap" />
        {children}
      </ReactFlow>
    </div>
  );
}
