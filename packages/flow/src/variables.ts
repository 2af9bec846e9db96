// Instance variables as expressions see them: `$vars.NAME`. The names a definition reads are found in the
// parsed expressions (not in their text, so `"$vars.X"` inside a string literal is no reference), which lets
// publish and `tributary deploy` refuse a flow that reads a variable the instance does not have.
import jsonata from 'jsonata';
import type { FlowDefinition } from './definition.js';
import type { Problem } from './errors.js';
import { findExpressions } from './expressions.js';
import { parseTemplate } from './template.js';

/** A variable's name: a letter or `_`, then letters, digits or `_`, at most 64 in all (`$vars.NAME` reads it). */
export const VARIABLE_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
/** The longest value a variable may hold, in characters. */
export const MAX_VARIABLE_VALUE_LENGTH = 10_000;
/** How many variables an instance may hold. */
export const MAX_VARIABLES = 1_000;

const MENTION = '$vars';

/** A `$vars.NAME` in a node's config. */
export interface VariableReference {
  name: string;
  nodeId: string;
  /** Where the expression is, e.g. `nodes[2].config.url`. */
  path: string;
}

type AstNode = { type?: unknown; value?: unknown; steps?: unknown };

function isAstNode(value: unknown): value is AstNode {
  return typeof value === 'object' && value !== null;
}

/** The names read as `$vars.NAME` anywhere in a JSONata AST (a whole `$vars` passed on is not a reference). */
function namesIn(node: unknown, into: Set<string>): void {
  if (Array.isArray(node)) {
    for (const member of node) namesIn(member, into);
    return;
  }
  if (!isAstNode(node)) return;
  if (node.type === 'path' && Array.isArray(node.steps)) {
    const [first, second] = node.steps as unknown[];
    if (
      isAstNode(first) &&
      first.type === 'variable' &&
      first.value === 'vars' &&
      isAstNode(second) &&
      second.type === 'name' &&
      typeof second.value === 'string'
    ) {
      into.add(second.value);
    }
  }
  for (const member of Object.values(node)) if (typeof member === 'object') namesIn(member, into);
}

/** The variable names one template string reads; a template that does not parse reads none (validation says why). */
export function variablesInTemplate(template: string): Set<string> {
  const names = new Set<string>();
  if (!template.includes(MENTION)) return names;
  try {
    for (const part of parseTemplate(template).parts) {
      if (part.kind === 'expression' && part.source.includes('$vars'))
        namesIn(jsonata(part.source).ast(), names);
    }
  } catch {
    // a syntax error is validation's to report, with its position
  }
  return names;
}

/** Every `$vars.NAME` the definition's node configs read, in node order. */
export function variableReferences(def: Pick<FlowDefinition, 'nodes'>): VariableReference[] {
  const found: VariableReference[] = [];
  def.nodes.forEach((node, index) => {
    for (const { path, source } of findExpressions(node.config, ['nodes', index, 'config'])) {
      for (const name of variablesInTemplate(source)) found.push({ name, nodeId: node.id, path });
    }
  });
  return found;
}

/** What the placement check needs to know of a node type. */
export interface VariablePlacementInfo {
  category: string;
  traits: { waitsForEvent?: { correlation(config: Readonly<Record<string, unknown>>): string } | undefined };
}

/**
 * Problems with where a definition reads `$vars`: only the expressions a step resolves see variables. A
 * trigger's config, a wait's correlation (also matched against incoming events, outside any step) and the
 * flow's settings are evaluated where no variables are loaded, so `$vars` there is refused rather than read
 * as nothing.
 */
export function variablePlacementProblems(
  def: Pick<FlowDefinition, 'nodes'> & { settings?: unknown },
  typeOf: (type: string) => VariablePlacementInfo | undefined,
): Problem[] {
  const problems: Problem[] = [];
  def.nodes.forEach((node, index) => {
    const type = typeOf(node.type);
    if (!type) return;
    const at = `nodes[${index}].config`;
    if (type.category === 'trigger' && JSON.stringify(node.config).includes(MENTION)) {
      problems.push({
        path: at,
        nodeId: node.id,
        code: 'variable_not_readable',
        message: 'a trigger is evaluated before its run exists and cannot read $vars',
      });
    }
    if (type.traits.waitsForEvent?.correlation(node.config).includes(MENTION)) {
      problems.push({
        path: at,
        nodeId: node.id,
        code: 'variable_not_readable',
        message:
          'the correlation is also evaluated for incoming events, outside any run, and cannot read $vars',
      });
    }
  });
  if (JSON.stringify(def.settings ?? {}).includes(MENTION)) {
    problems.push({
      path: 'settings',
      code: 'variable_not_readable',
      message: 'flow settings are evaluated before a run exists and cannot read $vars',
    });
  }
  return problems;
}

/** Whether any expression of the definition mentions `$vars` (a cheap test before looking closer). */
export function readsVariables(def: Pick<FlowDefinition, 'nodes'>): boolean {
  return JSON.stringify(def.nodes).includes(MENTION);
}

/** The references to variables not in `known`, as problems on the node and field. */
export function unknownVariableProblems(
  def: Pick<FlowDefinition, 'nodes'>,
  known: ReadonlySet<string>,
): Problem[] {
  return variableReferences(def)
    .filter((ref) => !known.has(ref.name))
    .map((ref) => ({
      path: ref.path,
      nodeId: ref.nodeId,
      code: 'variable_not_found',
      message: `reads $vars.${ref.name}, which is not defined on this instance (add it under Variables)`,
    }));
}
