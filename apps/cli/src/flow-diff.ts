// What differs between two flow definitions, as people read a change: nodes and edges added, removed or
// changed (matched by id), and for a changed node each config field added, removed or changed. The order of
// nodes and edges in their arrays does not count. Secrets are never shown, and a secret the API masks
// cannot be compared: it is listed as such, not as a change.
import { formatPath } from '@tributary/flow';
import { isObject, type JsonObject } from './canonical.js';

/** What the API shows in place of a secret. */
export const SECRET_MASK = '********';

export type ChangeKind = 'added' | 'removed' | 'changed';

/** One field that differs; values of secret fields are never carried. */
export interface FieldChange {
  path: string;
  kind: ChangeKind;
  before?: unknown;
  after?: unknown;
  secret?: true;
}

/** A node by id, name and type. */
export interface NodeRef {
  id: string;
  name: string;
  type: string;
}

/** A changed node and its changed fields (paths from the node: `config.url`, `position.x`). */
export interface NodeChange extends NodeRef {
  fields: FieldChange[];
}

/** An edge by id, as `source.port → target.port`. */
export interface EdgeRef {
  id: string;
  from: string;
  to: string;
}

/** Every difference between a stored definition and the one that would replace it. */
export interface FlowChanges {
  /** Top-level fields: name, description, settings.*. */
  fields: FieldChange[];
  nodesAdded: NodeRef[];
  nodesRemoved: NodeRef[];
  nodesChanged: NodeChange[];
  edgesAdded: EdgeRef[];
  edgesRemoved: EdgeRef[];
  edgesChanged: Array<{ id: string; before: EdgeRef; after: EdgeRef }>;
  /** Secret fields the API masks, whose stored value cannot be compared with the file's. */
  uncompared: string[];
}

/** Tells which config paths of a node type hold secrets (`headers.Authorization`). */
export type SecretFields = (type: string) => readonly string[];

/** Whether there is nothing to change. */
export function isUnchanged(changes: FlowChanges): boolean {
  return (
    changes.fields.length === 0 &&
    changes.nodesAdded.length === 0 &&
    changes.nodesRemoved.length === 0 &&
    changes.nodesChanged.length === 0 &&
    changes.edgesAdded.length === 0 &&
    changes.edgesRemoved.length === 0 &&
    changes.edgesChanged.length === 0
  );
}

type Leaf = { segments: PropertyKey[]; value: unknown };

/** Every leaf of a JSON value by its path (empty objects and arrays are leaves). */
function leaves(
  value: unknown,
  segments: PropertyKey[] = [],
  out = new Map<string, Leaf>(),
): Map<string, Leaf> {
  if (isObject(value) && Object.keys(value).length > 0) {
    for (const [key, inner] of Object.entries(value)) leaves(inner, [...segments, key], out);
  } else if (Array.isArray(value) && value.length > 0) {
    value.forEach((inner, index) => {
      leaves(inner, [...segments, index], out);
    });
  } else {
    out.set(formatPath(segments), { segments, value });
  }
  return out;
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Field changes between two values; `secretAt` says whether a path holds a secret. */
function fieldChanges(
  before: unknown,
  after: unknown,
  secretAt: (segments: PropertyKey[]) => boolean,
  uncompared: string[],
  where = '',
): FieldChange[] {
  const a = leaves(before);
  const b = leaves(after);
  const changes: FieldChange[] = [];
  const paths = [...new Set([...a.keys(), ...b.keys()])].sort();
  for (const path of paths) {
    const was = a.get(path);
    const now = b.get(path);
    const segments = (now ?? was)?.segments ?? [];
    const secret = secretAt(segments);
    if (was && now && sameJson(was.value, now.value)) continue;
    if (secret && was?.value === SECRET_MASK && typeof now?.value === 'string' && now.value !== '') {
      uncompared.push(`${where}${path}`);
      continue;
    }
    const kind: ChangeKind = !was ? 'added' : !now ? 'removed' : 'changed';
    if (secret) changes.push({ path, kind, secret: true });
    else {
      changes.push({
        path,
        kind,
        ...(was ? { before: was.value } : {}),
        ...(now ? { after: now.value } : {}),
      });
    }
  }
  return changes;
}

function nodesById(definition: JsonObject): Map<string, JsonObject> {
  const nodes = Array.isArray(definition.nodes) ? definition.nodes : [];
  return new Map(
    nodes.filter(isObject).flatMap((n) => (typeof n.id === 'string' ? [[n.id, n] as const] : [])),
  );
}

function nodeRef(node: JsonObject): NodeRef {
  return { id: String(node.id), name: String(node.name ?? ''), type: String(node.type ?? '') };
}

function edgeRef(edge: JsonObject): EdgeRef {
  const port = (handle: unknown) => (typeof handle === 'string' && handle !== '' ? handle : 'main');
  return {
    id: String(edge.id),
    from: `${String(edge.source)}.${port(edge.sourceHandle)}`,
    to: `${String(edge.target)}.${port(edge.targetHandle)}`,
  };
}

function edgesById(definition: JsonObject): Map<string, EdgeRef> {
  const edges = Array.isArray(definition.edges) ? definition.edges : [];
  return new Map(
    edges
      .filter(isObject)
      .map(edgeRef)
      .map((e) => [e.id, e]),
  );
}

/** The changes that turn `before` (stored; empty when the flow is new) into `after`. */
export function diffFlows(
  before: JsonObject | undefined,
  after: JsonObject,
  secretFields: SecretFields,
): FlowChanges {
  const uncompared: string[] = [];
  const { nodes: _n1, edges: _e1, ...topBefore } = before ?? {};
  const { nodes: _n2, edges: _e2, ...topAfter } = after;
  const fields = before ? fieldChanges(topBefore, topAfter, () => false, uncompared) : [];

  const oldNodes = nodesById(before ?? {});
  const newNodes = nodesById(after);
  const nodesAdded = [...newNodes.values()].filter((n) => !oldNodes.has(String(n.id))).map(nodeRef);
  const nodesRemoved = [...oldNodes.values()].filter((n) => !newNodes.has(String(n.id))).map(nodeRef);
  const nodesChanged: NodeChange[] = [];
  for (const [id, now] of newNodes) {
    const was = oldNodes.get(id);
    if (!was) continue;
    const secrets = new Set(secretFields(String(now.type)).concat(secretFields(String(was.type))));
    const secretAt = (segments: PropertyKey[]) =>
      segments[0] === 'config' && secrets.has(segments.slice(1).map(String).join('.'));
    const changed = fieldChanges(was, now, secretAt, uncompared, `node ${id}: `);
    if (changed.length > 0) nodesChanged.push({ ...nodeRef(now), fields: changed });
  }

  const oldEdges = edgesById(before ?? {});
  const newEdges = edgesById(after);
  const edgesAdded = [...newEdges.values()].filter((e) => !oldEdges.has(e.id));
  const edgesRemoved = [...oldEdges.values()].filter((e) => !newEdges.has(e.id));
  const edgesChanged = [...newEdges.values()].flatMap((now) => {
    const was = oldEdges.get(now.id);
    return was && (was.from !== now.from || was.to !== now.to)
      ? [{ id: now.id, before: was, after: now }]
      : [];
  });

  return {
    fields,
    nodesAdded,
    nodesRemoved,
    nodesChanged,
    edgesAdded,
    edgesRemoved,
    edgesChanged,
    uncompared,
  };
}
