// Where credentials are used: every `credential` field in the node configs of flow drafts and live versions.
import type { Queryable } from '@tributary/db';
import { schema } from '@tributary/db';
import { and, eq, isNull } from 'drizzle-orm';

/** A flow that refers to a credential, in its draft or its published version. */
export interface CredentialUser {
  id: string;
  slug: string;
  name: string;
}

type JsonObject = Record<string, unknown>;

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The credential ids a value refers to: strings under a `credential` key at any depth. */
function collectReferences(value: unknown, into: Set<string>): void {
  if (Array.isArray(value)) {
    for (const v of value) collectReferences(v, into);
    return;
  }
  if (!isObject(value)) return;
  for (const [key, v] of Object.entries(value)) {
    if (key === 'credential' && typeof v === 'string') into.add(v);
    else collectReferences(v, into);
  }
}

/** The credential ids a flow definition's node configs refer to. */
export function credentialReferences(definition: unknown): Set<string> {
  const ids = new Set<string>();
  if (isObject(definition) && Array.isArray(definition.nodes)) {
    for (const node of definition.nodes) if (isObject(node)) collectReferences(node.config, ids);
  }
  return ids;
}

/** Flows (not deleted) using each credential, by credential id. */
export async function credentialUsers(db: Queryable): Promise<Map<string, CredentialUser[]>> {
  const rows = await db
    .select({
      id: schema.flows.id,
      slug: schema.flows.slug,
      name: schema.flows.name,
      draft: schema.flows.draft,
      live: schema.flowVersions.definition,
    })
    .from(schema.flows)
    .leftJoin(
      schema.flowVersions,
      and(
        eq(schema.flowVersions.flowId, schema.flows.id),
        eq(schema.flowVersions.version, schema.flows.activeVersion),
      ),
    )
    .where(isNull(schema.flows.deletedAt));
  const users = new Map<string, CredentialUser[]>();
  for (const row of rows) {
    const ids = credentialReferences(row.draft);
    for (const id of credentialReferences(row.live)) ids.add(id);
    for (const id of ids) {
      const list = users.get(id) ?? [];
      list.push({ id: row.id, slug: row.slug, name: row.name });
      users.set(id, list);
    }
  }
  return users;
}
