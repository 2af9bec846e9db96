// Secret fields of node configs: masked in every answer, and a masked value sent back keeps the stored one.
// Secrets of old config shapes that now live in credentials (the webhook trigger's auth) are refused, save
// one masked by an export sent back over a node that refers to a credential: that becomes the reference.
import type { FlowDefinition, Problem } from '@tributary/flow';
import type { InlineSecret, NodeType } from '@tributary/nodes';
import { getCredentialType, getNodeType } from '@tributary/nodes';

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
    maskInlineSecret(node);
  }
  return copy;
}

/** The secrets of an old config shape the start-up migration could not move (it says why in its log). */
function maskInlineSecret(node: { type: string; config: JsonObject }): void {
  const inline = getNodeType(node.type)?.inlineSecret?.(node.config);
  const holder = inline ? node.config[inline.field] : undefined;
  if (!inline || !isObject(holder)) return;
  const secrets = new Set(getCredentialType(inline.credentialType)?.secretsOf(inline.data));
  for (const [key, value] of Object.entries(holder)) {
    if (typeof value === 'string' && secrets.has(value)) holder[key] = SECRET_MASK;
  }
}

/** Whether every secret of an old-shape config holds the mask: it came from an export, nobody typed it. */
function maskedInline(inline: InlineSecret): boolean {
  const fields = getCredentialType(inline.credentialType)?.secretFields ?? [];
  return fields.length > 0 && fields.every((field) => inline.data[field] === SECRET_MASK);
}

/** The credential a stored node refers to in place of an old shape's secret, if it is of the right type. */
function storedReference(type: NodeType, inline: InlineSecret, stored: JsonObject): string | undefined {
  const holder = stored[inline.field];
  const id = isObject(holder) ? holder.credential : undefined;
  if (typeof id !== 'string' || id === '') return undefined;
  return type.credentialTypesFor(stored).includes(inline.credentialType) ? id : undefined;
}

/**
 * Puts stored secrets back where an incoming definition carries the mask, matching nodes by id, so that an
 * exported (masked) flow can be saved again without losing its secrets. An export made before secrets moved
 * into credentials (old shape, secret masked) takes the credential the stored node now refers to.
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
    const type = getNodeType(node.type);
    const inline = type && isObject(node.config) ? type.inlineSecret?.(node.config) : undefined;
    if (type && inline && maskedInline(inline)) {
      const reference = storedReference(type, inline, before.config);
      if (reference) node.config = inline.withCredential(reference);
    }
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

/**
 * Old config shapes holding a secret inline (the webhook trigger's auth before credentials): refused, with
 * the credential to create instead. `onlyTyped` leaves out those whose secrets are all masked (an export),
 * which an autosaved draft may keep as a problem to fix.
 */
export function inlineSecretProblems(def: unknown, onlyTyped = false): Problem[] {
  const problems: Problem[] = [];
  // Array.isArray gives any[]; each node is checked below
  const nodes = isObject(def) && Array.isArray(def.nodes) ? (def.nodes as unknown[]) : [];
  nodes.forEach((node, index) => {
    if (!isObject(node) || typeof node.type !== 'string' || !isObject(node.config)) return;
    const inline = getNodeType(node.type)?.inlineSecret?.(node.config);
    if (!inline) return;
    const masked = maskedInline(inline);
    if (onlyTyped && masked) return;
    problems.push({
      path: `nodes[${index}].config.${inline.field}`,
      ...(typeof node.id === 'string' ? { nodeId: node.id } : {}),
      code: 'inline_secret',
      message:
        `${masked ? 'this secret was masked when the flow was exported; ' : ''}secrets no longer live in ` +
        `flows: create a ${inline.credentialType} credential holding it and refer to it from ` +
        `${inline.field}.credential (with ${inline.field}.type kept)`,
    });
  });
  return problems;
}
