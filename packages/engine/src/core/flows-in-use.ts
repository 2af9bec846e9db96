// The flows that are not deleted, each with the definitions that may still run or be published: its draft
// and its published version. What credentials and variables check when asked who uses them.
import type { Queryable } from '@tributary/db';
import { schema } from '@tributary/db';
import { and, eq, isNull } from 'drizzle-orm';

/** A flow that refers to something (a credential, a variable), in its draft or its published version. */
export interface FlowUser {
  id: string;
  slug: string;
  name: string;
}

/** A flow with its draft and its published definition (absent while nothing is published). */
interface FlowInUse extends FlowUser {
  definitions: unknown[];
}

/** Every flow not deleted, with its draft and published definitions. */
async function flowsInUse(db: Queryable): Promise<FlowInUse[]> {
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
  return rows.map(({ id, slug, name, draft, live }) => ({
    id,
    slug,
    name,
    definitions: live === null ? [draft] : [draft, live],
  }));
}

/** Who uses each referenced thing: `referencesOf` names what one definition refers to. */
export async function usersOf(
  db: Queryable,
  referencesOf: (definition: unknown) => Iterable<string>,
): Promise<Map<string, FlowUser[]>> {
  const users = new Map<string, FlowUser[]>();
  for (const flow of await flowsInUse(db)) {
    const refs = new Set<string>();
    for (const definition of flow.definitions) for (const ref of referencesOf(definition)) refs.add(ref);
    for (const ref of refs) {
      const list = users.get(ref) ?? [];
      list.push({ id: flow.id, slug: flow.slug, name: flow.name });
      users.set(ref, list);
    }
  }
  return users;
}
