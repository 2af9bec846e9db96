// A flow version prepared for execution: lookups by id and name, edges per node, node types resolved.
import type { FlowDefinition, FlowEdge, FlowNode } from '@tributary/flow';
import { findExpressions, NotFoundError } from '@tributary/flow';
import type { NodeType, TriggerKind } from '@tributary/nodes';
import { getNodeType } from '@tributary/nodes';

/** A flow version ready to run; immutable, so it is cached per (flow, version). */
export interface CompiledFlow {
  flowId: string;
  version: number;
  definition: FlowDefinition;
  nodes: ReadonlyMap<string, FlowNode>;
  types: ReadonlyMap<string, NodeType>;
  outgoing: ReadonlyMap<string, readonly FlowEdge[]>;
  incoming: ReadonlyMap<string, readonly FlowEdge[]>;
  /** The target node of each edge id. */
  edgeTargets: ReadonlyMap<string, string>;
  trigger: FlowNode;
  /** How the trigger's events arrive (its node type's trait). */
  triggerKind: TriggerKind | undefined;
  /** Whether any node is a join (so completions must look up pending joins). */
  hasJoins: boolean;
  /**
   * Node configs parsed as written, defaults applied and expressions left unresolved, for the configs that
   * parse that way (triggers, a split's limit): what the engine reads of a node before any run.
   */
  configsAsWritten: ReadonlyMap<string, unknown>;
  /**
   * The configs with no expression at all, defaults included: what every run of the node gets, parsed
   * once (and frozen, as it is shared between runs), so a step of such a node resolves nothing.
   */
  constantConfigs: ReadonlyMap<string, unknown>;
  /** Whether any expression reads `$profile` (only then is the profile loaded for a step). */
  usesProfile: boolean;
  /** What each node's expressions read, so a step loads only that (`$event`, `$steps`, `$profile`, `$vars`). */
  reads: ReadonlyMap<string, NodeReads>;
}

/** The parts of the run a node's config refers to. */
export interface NodeReads {
  event: boolean;
  steps: boolean;
  profile: boolean;
  vars: boolean;
}

function readsOf(config: unknown, withDefaults: unknown): NodeReads {
  // without a statically parsed config, defaults (which may be expressions) are unknown: load everything but
  // the variables, which no node's default reads
  if (withDefaults === undefined) {
    return { event: true, steps: true, profile: true, vars: JSON.stringify(config).includes('$vars') };
  }
  const text = JSON.stringify([config, withDefaults]);
  return {
    event: text.includes('$event'),
    steps: text.includes('$steps'),
    profile: text.includes('$profile'),
    vars: text.includes('$vars'),
  };
}

/** Prepares a validated definition for execution. */
export function compileFlow(flowId: string, version: number, definition: FlowDefinition): CompiledFlow {
  const nodes = new Map<string, FlowNode>();
  const types = new Map<string, NodeType>();
  const outgoing = new Map<string, FlowEdge[]>();
  const incoming = new Map<string, FlowEdge[]>();
  let trigger: FlowNode | undefined;
  for (const node of definition.nodes) {
    const type = getNodeType(node.type);
    if (!type) throw new NotFoundError(`node "${node.name}" has unknown type ${node.type}`);
    nodes.set(node.id, node);
    types.set(node.id, type);
    outgoing.set(node.id, []);
    incoming.set(node.id, []);
    if (type.category === 'trigger') trigger = node;
  }
  for (const edge of definition.edges) {
    outgoing.get(edge.source)?.push(edge);
    incoming.get(edge.target)?.push(edge);
  }
  if (!trigger) throw new NotFoundError(`flow ${flowId} v${version} has no trigger node`);
  const hasJoins = [...types.values()].some((t) => t.traits.join);
  const configsAsWritten = new Map<string, unknown>();
  for (const node of definition.nodes) {
    const parsed = types.get(node.id)?.config.safeParse(node.config);
    if (parsed?.success) configsAsWritten.set(node.id, parsed.data);
  }
  const constantConfigs = new Map<string, unknown>();
  for (const node of definition.nodes) {
    const parsed = configsAsWritten.get(node.id);
    if (
      parsed === undefined ||
      findExpressions(node.config).length > 0 ||
      findExpressions(parsed).length > 0
    ) {
      continue;
    }
    constantConfigs.set(node.id, deepFreeze(structuredClone(parsed)));
  }
  const usesProfile = JSON.stringify(definition.nodes).includes('$profile');
  const reads = new Map(definition.nodes.map((n) => [n.id, readsOf(n.config, configsAsWritten.get(n.id))]));
  return {
    flowId,
    version,
    definition,
    nodes,
    types,
    outgoing,
    incoming,
    edgeTargets: new Map(definition.edges.map((e) => [e.id, e.target])),
    trigger,
    triggerKind: types.get(trigger.id)?.traits.trigger,
    hasJoins,
    configsAsWritten,
    constantConfigs,
    usesProfile,
    reads,
  };
}

/** Whether the node waits for all its incoming branches. */
export function isJoin(flow: CompiledFlow, nodeId: string): boolean {
  return flow.types.get(nodeId)?.traits.join === true;
}

/** Whether the node's error port has an edge. */
export function hasErrorEdge(flow: CompiledFlow, nodeId: string): boolean {
  return (flow.outgoing.get(nodeId) ?? []).some((e) => e.sourceHandle === 'error');
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const member of Object.values(value)) deepFreeze(member);
  }
  return value;
}
