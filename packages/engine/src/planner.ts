// Scheduling decisions (pure): which steps a node's output creates, joins, and "skipped" propagation.
import type { FlowEdge } from '@tributary/flow';
import { sourcePort } from '@tributary/flow';
import type { NodeOutput } from '@tributary/nodes';
import type { CompiledFlow } from './compiled-flow.js';
import { isJoin } from './compiled-flow.js';

/** Per-edge delivery state of a run. An edge that delivered once stays delivered. */
export type EdgeState = Record<string, 'delivered' | 'skipped'>;

/** One arrival at a join: the item a branch delivered (absent when the branch was skipped). */
export interface JoinArrival {
  node: string;
  item: unknown;
}

/** A join step that is still waiting for some branches. */
export interface PendingJoin {
  stepId: string;
  /** Arrivals per incoming edge id; `null` marks a skipped branch. */
  arrivals: Record<string, JoinArrival[] | null>;
}

export type PlannedStatus = 'queued' | 'pending' | 'skipped' | 'succeeded';

/** A step the plan creates. */
export interface PlannedStep {
  id: string;
  nodeId: string;
  status: PlannedStatus;
  input: unknown;
  output?: NodeOutput;
  /** For a pending join: its arrivals so far. */
  state?: { arrivals: PendingJoin['arrivals'] };
}

/** A change to a join step that existed before this plan. */
export interface JoinUpdate {
  stepId: string;
  status: 'pending' | 'queued' | 'skipped';
  input: unknown;
  state: { arrivals: PendingJoin['arrivals'] };
}

export interface Plan {
  steps: PlannedStep[];
  joinUpdates: JoinUpdate[];
  edgeState: EdgeState;
}

interface JoinWork {
  stepId: string;
  existing: boolean;
  arrivals: PendingJoin['arrivals'];
  done: boolean;
}

/**
 * Plans what follows when node `fromNodeId` produced `outputs`: every outgoing edge whose port has items
 * delivers them (one step per item, or an arrival at a join); every other edge is skipped, and a node whose
 * incoming edges are all skipped is skipped in turn.
 */
export function planAfterOutput(
  flow: CompiledFlow,
  edgeState: Readonly<EdgeState>,
  joins: ReadonlyMap<string, PendingJoin>,
  fromNodeId: string,
  outputs: NodeOutput,
  newId: () => string,
): Plan {
  const state: EdgeState = { ...edgeState };
  const steps: PlannedStep[] = [];
  const joinWork = new Map<string, JoinWork>();

  const joinFor = (nodeId: string): JoinWork => {
    let work = joinWork.get(nodeId);
    if (!work) {
      const pending = joins.get(nodeId);
      work = pending
        ? { stepId: pending.stepId, existing: true, arrivals: { ...pending.arrivals }, done: false }
        : { stepId: newId(), existing: false, arrivals: {}, done: false };
      joinWork.set(nodeId, work);
    }
    return work;
  };

  const emitFrom = (nodeId: string, out: NodeOutput): void => {
    for (const edge of flow.outgoing.get(nodeId) ?? []) {
      const items = out[sourcePort(edge)] ?? [];
      if (items.length > 0) deliver(edge, nodeId, items);
      else skip(edge);
    }
  };

  const deliver = (edge: FlowEdge, fromId: string, items: unknown[]): void => {
    state[edge.id] = 'delivered';
    const target = edge.target;
    if (isJoin(flow, target)) {
      const name = flow.nodes.get(fromId)?.name ?? fromId;
      arrive(
        target,
        edge.id,
        items.map((item) => ({ node: name, item })),
      );
      return;
    }
    const node = flow.nodes.get(target);
    for (const item of items) {
      if (node?.disabled) {
        // a disabled node passes its input through unchanged, so the flow still runs around it
        const output: NodeOutput = { main: [item] };
        steps.push({ id: newId(), nodeId: target, status: 'succeeded', input: item, output });
        emitFrom(target, output);
      } else {
        steps.push({ id: newId(), nodeId: target, status: 'queued', input: item });
      }
    }
  };

  const skip = (edge: FlowEdge): void => {
    if (state[edge.id] === 'delivered') return;
    state[edge.id] = 'skipped';
    const target = edge.target;
    if (isJoin(flow, target)) {
      arrive(target, edge.id, null);
      return;
    }
    const incoming = flow.incoming.get(target) ?? [];
    if (incoming.every((e) => state[e.id] === 'skipped')) {
      steps.push({ id: newId(), nodeId: target, status: 'skipped', input: null });
      emitFrom(target, {});
    }
  };

  const arrive = (nodeId: string, edgeId: string, arrivals: JoinArrival[] | null): void => {
    const work = joinFor(nodeId);
    if (work.done) return;
    const previous = work.arrivals[edgeId];
    work.arrivals[edgeId] = arrivals === null ? (previous ?? null) : [...(previous ?? []), ...arrivals];
    const incoming = flow.incoming.get(nodeId) ?? [];
    if (!incoming.every((e) => e.id in work.arrivals)) return;
    work.done = true;
    const delivered = incoming.flatMap((e) => work.arrivals[e.id] ?? []);
    if (delivered.length === 0) {
      emitFrom(nodeId, {});
    }
  };

  emitFrom(fromNodeId, outputs);

  const joinUpdates: JoinUpdate[] = [];
  for (const [nodeId, work] of joinWork) {
    const incoming = flow.incoming.get(nodeId) ?? [];
    const branches = incoming.flatMap((e) => work.arrivals[e.id] ?? []);
    const status = !work.done ? 'pending' : branches.length === 0 ? 'skipped' : 'queued';
    const input = status === 'queued' ? { branches } : null;
    const joinState = { arrivals: work.arrivals };
    if (work.existing) joinUpdates.push({ stepId: work.stepId, status, input, state: joinState });
    else steps.push({ id: work.stepId, nodeId, status, input, state: joinState });
  }
  return { steps, joinUpdates, edgeState: state };
}
