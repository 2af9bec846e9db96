// Scheduling decisions (pure): which steps a node's output creates, joins, and "skipped" propagation.
// Items fanned out by a split carry a scope (split step, index, total); edge state and joins are tracked
// per scope, so a merge after a split waits for every item's branch and collects them in order.
import type { EmptyExpression } from '@tributary/db';
import type { FlowEdge } from '@tributary/flow';
import { copyWith, sourcePort } from '@tributary/flow';
import type { NodeOutput } from '@tributary/nodes';
import type { CompiledFlow } from '../core/index.js';
import { isJoin } from '../core/index.js';

/** Per-edge delivery state of a run (keyed per scope). An edge that delivered once stays delivered. */
export type EdgeState = Record<string, 'delivered' | 'skipped'>;

/** Where an item sits inside a split: which split step, its position and how many siblings it has. */
export interface Scope {
  split: string;
  index: number;
  total: number;
}

/** One arrival at a join: the item a branch delivered. */
export interface JoinArrival {
  node: string;
  item: unknown;
  index: number;
}

/** A join step that is still waiting for some branches. */
export interface PendingJoin {
  stepId: string;
  /** Arrivals per incoming edge id; `null` marks a skipped branch. */
  arrivals: Record<string, Array<JoinArrival | null>>;
  /** Arrivals each incoming edge must have: the split's item count inside a scope, else 1. */
  expected: number;
}

/** What a join step keeps in its `state` while pending. */
export type JoinState = {
  joinKey: string;
  arrivals: PendingJoin['arrivals'];
  expected: number;
};

export type PlannedStatus = 'queued' | 'pending' | 'held' | 'skipped' | 'succeeded';

/** A step the plan creates. */
export interface PlannedStep {
  id: string;
  nodeId: string;
  status: PlannedStatus;
  input: unknown;
  output?: NodeOutput;
  /** Kept in the step's state: the scope (for items of a split) or the join's progress. */
  state?: { scope?: Scope } | JoinState;
  /** Set when the step already ran inline (step fusion): when, and for how long. */
  ran?: {
    startedAt: Date;
    finishedAt: Date;
    durationMs: number;
    /** The config's expressions that gave nothing, when some did. */
    emptyExpressions?: EmptyExpression[] | undefined;
  };
}

/** A change to a join step that existed before this plan. */
export interface JoinUpdate {
  stepId: string;
  status: 'pending' | 'queued' | 'skipped';
  input: unknown;
  state: JoinState;
}

export interface Plan {
  steps: PlannedStep[];
  joinUpdates: JoinUpdate[];
  edgeState: EdgeState;
}

/** The step whose output is being followed. */
export interface PlanSource {
  nodeId: string;
  stepId: string;
  scope?: Scope | undefined;
}

interface JoinWork {
  stepId: string;
  nodeId: string;
  existing: boolean;
  arrivals: PendingJoin['arrivals'];
  expected: number;
  done: boolean;
}

/** How many items of a split may run at once, when its node sets a limit. */
function splitLimit(flow: CompiledFlow, nodeId: string): number | undefined {
  const split = flow.types.get(nodeId)?.traits.split;
  // a split's limit must be known without resolving expressions: its config parses statically
  const config = flow.configsAsWritten.get(nodeId);
  return split && config !== undefined ? split.limit(config) : undefined;
}

/** Key of an edge's state within a scope. */
export function edgeKey(edgeId: string, scope: Scope | undefined): string {
  return scope ? `${edgeId}@${scope.split}:${scope.index}` : edgeId;
}

/** Key of a join: one per node, or one per node and split. */
export function joinKey(nodeId: string, scope: Scope | undefined): string {
  return scope ? `${nodeId}@${scope.split}` : nodeId;
}

/**
 * Plans what follows when a step produced `outputs`: every outgoing edge whose port has items delivers
 * them (one step per item, or an arrival at a join); every other edge is skipped, and a node whose incoming
 * edges are all skipped is skipped in turn.
 */
export function planAfterOutput(
  flow: CompiledFlow,
  edgeState: Readonly<EdgeState>,
  joins: ReadonlyMap<string, PendingJoin>,
  from: PlanSource,
  outputs: NodeOutput,
  newId: () => string,
): Plan {
  // copied so that the edges delivered below are added at full speed (see copyWith)
  const state: EdgeState = copyWith(edgeState);
  const steps: PlannedStep[] = [];
  const joinWork = new Map<string, JoinWork>();

  const stateFor = (scope: Scope | undefined) => (scope ? { scope } : undefined);

  const emitFrom = (nodeId: string, stepId: string, out: NodeOutput, scope: Scope | undefined): void => {
    const splits = flow.types.get(nodeId)?.traits.split !== undefined;
    const limit = splits ? splitLimit(flow, nodeId) : undefined;
    for (const edge of flow.outgoing.get(nodeId) ?? []) {
      const items = out[sourcePort(edge)] ?? [];
      if (items.length === 0) {
        skip(edge, scope);
        continue;
      }
      items.forEach((item, index) => {
        const itemScope = splits ? { split: stepId, index, total: items.length } : scope;
        deliver(edge, nodeId, item, itemScope, limit !== undefined && index >= limit);
      });
    }
  };

  const deliver = (
    edge: FlowEdge,
    fromId: string,
    item: unknown,
    scope: Scope | undefined,
    held = false,
  ): void => {
    state[edgeKey(edge.id, scope)] = 'delivered';
    const target = edge.target;
    if (isJoin(flow, target)) {
      const name = flow.nodes.get(fromId)?.name ?? fromId;
      arrive(target, edge.id, { node: name, item, index: scope?.index ?? 0 }, scope);
      return;
    }
    const id = newId();
    if (flow.nodes.get(target)?.disabled) {
      // a disabled node passes its input through unchanged, so the flow still runs around it
      const output: NodeOutput = { main: [item] };
      steps.push({ id, nodeId: target, status: 'succeeded', input: item, output, state: stateFor(scope) });
      emitFrom(target, id, output, scope);
    } else {
      steps.push({
        id,
        nodeId: target,
        status: held ? 'held' : 'queued',
        input: item,
        state: stateFor(scope),
      });
    }
  };

  const skip = (edge: FlowEdge, scope: Scope | undefined): void => {
    const key = edgeKey(edge.id, scope);
    if (state[key] === 'delivered') return;
    state[key] = 'skipped';
    const target = edge.target;
    if (isJoin(flow, target)) {
      arrive(target, edge.id, null, scope);
      return;
    }
    const incoming = flow.incoming.get(target) ?? [];
    if (incoming.every((e) => state[edgeKey(e.id, scope)] === 'skipped')) {
      const id = newId();
      steps.push({ id, nodeId: target, status: 'skipped', input: null, state: stateFor(scope) });
      emitFrom(target, id, {}, scope);
    }
  };

  const joinFor = (nodeId: string, scope: Scope | undefined): JoinWork => {
    const key = joinKey(nodeId, scope);
    let work = joinWork.get(key);
    if (!work) {
      const pending = joins.get(key);
      work = pending
        ? {
            stepId: pending.stepId,
            nodeId,
            existing: true,
            arrivals: { ...pending.arrivals },
            expected: pending.expected,
            done: false,
          }
        : {
            stepId: newId(),
            nodeId,
            existing: false,
            arrivals: {},
            expected: scope?.total ?? 1,
            done: false,
          };
      joinWork.set(key, work);
    }
    return work;
  };

  const arrive = (
    nodeId: string,
    edgeId: string,
    arrival: JoinArrival | null,
    scope: Scope | undefined,
  ): void => {
    const work = joinFor(nodeId, scope);
    if (work.done) return;
    work.arrivals[edgeId] = [...(work.arrivals[edgeId] ?? []), arrival];
    const incoming = flow.incoming.get(nodeId) ?? [];
    if (!incoming.every((e) => (work.arrivals[e.id]?.length ?? 0) >= work.expected)) return;
    work.done = true;
    // the join closes the split's scope: what follows it runs once, outside the scope
    if (delivered(work).length === 0) emitFrom(nodeId, work.stepId, {}, undefined);
  };

  const delivered = (work: JoinWork): JoinArrival[] => {
    const incoming = flow.incoming.get(work.nodeId) ?? [];
    return incoming.flatMap((e) =>
      (work.arrivals[e.id] ?? [])
        .filter((a): a is JoinArrival => a !== null)
        .sort((a, b) => a.index - b.index),
    );
  };

  emitFrom(from.nodeId, from.stepId, outputs, from.scope);

  const joinUpdates: JoinUpdate[] = [];
  for (const [key, work] of joinWork) {
    const branches = delivered(work).map(({ node, item }) => ({ node, item }));
    const status = !work.done ? 'pending' : branches.length === 0 ? 'skipped' : 'queued';
    const input = status === 'queued' ? { branches } : null;
    const joinState: JoinState = { joinKey: key, arrivals: work.arrivals, expected: work.expected };
    if (work.existing) joinUpdates.push({ stepId: work.stepId, status, input, state: joinState });
    else steps.push({ id: work.stepId, nodeId: work.nodeId, status, input, state: joinState });
  }
  return { steps, joinUpdates, edgeState: persistedState(flow, state) };
}

/**
 * The part of the edge state later plans need: edges into joins and into nodes with several incoming edges
 * (where "all incoming edges skipped" must be decided). Edges into a node with one way in are decided on the
 * spot, so linear flows write no edge state at all.
 */
function persistedState(flow: CompiledFlow, state: EdgeState): EdgeState {
  const kept: EdgeState = {};
  for (const [key, value] of Object.entries(state)) {
    const edgeId = key.split('@')[0] ?? key;
    const target = flow.edgeTargets.get(edgeId);
    if (target !== undefined && (isJoin(flow, target) || (flow.incoming.get(target)?.length ?? 0) > 1)) {
      kept[key] = value;
    }
  }
  return kept;
}
