// Flow validation: shape, node types and configs, expressions, ports and graph — every problem at once.
import type { z } from 'zod';
import type { FlowDefinition } from './definition.js';
import { flowDefinitionSchema, flowEdgeSchema, flowNodeSchema } from './definition.js';
import type { Problem } from './errors.js';
import { ValidationError } from './errors.js';
import { flowErrorMap, problemSentence } from './explain.js';
import { formatPath } from './json-path.js';
import type { NodeCatalogue } from './node-contract.js';
import { checkEdges } from './validate-edges.js';
import { checkNodes, type Indexed } from './validate-nodes.js';

/** Stable codes of flow problems, for the editor to act on without reading messages. */
export type FlowProblemCode =
  | 'invalid_shape'
  | 'duplicate_node_id'
  | 'duplicate_node_name'
  | 'missing_trigger'
  | 'extra_trigger'
  | 'unknown_node_type'
  | 'invalid_config'
  | 'invalid_expression'
  | 'duplicate_edge_id'
  | 'unknown_node'
  | 'unknown_port'
  | 'edge_into_trigger'
  | 'self_loop'
  | 'duplicate_edge'
  | 'cycle';

/** The outcome of validateFlow: the parsed flow (defaults filled in), or every problem found. */
export type FlowValidation = { ok: true; flow: FlowDefinition } | { ok: false; problems: Problem[] };

/** Validates a flow definition against the node catalogue and reports every problem, not just the first. */
export function validateFlow(input: unknown, catalogue: NodeCatalogue): FlowValidation {
  const parsed = flowDefinitionSchema.safeParse(input, { error: flowErrorMap });
  const problems = parsed.success ? [] : shapeProblems(parsed.error.issues, input);
  // nodes and edges are also checked one by one, so one malformed edge does not hide a bad config
  const rawNodes = arrayField(input, 'nodes');
  if (rawNodes) {
    const nodes = parseEach(rawNodes, flowNodeSchema);
    const rawIds = new Set(rawNodes.map((n) => fieldOf(n, 'id')).filter((id) => typeof id === 'string'));
    const rawTypes = rawNodes.map((n, index) => ({ index, type: fieldOf(n, 'type') }));
    const checked = checkNodes(nodes, rawTypes, catalogue, problems);
    const edges = parseEach(arrayField(input, 'edges') ?? [], flowEdgeSchema);
    checkEdges(edges, checked, rawIds, problems);
  }
  if (parsed.success && problems.length === 0) return { ok: true, flow: parsed.data };
  return { ok: false, problems };
}

/** Like validateFlow, but throws ValidationError carrying every problem. */
export function assertValidFlow(input: unknown, catalogue: NodeCatalogue): FlowDefinition {
  const result = validateFlow(input, catalogue);
  if (result.ok) return result.flow;
  const count = result.problems.length;
  throw new ValidationError(
    `the flow definition is not valid (${count} problem${count === 1 ? '' : 's'})`,
    result.problems,
  );
}

function shapeProblems(issues: readonly z.core.$ZodIssue[], input: unknown): Problem[] {
  return issues.map((issue) => {
    const [top, index] = issue.path;
    const node =
      top === 'nodes' && typeof index === 'number' ? arrayField(input, 'nodes')?.[index] : undefined;
    const nodeId = fieldOf(node, 'id');
    return {
      path: formatPath(issue.path),
      message: shapeSentence(issue, node),
      code: 'invalid_shape',
      ...(typeof nodeId === 'string' ? { nodeId } : {}),
    };
  });
}

/** Names what a shape problem is about: the node by its name, a connection by its number, or the flow. */
function shapeSentence(issue: z.core.$ZodIssue, node: unknown): string {
  const [top, index, ...rest] = issue.path;
  if (typeof index === 'number' && (top === 'nodes' || top === 'edges')) {
    const name = fieldOf(node, 'name');
    const subject =
      top === 'nodes'
        ? typeof name === 'string' && name.trim() !== ''
          ? name
          : `Node ${index + 1}`
        : `Connection ${index + 1}`;
    return problemSentence(subject, rest, issue.message);
  }
  if (top === 'settings') return problemSentence('Flow settings', issue.path.slice(1), issue.message);
  return problemSentence('Flow', issue.path, issue.message);
}

function parseEach<T>(raw: readonly unknown[], schema: z.ZodType<T>): Indexed<T>[] {
  const out: Indexed<T>[] = [];
  raw.forEach((item, index) => {
    const result = schema.safeParse(item);
    if (result.success) out.push({ index, value: result.data });
  });
  return out;
}

function fieldOf(value: unknown, key: string): unknown {
  if (value === null || typeof value !== 'object' || !Object.hasOwn(value, key)) return undefined;
  return Reflect.get(value, key);
}

function arrayField(value: unknown, key: string): readonly unknown[] | undefined {
  const field = fieldOf(value, key);
  return Array.isArray(field) ? field : undefined;
}
