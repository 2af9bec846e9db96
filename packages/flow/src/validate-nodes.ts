// Node checks of flow validation: ids, names, the one trigger, known types, configs and expression syntax.
import type { FlowNode } from './definition.js';
import { CAPPED_PORT, ERROR_PORT } from './definition.js';
import type { Problem } from './errors.js';
import { flowErrorMap, problemSentence } from './explain.js';
import { checkExpressionSyntax, findExpressions, isExpression } from './expressions.js';
import { formatPath, valueAt } from './json-path.js';
import type { NodeCatalogue, NodeTypeContract } from './node-contract.js';

/** A parsed element with its position in the input array (for problem paths). */
export interface Indexed<T> {
  index: number;
  value: T;
}

/** A node that parsed, with what edge checks need to know about it. */
export interface CheckedNode {
  index: number;
  node: FlowNode;
  contract: NodeTypeContract | undefined;
  /** Output ports including `error` when the node can fail; undefined when they cannot be known. */
  outputs: readonly string[] | undefined;
}

/** Checks every node, appends problems, and returns the nodes by id (first one wins on duplicates). */
export function checkNodes(
  nodes: readonly Indexed<FlowNode>[],
  rawTypes: readonly { index: number; type: unknown }[],
  catalogue: NodeCatalogue,
  problems: Problem[],
): Map<string, CheckedNode> {
  const byId = new Map<string, CheckedNode>();
  const byName = new Map<string, FlowNode>();
  for (const { index, value: node } of nodes) {
    const at = (...rest: PropertyKey[]): string => formatPath(['nodes', index, ...rest]);
    const first = byId.get(node.id);
    if (first) {
      problems.push({
        path: at('id'),
        nodeId: node.id,
        code: 'duplicate_node_id',
        message: `${node.name}: its id "${node.id}" is already used by node "${first.node.name}"`,
      });
    }
    const sameName = byName.get(node.name);
    if (sameName) {
      problems.push({
        path: at('name'),
        nodeId: node.id,
        code: 'duplicate_node_name',
        message: `node name "${node.name}" is already used by node "${sameName.id}"; names must be unique because expressions refer to steps by name`,
      });
    } else byName.set(node.name, node);

    const contract = catalogue(node.type);
    if (!contract) {
      problems.push({
        path: at('type'),
        nodeId: node.id,
        code: 'unknown_node_type',
        message: `${node.name}: unknown node type "${node.type}"`,
      });
    }
    const outputs = contract ? checkConfig(node, index, contract, problems) : undefined;
    for (const { path, source } of findExpressions(node.config, ['nodes', index, 'config'])) {
      const error = checkExpressionSyntax(source);
      if (error) problems.push({ path, nodeId: node.id, code: 'invalid_expression', message: error });
    }
    if (!first) byId.set(node.id, { index, node, contract, outputs });
  }
  checkTrigger(rawTypes, nodes, catalogue, problems);
  return byId;
}

/** Checks the config against the type's schema and returns the node's output ports. */
function checkConfig(
  node: FlowNode,
  index: number,
  contract: NodeTypeContract,
  problems: Problem[],
): readonly string[] | undefined {
  const result = contract.config.safeParse(node.config, { error: flowErrorMap });
  for (const issue of result.error?.issues ?? []) {
    // an expression is checked at run time, once resolved: its static type says nothing yet
    if (isExpression(valueAt(node.config, issue.path))) continue;
    problems.push({
      path: formatPath(['nodes', index, 'config', ...issue.path]),
      nodeId: node.id,
      code: 'invalid_config',
      message: problemSentence(node.name, issue.path, issue.message),
    });
  }
  checkChannel(node, index, contract, problems);
  const ports = outputPorts(contract, result.success ? result.data : node.config);
  const withError = ports && contract.canFail ? [...ports, ERROR_PORT] : ports;
  return withError && takesCappedPort(node) ? [...withError, CAPPED_PORT] : withError;
}

/** Whether the node has a `capped` output port: it has a channel tag and takes that port at a frequency cap. */
export function takesCappedPort(node: Pick<FlowNode, 'channel' | 'onCap'>): boolean {
  return node.channel !== undefined && (node.onCap ?? 'port') === 'port';
}

/** A channel tag belongs on nodes that send (actions); `onCap` means nothing without one. */
function checkChannel(node: FlowNode, index: number, contract: NodeTypeContract, problems: Problem[]): void {
  if (node.channel !== undefined && contract.category !== 'action') {
    problems.push({
      path: formatPath(['nodes', index, 'channel']),
      nodeId: node.id,
      code: 'channel_not_allowed',
      message: `${node.name}: only action nodes (those that send) take a channel tag; this is a ${contract.category} node`,
    });
  }
  if (node.onCap !== undefined && node.channel === undefined) {
    problems.push({
      path: formatPath(['nodes', index, 'onCap']),
      nodeId: node.id,
      code: 'on_cap_without_channel',
      message: `${node.name}: onCap says what to do at a frequency cap, which counts by channel; set a channel tag too`,
    });
  }
}

function outputPorts(contract: NodeTypeContract, config: unknown): readonly string[] | undefined {
  try {
    const ports: unknown = contract.outputs(config);
    return Array.isArray(ports) && ports.every((p) => typeof p === 'string') ? ports : undefined;
  } catch {
    // a config that did not pass its schema (or holds expressions) may break outputs(); ports are then unknown
    return undefined;
  }
}

function checkTrigger(
  rawTypes: readonly { index: number; type: unknown }[],
  nodes: readonly Indexed<FlowNode>[],
  catalogue: NodeCatalogue,
  problems: Problem[],
): void {
  // raw types count too, so a trigger whose other fields are malformed is not reported as missing
  const triggers = rawTypes.filter(
    (n) => typeof n.type === 'string' && catalogue(n.type)?.category === 'trigger',
  );
  if (triggers.length === 0) {
    problems.push({
      path: 'nodes',
      code: 'missing_trigger',
      message: 'the flow has no trigger node; it needs exactly one',
    });
  }
  const parsed = new Map(nodes.map((n) => [n.index, n.value]));
  const first = triggers[0] === undefined ? undefined : parsed.get(triggers[0].index);
  for (const extra of triggers.slice(1)) {
    const nodeId = parsed.get(extra.index)?.id;
    const name = parsed.get(extra.index)?.name ?? `Node ${extra.index + 1}`;
    problems.push({
      path: formatPath(['nodes', extra.index]),
      code: 'extra_trigger',
      message: `${name}: a flow has exactly one trigger, and ${first ? `"${first.name}"` : 'another node'} is already the trigger`,
      ...(nodeId === undefined ? {} : { nodeId }),
    });
  }
}
