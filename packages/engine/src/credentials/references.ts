// Checking a flow's credential references before it runs: each one names an existing credential of a type
// its node accepts. Publish and test runs refuse (422) what fails, on the node and field.
import type { Queryable } from '@tributary/db';
import type { FlowDefinition, Problem } from '@tributary/flow';
import { getNodeType } from '@tributary/nodes';
import { credentialTypesById } from './store.js';

/** The credentials there are, by id (name and type only): what references are checked against. */
export type KnownCredentials = ReadonlyMap<string, { name: string; type: string }>;

/** Whether any node of the definition takes a credential (so checking it needs the known credentials). */
export function takesCredentials(def: Pick<FlowDefinition, 'nodes'>): boolean {
  return def.nodes.some((node) => (getNodeType(node.type)?.credentialTypes.length ?? 0) > 0);
}

/** The credentials there are, for `referenceProblems`. */
export function knownCredentials(db: Queryable): Promise<KnownCredentials> {
  return credentialTypesById(db);
}

/** Problems with the credentials a definition's nodes name; none when every reference is sound. */
export async function credentialProblems(
  db: Queryable,
  def: Pick<FlowDefinition, 'nodes'>,
): Promise<Problem[]> {
  if (!takesCredentials(def)) return [];
  return referenceProblems(await knownCredentials(db), def);
}

/** The same check against credentials already loaded (one query for a whole list of flows). */
export function referenceProblems(known: KnownCredentials, def: Pick<FlowDefinition, 'nodes'>): Problem[] {
  const problems: Problem[] = [];
  def.nodes.forEach((node, index) => {
    const type = getNodeType(node.type);
    if (!type || type.credentialTypes.length === 0) return;
    // narrowed by the config where the node says so (the webhook trigger's auth type)
    const accepted = type.credentialTypesFor(node.config);
    for (const { path, id } of referencesIn(node.config)) {
      const at = `nodes[${index}].config.${path}`;
      const found = known.get(id);
      if (id.includes('{{')) {
        problems.push({
          path: at,
          nodeId: node.id,
          code: 'credential_expression',
          message: 'choose a credential; it cannot be computed by an expression',
        });
      } else if (!found) {
        problems.push({
          path: at,
          nodeId: node.id,
          code: 'credential_not_found',
          message: `no credential with id ${id}`,
        });
      } else if (!accepted.includes(found.type)) {
        problems.push({
          path: at,
          nodeId: node.id,
          code: 'wrong_credential_type',
          message: `credential "${found.name}" is ${found.type}; this node accepts ${accepted.join(', ')}`,
        });
      }
    }
  });
  return problems;
}

/** The `credential` fields of a config (top level, or one level down as in the webhook trigger's `auth`). */
function referencesIn(config: Readonly<Record<string, unknown>>): Array<{ path: string; id: string }> {
  const found: Array<{ path: string; id: string }> = [];
  if (typeof config.credential === 'string' && config.credential !== '') {
    found.push({ path: 'credential', id: config.credential });
  }
  for (const [key, value] of Object.entries(config)) {
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
      const inner = (value as Record<string, unknown>).credential;
      if (typeof inner === 'string' && inner !== '') found.push({ path: `${key}.credential`, id: inner });
    }
  }
  return found;
}
