// Secret fields of node configs: masked in every answer, and a masked value sent back keeps the stored one.
import type { FlowDefinition, Problem } from '@tributary/flow';
import { getNodeType } from '@tributary/nodes';

/** What a secret looks like in API answers. */
export const SECRET_MASK = '********';

type JsonObject = Record<string, unknown>;

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function getPath(obj: unknown, path: readonly string[]): unknown {
  let cur = obj;
  for (const key of path) {
    if (!isObject(cur)) return undefined;
    cur = cur[key];
  }
  return cur;
}

function setPath(obj: JsonObject, path: readonly string[], value: unknown): void {
  let cur: unknown = obj;
  for (const key of path.slice(0, -1)) {
    if (!isObject(cur)) return;
    cur = cur[key];
  }
  const last = path[path.length - 1];
  if (isObject(cur) && last !== undefined && last in cur) cur[last] = value;
}

function secretPaths(type: string): string[][] {
  return (getNodeType(type)?.secretFields ?? []).map((p) => p.split('.'));
}

/** A copy of the definition with every secret config value replaced by the mask. */
export function maskSecrets<T extends Pick<FlowDefinition, 'nodes'>>(def: T): T {
  const copy = structuredClone(def);
  for (const node of copy.nodes) {
    for (const path of secretPaths(node.type)) {
      const value = getPath(node.config, path);
      if (typeof value === 'string' && value !== '') setPath(node.config, path, SECRET_MASK);
    }
  }
  return copy;
}

/**
 * Puts stored secrets back where an incoming definition carries the mask, matching nodes by id,
 * so that an exported (masked) flow can be saved again without losing its secrets.
 */
export function restoreSecrets(
  incoming: unknown,
  previous: Pick<FlowDefinition, 'nodes'> | undefined,
): unknown {
  if (!previous || !isObject(incoming) || !Array.isArray(incoming.nodes)) return incoming;
  const byId = new Map(previous.nodes.map((n) => [n.id, n]));
  const copy = structuredClone(incoming);
  for (const node of copy.nodes as unknown[]) {
    if (!isObject(node) || typeof node.id !== 'string' || typeof node.type !== 'string') continue;
    const before = byId.get(node.id);
    if (!before || before.type !== node.type) continue;
    for (const path of secretPaths(node.type)) {
      if (getPath(node.config, path) === SECRET_MASK) {
        setPath(node.config as JsonObject, path, getPath(before.config, path));
      }
    }
  }
  return copy;
}

/**
 * Secret fields that still hold the mask: a masked flow was imported or copied into a place with no stored
 * secret to restore. Saving the mask as the secret would make it guessable, so it counts as a problem.
 */
export function maskedSecretProblems(def: Pick<FlowDefinition, 'nodes'>): Problem[] {
  const problems: Problem[] = [];
  def.nodes.forEach((node, index) => {
    for (const path of secretPaths(node.type)) {
      if (getPath(node.config, path) === SECRET_MASK) {
        problems.push({
          path: `nodes[${index}].config.${path.join('.')}`,
          nodeId: node.id,
          code: 'masked_secret',
          message: 'this secret was masked when the flow was exported or copied; enter it again',
        });
      }
    }
  });
  return problems;
}
