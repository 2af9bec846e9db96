// Finding people: profiles whose ids start with, or whose traits contain, what was typed — for the editor's
// People page, where a marketer looks someone up by e-mail, name or id.
import type { Queryable } from '@tributary/db';
import { schema } from '@tributary/db';
import { asc, desc, exists, ilike, inArray, or, sql } from 'drizzle-orm';
import type { IdentityKind, ProfileView } from './profiles.js';

/** The most profiles one search answers; a longer list is not read by a person, a narrower search is. */
export const PROFILE_SEARCH_LIMIT = 100;

/** `%` and `_` typed by a person are literal characters, not patterns. */
function literal(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/**
 * Profiles matching `q`, most recently updated first: a userId or anonymousId starting with it, or a trait
 * value containing it (case-insensitive). Without `q`, the most recently updated profiles. The trait match
 * reads the traits of every profile (no index): fine for the thousands a team browses, slow for millions —
 * an id prefix stays cheap.
 */
export async function searchProfiles(
  db: Queryable,
  q: string | undefined,
  limit: number,
): Promise<ProfileView[]> {
  const term = q?.trim() ?? '';
  const where =
    term === ''
      ? undefined
      : or(
          exists(
            db
              .select({ one: sql`1` })
              .from(schema.profileIdentities)
              .where(
                sql`${schema.profileIdentities.profileId} = ${schema.profiles.id} and ${ilike(
                  schema.profileIdentities.value,
                  `${literal(term)}%`,
                )}`,
              ),
          ),
          // values only: a trait's name ("email") matching is not a person matching
          sql`exists (select 1 from jsonb_each_text(${schema.profiles.traits}) t where t.value ilike ${`%${literal(term)}%`})`,
        );
  const rows = await db
    .select()
    .from(schema.profiles)
    .where(where)
    .orderBy(desc(schema.profiles.updatedAt), desc(schema.profiles.id))
    .limit(Math.min(limit, PROFILE_SEARCH_LIMIT));
  if (rows.length === 0) return [];
  const identities = await db
    .select({
      profileId: schema.profileIdentities.profileId,
      kind: schema.profileIdentities.kind,
      value: schema.profileIdentities.value,
    })
    .from(schema.profileIdentities)
    .where(
      inArray(
        schema.profileIdentities.profileId,
        rows.map((r) => r.id),
      ),
    )
    // userIds first, then anonymousIds, each alphabetically (as a single profile lists them)
    .orderBy(desc(schema.profileIdentities.kind), asc(schema.profileIdentities.value));
  const byProfile = new Map<string, Array<{ kind: IdentityKind; value: string }>>();
  for (const { profileId, kind, value } of identities) {
    byProfile.set(profileId, [...(byProfile.get(profileId) ?? []), { kind, value }]);
  }
  return rows.map((row) => ({
    id: row.id,
    traits: row.traits,
    identities: byProfile.get(row.id) ?? [],
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  }));
}
