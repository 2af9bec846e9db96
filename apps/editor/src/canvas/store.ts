// The canvas store (zustand): the flow being edited, undo/redo, clipboard, save state and the run overlay.
import {
  applyEdgeChanges,
  applyNodeChanges,
  type Connection,
  type EdgeChange,
  type NodeChange,
  type XYPosition,
} from '@xyflow/react';
import { create } from 'zustand';
import type { NodeCatalogue } from '../api/node-types';
import type { FlowDefinition, Problem, Step, StreamedRun } from '../api/types';
import { autoLayout } from './auto-layout';
import { copySelection, pasteSnapshot } from './clipboard';
import { type ConnectionCheck, checkConnection } from './connection-rules';
import { fromDefinition, kindOf, newEdgeId, newNodeId, toDefinition, uniqueName } from './definition';
import { type History, record, redo, undo } from './history';
import type { FlowCanvasEdge, FlowCanvasNode, FlowMeta, NodeData, Snapshot } from './node-data';
import { DEFAULT_PORT } from './ports';

/** A run shown on the canvas: its summary and its steps by id. */
export interface RunOverlay {
  runId: string;
  run: StreamedRun | null;
  steps: Record<string, Step>;
  live: boolean;
}

/** A published version shown read-only, with the draft kept aside. */
export interface VersionView {
  version: number;
  backup: { meta: FlowMeta; nodes: FlowCanvasNode[]; edges: FlowCanvasEdge[] };
}

interface CanvasData extends History {
  flowId: string | null;
  catalogue: NodeCatalogue;
  meta: FlowMeta;
  nodes: FlowCanvasNode[];
  edges: FlowCanvasEdge[];
  /** Bumped on every change to what gets saved. */
  revision: number;
  /** The revision the API has. */
  savedRevision: number;
  problems: Problem[];
  /**
   * Nodes dropped in this session and not edited yet: their required-field problems wait for the first edit
   * (or a publish attempt) instead of greeting a node that was just placed.
   */
  pristine: string[];
  clipboard: Snapshot | null;
  pasteCount: number;
  coalesce: { key: string; at: number } | null;
  viewing: VersionView | null;
  overlay: RunOverlay | null;
  /** Steps of the last run shown, kept for expression completion after the overlay closes. */
  lastSteps: Step[];
  lastEventId: string | null;
}

interface CanvasActions {
  load: (flowId: string, def: FlowDefinition, problems: Problem[], catalogue: NodeCatalogue) => void;
  onNodesChange: (changes: NodeChange<FlowCanvasNode>[]) => void;
  onEdgesChange: (changes: EdgeChange<FlowCanvasEdge>[]) => void;
  beginDrag: () => void;
  checkConnection: (connection: Connection) => ConnectionCheck;
  connect: (connection: Connection) => ConnectionCheck;
  addNode: (type: string, position: XYPosition) => string | null;
  updateNode: (id: string, patch: Partial<NodeData>, coalesceKey?: string) => void;
  updateMeta: (patch: Partial<FlowMeta>) => void;
  deleteEdge: (id: string) => void;
  deleteSelection: () => void;
  selectOnly: (ids: string[]) => void;
  selectAll: () => void;
  copy: () => number;
  paste: () => number;
  undo: () => void;
  redo: () => void;
  layout: () => void;
  markSaved: (revision: number, problems: Problem[]) => void;
  setProblems: (problems: Problem[]) => void;
  /** Shows every problem, also those of nodes not edited yet (on a publish attempt). */
  revealProblems: () => void;
  replaceDefinition: (def: FlowDefinition) => void;
  viewVersion: (version: number, def: FlowDefinition) => void;
  leaveVersion: () => void;
  openRun: (runId: string, live: boolean) => void;
  setRun: (run: StreamedRun) => void;
  upsertStep: (step: Step) => void;
  endRun: () => void;
  closeRun: () => void;
}

export type CanvasState = CanvasData & CanvasActions;

const EMPTY_META: FlowMeta = { name: '', slug: '', description: '', settings: {} };
const COALESCE_MS = 1200;

const initial: CanvasData = {
  flowId: null,
  catalogue: new Map(),
  meta: EMPTY_META,
  nodes: [],
  edges: [],
  past: [],
  future: [],
  revision: 0,
  savedRevision: 0,
  problems: [],
  pristine: [],
  clipboard: null,
  pasteCount: 0,
  coalesce: null,
  viewing: null,
  overlay: null,
  lastSteps: [],
  lastEventId: null,
};

export const useCanvas = create<CanvasState>((set, get) => {
  /** Records history and bumps the revision around a change to nodes/edges. */
  const change = (next: Partial<CanvasData>, coalesceKey?: string) => {
    const state = get();
    if (state.viewing) return;
    const now = Date.now();
    const coalesced =
      coalesceKey !== undefined &&
      state.coalesce?.key === coalesceKey &&
      now - state.coalesce.at < COALESCE_MS;
    const history = coalesced
      ? { past: state.past, future: [] }
      : record(state, { nodes: state.nodes, edges: state.edges });
    set({
      ...next,
      ...history,
      coalesce: coalesceKey === undefined ? null : { key: coalesceKey, at: now },
      revision: state.revision + 1,
    });
  };

  return {
    ...initial,

    load: (flowId, def, problems, catalogue) => {
      const { meta, nodes, edges } = fromDefinition(def, catalogue);
      // flows written by hand often leave positions out (all at 0,0): lay them out instead of stacking them
      const first = nodes[0]?.position;
      const stacked =
        nodes.length > 1 && nodes.every((n) => n.position.x === first?.x && n.position.y === first?.y);
      const placed = stacked ? autoLayout(nodes, edges) : nodes;
      set({ ...initial, flowId, catalogue, meta, nodes: placed, edges, problems });
    },

    onNodesChange: (changes) => {
      const state = get();
      if (state.viewing) {
        // a read-only version only takes selection and size updates
        const passive = changes.filter((c) => c.type === 'select' || c.type === 'dimensions');
        set({ nodes: applyNodeChanges(passive, state.nodes) });
        return;
      }
      const nodes = applyNodeChanges(changes, state.nodes);
      const dropped = changes.some((c) => c.type === 'position' && c.dragging === false);
      set({ nodes, ...(dropped ? { revision: state.revision + 1 } : {}) });
    },

    onEdgesChange: (changes) => {
      const selectionOnly = changes.every((c) => c.type === 'select');
      if (selectionOnly) {
        set({ edges: applyEdgeChanges(changes, get().edges) });
        return;
      }
      change({ edges: applyEdgeChanges(changes, get().edges) });
    },

    beginDrag: () => {
      const state = get();
      if (state.viewing) return;
      set(record(state, { nodes: state.nodes, edges: state.edges }));
    },

    checkConnection: (connection) => {
      const state = get();
      if (state.viewing) return { ok: false, reason: 'This is a published version: it is read-only.' };
      return checkConnection(connection, state.nodes, state.edges, state.catalogue);
    },

    connect: (connection) => {
      const verdict = get().checkConnection(connection);
      if (!verdict.ok) return verdict;
      const edge: FlowCanvasEdge = {
        id: newEdgeId(),
        source: connection.source,
        target: connection.target,
        sourceHandle: connection.sourceHandle ?? DEFAULT_PORT,
        targetHandle: connection.targetHandle ?? DEFAULT_PORT,
      };
      change({ edges: [...get().edges, edge] });
      return verdict;
    },

    addNode: (type, position) => {
      const state = get();
      if (state.viewing) return null;
      const info = state.catalogue.get(type);
      const id = newNodeId(type);
      const node: FlowCanvasNode = {
        id,
        type: kindOf(type, state.catalogue),
        position,
        selected: true,
        data: {
          type,
          name: uniqueName(
            info?.title ?? type,
            state.nodes.map((n) => n.data.name),
          ),
          config: {},
        },
      };
      change({ nodes: [...state.nodes.map((n) => (n.selected ? { ...n, selected: false } : n)), node] });
      set({ pristine: [...get().pristine, id] });
      return id;
    },

    updateNode: (id, patch, coalesceKey) => {
      const nodes = get().nodes.map((n) => (n.id === id ? { ...n, data: { ...n.data, ...patch } } : n));
      change({ nodes }, coalesceKey ?? `node:${id}:${Object.keys(patch).join(',')}`);
      if (get().pristine.includes(id)) set({ pristine: get().pristine.filter((p) => p !== id) });
    },

    updateMeta: (patch) => {
      const state = get();
      if (state.viewing) return;
      set({ meta: { ...state.meta, ...patch }, revision: state.revision + 1 });
    },

    deleteEdge: (id) => change({ edges: get().edges.filter((e) => e.id !== id) }),

    deleteSelection: () => {
      const { nodes, edges } = get();
      const gone = new Set(nodes.filter((n) => n.selected).map((n) => n.id));
      const keptEdges = edges.filter((e) => !e.selected && !gone.has(e.source) && !gone.has(e.target));
      if (gone.size === 0 && keptEdges.length === edges.length) return;
      change({ nodes: nodes.filter((n) => !gone.has(n.id)), edges: keptEdges });
    },

    selectOnly: (ids) => {
      const wanted = new Set(ids);
      set({
        nodes: get().nodes.map((n) =>
          (n.selected ?? false) === wanted.has(n.id) ? n : { ...n, selected: wanted.has(n.id) },
        ),
        edges: get().edges.map((e) => (e.selected ? { ...e, selected: false } : e)),
      });
    },

    selectAll: () => set({ nodes: get().nodes.map((n) => (n.selected ? n : { ...n, selected: true })) }),

    copy: () => {
      const clipboard = copySelection(get().nodes, get().edges);
      if (clipboard) set({ clipboard, pasteCount: 0 });
      return clipboard?.nodes.length ?? 0;
    },

    paste: () => {
      const state = get();
      if (!state.clipboard || state.viewing) return 0;
      const pasteCount = state.pasteCount + 1;
      const pasted = pasteSnapshot(state.clipboard, state.nodes, 40 * pasteCount);
      change({
        nodes: [...state.nodes.map((n) => (n.selected ? { ...n, selected: false } : n)), ...pasted.nodes],
        edges: [...state.edges, ...pasted.edges],
      });
      set({ pasteCount });
      return pasted.nodes.length;
    },

    undo: () => {
      const state = get();
      if (state.viewing) return;
      const result = undo(state, { nodes: state.nodes, edges: state.edges });
      if (!result) return;
      set({ ...result.snapshot, ...result.history, coalesce: null, revision: state.revision + 1 });
    },

    redo: () => {
      const state = get();
      if (state.viewing) return;
      const result = redo(state, { nodes: state.nodes, edges: state.edges });
      if (!result) return;
      set({ ...result.snapshot, ...result.history, coalesce: null, revision: state.revision + 1 });
    },

    layout: () => {
      const state = get();
      if (state.viewing || state.nodes.length === 0) return;
      change({ nodes: autoLayout(state.nodes, state.edges) });
    },

    markSaved: (revision, problems) =>
      set({ savedRevision: Math.max(get().savedRevision, revision), problems }),

    setProblems: (problems) => set({ problems }),

    revealProblems: () => set({ pristine: [] }),

    replaceDefinition: (def) => {
      const { meta, nodes, edges } = fromDefinition(def, get().catalogue);
      change({ meta: { ...meta, slug: get().meta.slug }, nodes, edges });
    },

    viewVersion: (version, def) => {
      const state = get();
      const backup = state.viewing?.backup ?? { meta: state.meta, nodes: state.nodes, edges: state.edges };
      // the version is read-only: nothing of it is selected for editing
      const { meta, nodes, edges } = fromDefinition(def, state.catalogue);
      set({ viewing: { version, backup }, meta, nodes, edges });
    },

    leaveVersion: () => {
      const viewing = get().viewing;
      if (!viewing) return;
      const nodes = viewing.backup.nodes.map((n) => (n.selected ? { ...n, selected: false } : n));
      set({ viewing: null, ...viewing.backup, nodes });
    },

    openRun: (runId, live) =>
      set({ overlay: { runId, run: null, steps: {}, live }, lastSteps: [], lastEventId: null }),

    setRun: (run) => {
      const overlay = get().overlay;
      if (!overlay || overlay.runId !== run.id) return;
      set({ overlay: { ...overlay, run }, lastEventId: run.eventId });
    },

    upsertStep: (step) => {
      const overlay = get().overlay;
      if (!overlay) return;
      const steps = { ...overlay.steps, [step.id]: step };
      set({ overlay: { ...overlay, steps }, lastSteps: Object.values(steps) });
    },

    endRun: () => {
      const overlay = get().overlay;
      if (overlay) set({ overlay: { ...overlay, live: false } });
    },

    closeRun: () => set({ overlay: null }),
  };
});

/** The definition the canvas would save now. */
export function currentDefinition(state: CanvasState = useCanvas.getState()): FlowDefinition {
  return toDefinition(state.meta, state.nodes, state.edges);
}

/** Problem codes about a node's own fields: the ones a node that was just dropped does not show yet. */
const FIELD_PROBLEMS = new Set(['invalid_config', 'invalid_shape']);

/** The problems to show now: all of them, except the field problems of nodes not edited since they were dropped. */
export function shownProblems(state: Pick<CanvasData, 'problems' | 'pristine'>): Problem[] {
  if (state.pristine.length === 0) return state.problems;
  return state.problems.filter(
    (p) => !(p.nodeId && state.pristine.includes(p.nodeId) && FIELD_PROBLEMS.has(p.code ?? '')),
  );
}
