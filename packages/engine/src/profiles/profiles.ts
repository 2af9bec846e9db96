// Profiles: what is known about a person — traits from identify calls and the ids (userId, anonymousId) linked to them.
import type { Queryable, Transaction } from '@tributary/db';
import { jsonRows, newId, schema, selectRows } from '@tributary/db';
import { NotFoundError, UnavailableError } from '@tributary/flow';
import type { SQL } from 'drizzle-orm';
import { and, desc, eq, inArray, ne, or, sql } from 'drizzle-orm';

/** The kinds of id a profile is known by. */
export type IdentityKind = 'userId' | 'anonymousId';

/** What `applyIdentity` reads from a tracking message (a `TrackingMessage` fits). */
export interface IdentityMessage {
  type: 'track' | 'identify' | 'page' | 'screen' | 'group' | 'alias';
  userId?: string | null | undefined;
  anonymousId?: string | null | undefined;
  previousId?: string | null | undefined;
  traits?: Record<string, unknown> | undefined;
}

/** A profile with the ids it is known by. */
export interface ProfileView {
  id: string;
  traits: Record<string, unknown>;
  identities: Array<{ kind: IdentityKind; value: string }>;
  createdAt: Date;
  updatedAt: Date;
}

/** A profile with its latest events (newest first; payloads are read through the event log). */
export interface ProfileWithEvents extends ProfileView {
  recentEvents: Array<{
    id: string;
    source: string;
    type: string;
    name: string | null;
    userId: string | null;
    anonymousId: string | null;
    occurredAt: Date | null;
    receivedAt: Date;
  }>;
}

interface Identity {
  kind: IdentityKind;
  value: string;
}

type ProfileRow = typeof schema.profiles.$inferSelect;

/** Advisory-lock namespace of identity locks (the second key is a hash of `kind:value`). */
const IDENTITY_LOCK_SPACE = 7_210_002;
/** A concurrent merge can delete a profile we just read; we re-read this many times. */
const MAX_ATTEMPTS = 5;

function present(value: string | null | undefined): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

/**
 * Serialises every transaction that touches the same ids, in one global order (no deadlock within a call):
 * one statement takes them all, in the sorted order given.
 */
async function lockIdentities(tx: Transaction, ids: Identity[]): Promise<void> {
  const keys = [...new Set(ids.map((i) => `${i.kind}:${i.value}`))].sort();
  if (keys.length === 0) return;
  await tx.execute(
    sql`select pg_advisory_xact_lock(${IDENTITY_LOCK_SPACE}, hashtext(k.key))
      from jsonb_array_elements_text(${JSON.stringify(keys)}::jsonb) with ordinality as k(key, n)
      order by k.n`,
  );
}

async function profileOf(tx: Transaction, id: Identity): Promise<string | undefined> {
  const [row] = await tx
    .select({ profileId: schema.profileIdentities.profileId })
    .from(schema.profileIdentities)
    .where(and(eq(schema.profileIdentities.kind, id.kind), eq(schema.profileIdentities.value, id.value)));
  return row?.profileId;
}

/** Locks the profiles in id order; undefined when one vanished (merged away by a concurrent call). */
async function lockProfiles(
  tx: Transaction,
  ids: Array<string | undefined>,
): Promise<Map<string, ProfileRow> | undefined> {
  const wanted = [...new Set(ids.filter((id): id is string => id !== undefined))].sort();
  const rows = new Map<string, ProfileRow>();
  for (const id of wanted) {
    const [row] = await tx.select().from(schema.profiles).where(eq(schema.profiles.id, id)).for('update');
    if (!row) return undefined;
    rows.set(id, row);
  }
  return rows;
}

async function createProfile(tx: Transaction): Promise<ProfileRow> {
  const [row] = await tx.insert(schema.profiles).values({ id: newId(), traits: {} }).returning();
  if (!row) throw new UnavailableError('the profile was not created');
  return row;
}

/** Points an id at a profile, moving it if it pointed elsewhere. */
async function link(tx: Transaction, id: Identity, profileId: string): Promise<void> {
  await tx
    .insert(schema.profileIdentities)
    .values({ kind: id.kind, value: id.value, profileId })
    .onConflictDoUpdate({
      target: [schema.profileIdentities.kind, schema.profileIdentities.value],
      set: { profileId },
    });
}

async function hasOtherUserId(tx: Transaction, profileId: string, userId: string): Promise<boolean> {
  const [row] = await tx
    .select({ value: schema.profileIdentities.value })
    .from(schema.profileIdentities)
    .where(
      and(
        eq(schema.profileIdentities.profileId, profileId),
        eq(schema.profileIdentities.kind, 'userId'),
        ne(schema.profileIdentities.value, userId),
      ),
    )
    .limit(1);
  return row !== undefined;
}

/**
 * Folds `from` into `into`: every id of `from` moves over, traits are combined (where both have a trait,
 * `into` keeps its value), and `from` is deleted.
 */
async function merge(tx: Transaction, from: ProfileRow, into: ProfileRow): Promise<ProfileRow> {
  await tx
    .update(schema.profileIdentities)
    .set({ profileId: into.id })
    .where(eq(schema.profileIdentities.profileId, from.id));
  const traits = { ...from.traits, ...into.traits };
  const [merged] = await tx
    .update(schema.profiles)
    .set({ traits, updatedAt: new Date() })
    .where(eq(schema.profiles.id, into.id))
    .returning();
  await tx.delete(schema.profiles).where(eq(schema.profiles.id, from.id));
  return merged ?? { ...into, traits };
}

async function mergeTraits(tx: Transaction, profile: ProfileRow, traits: Record<string, unknown>) {
  if (Object.keys(traits).length === 0) return;
  await tx
    .update(schema.profiles)
    .set({ traits: { ...profile.traits, ...traits }, updatedAt: new Date() })
    .where(eq(schema.profiles.id, profile.id));
}

/**
 * Links a userId and an anonymousId (either may be absent) and returns their profile; false when a concurrent
 * merge got in the way and the caller should read again. A profile gets at most one userId this way: an
 * anonymousId already tied to another userId's profile moves to this userId's profile instead of merging.
 */
async function linkUserAndAnonymous(
  tx: Transaction,
  userId: string | undefined,
  anonymousId: string | undefined,
): Promise<ProfileRow | false> {
  const user: Identity | undefined = userId ? { kind: 'userId', value: userId } : undefined;
  const anon: Identity | undefined = anonymousId ? { kind: 'anonymousId', value: anonymousId } : undefined;
  // an alias that named this userId before it was ever seen recorded it as an anonymousId (aliasIds): that
  // profile is the user's, whichever of the two calls came first (both take the userId's identity lock)
  const userLinked = user ? await profileOf(tx, user) : undefined;
  const pUser =
    user && userLinked === undefined
      ? await profileOf(tx, { kind: 'anonymousId', value: user.value })
      : userLinked;
  const pAnon = anon ? await profileOf(tx, anon) : undefined;
  const rows = await lockProfiles(tx, [pUser, pAnon]);
  if (!rows) return false;
  const userRow = pUser ? rows.get(pUser) : undefined;
  const anonRow = pAnon ? rows.get(pAnon) : undefined;

  let target: ProfileRow;
  if (userRow && anonRow && userRow.id !== anonRow.id) {
    // both known apart: an anonymous-only profile is the same person seen before login; merge it
    const anonTaken = userId !== undefined && (await hasOtherUserId(tx, anonRow.id, userId));
    target = anonTaken ? userRow : await merge(tx, anonRow, userRow);
  } else if (!userRow && anonRow && userId !== undefined && (await hasOtherUserId(tx, anonRow.id, userId))) {
    // the device belonged to someone else before (shared computer): this user gets a profile of their own
    target = await createProfile(tx);
  } else {
    target = userRow ?? anonRow ?? (await createProfile(tx));
  }
  // a userRow found through the alias's anonymousId record has no userId record yet: link makes it
  if (user && (userLinked === undefined || userRow?.id !== target.id)) await link(tx, user, target.id);
  if (anon && anonRow?.id !== target.id) await link(tx, anon, target.id);
  return target;
}

/**
 * Ties `previousId` (a userId or anonymousId seen before; recorded as an anonymousId when never seen) to
 * `userId`. When both already have profiles, the previousId's profile is merged into the userId's.
 */
async function aliasIds(tx: Transaction, previousId: string, userId: string): Promise<ProfileRow | false> {
  const user: Identity = { kind: 'userId', value: userId };
  const pUser = await profileOf(tx, user);
  const pPrevious =
    (await profileOf(tx, { kind: 'userId', value: previousId })) ??
    (await profileOf(tx, { kind: 'anonymousId', value: previousId }));
  const rows = await lockProfiles(tx, [pUser, pPrevious]);
  if (!rows) return false;
  const userRow = pUser ? rows.get(pUser) : undefined;
  const previousRow = pPrevious ? rows.get(pPrevious) : undefined;

  let target: ProfileRow;
  if (userRow && previousRow && userRow.id !== previousRow.id) target = await merge(tx, previousRow, userRow);
  else target = userRow ?? previousRow ?? (await createProfile(tx));
  if (!userRow) await link(tx, user, target.id);
  if (!previousRow) await link(tx, { kind: 'anonymousId', value: previousId }, target.id);
  return target;
}

/** The identity locks a message needs (none for a message that changes no profile). */
function locksOf(message: IdentityMessage): Identity[] {
  const userId = present(message.userId);
  const anonymousId = present(message.anonymousId);
  if (message.type === 'alias') {
    const previousId = present(message.previousId);
    if (!previousId || !userId || previousId === userId) return [];
    return [
      { kind: 'userId', value: userId },
      { kind: 'userId', value: previousId },
      { kind: 'anonymousId', value: previousId },
    ];
  }
  const ids: Identity[] = [];
  if (userId) ids.push({ kind: 'userId', value: userId });
  if (anonymousId) ids.push({ kind: 'anonymousId', value: anonymousId });
  return ids;
}

/**
 * Takes, in one global order, every identity lock a batch will need, before any of its messages is applied:
 * two concurrent batches touching the same people then queue instead of deadlocking (advisory locks are
 * re-entrant within a transaction, so applyIdentity's own locks are then no-ops).
 */
/**
 * The key of the link a track, page, screen or group call makes between its userId and anonymousId; none for
 * identify and alias calls (they change more than the link) or when either id is missing (nothing to link).
 */
export function identityPairKey(message: IdentityMessage): string | undefined {
  if (message.type === 'identify' || message.type === 'alias') return undefined;
  const userId = present(message.userId);
  const anonymousId = present(message.anonymousId);
  return userId && anonymousId ? `${userId}\u0000${anonymousId}` : undefined;
}

/** The pairs (`identityPairKey`) of a batch's track, page, screen and group calls, by key. */
function pairsOf(messages: readonly IdentityMessage[]): Map<string, { userId: string; anonymousId: string }> {
  const pairs = new Map<string, { userId: string; anonymousId: string }>();
  for (const m of messages) {
    const key = identityPairKey(m);
    if (key !== undefined)
      pairs.set(key, { userId: m.userId as string, anonymousId: m.anonymousId as string });
  }
  return pairs;
}

/**
 * The query for the identity rows of these userIds and anonymousIds: each id looked up in the (kind, value)
 * key on its own (a nested loop whatever the statistics say). The ids go as one JSON parameter per kind, so
 * the SQL text is the same for any batch and stays a prepared statement. Forms Postgres may plan as a scan
 * were measured and left: two `kind = … and value in (select …)` under an OR filter every identity through a
 * hashed subquery whatever the table's size (39 ms per batch at 400,000 identities); a join of the ids with
 * the table is planned as a scan of it while statistics are missing (a new installation), and that plan stays
 * cached on the connection as the table grows. `limit 1` keeps the lateral lookup a lookup.
 */
export function identitiesQuery(userIds: readonly string[], anonymousIds: readonly string[]): SQL {
  const I = schema.profileIdentities;
  const kind = sql.identifier(I.kind.name);
  const value = sql.identifier(I.value.name);
  return sql`select ids.kind, ids.value, i.profile_id as "profileId"
    from (
      select 'userId'::text as kind, v as value from jsonb_array_elements_text(${JSON.stringify(userIds)}::jsonb) v
      union all
      select 'anonymousId'::text, v from jsonb_array_elements_text(${JSON.stringify(anonymousIds)}::jsonb) v
    ) ids
    cross join lateral (
      select ${sql.identifier(I.profileId.name)} as profile_id from ${I}
      where ${kind} = ids.kind and ${value} = ids.value limit 1
    ) i`;
}

/** The profile of each id (`kind:value`) of the calls' pairs that some profile has; what linkPairsOfBatch reads. */
export type PairProfiles = ReadonlyMap<string, string>;

/**
 * Looks up the profiles of the ids in the calls' pairs (one statement). Ask it once the batch's identity
 * locks are held (the statement must start after the one taking them ends: its snapshot must see what the
 * lock's last holder committed), so the answer stays true until the transaction ends; it may be asked for
 * more calls than are then linked.
 */
export async function profilesOfPairs(
  db: Queryable,
  messages: readonly IdentityMessage[],
): Promise<PairProfiles> {
  const pairs = pairsOf(messages);
  if (pairs.size === 0) return new Map();
  const userIds = [...new Set([...pairs.values()].map((p) => p.userId))];
  const anonymousIds = [...new Set([...pairs.values()].map((p) => p.anonymousId))];
  const rows = await selectRows<{ kind: string; value: string; profileId: string }>(
    db,
    identitiesQuery(userIds, anonymousIds),
  );
  return new Map(rows.map((r) => [`${r.kind}:${r.value}`, r.profileId]));
}

/**
 * Links in bulk what a batch's track, page, screen and group calls would link one by one, and returns their
 * pair keys (`identityPairKey`): pairs already linked to one profile need nothing, and pairs of two ids never
 * seen before (and named by no other call of the batch) get a new profile each — one statement for all of them.
 * The calls whose keys are returned need no `applyIdentity`; the rest take the one-by-one path. Call it
 * holding the batch's identity locks, with what `profilesOfPairs` found for these calls (or more), so the
 * answer stays true until the transaction ends.
 */
export async function linkPairsOfBatch(
  tx: Transaction,
  messages: readonly IdentityMessage[],
  profileOfId: PairProfiles,
): Promise<Set<string>> {
  const pairs = pairsOf(messages);
  if (pairs.size === 0) return new Set();
  const I = schema.profileIdentities;
  // where each id value appears in the batch, in any role (an alias or identify call may name it too):
  // only ids used by one pair and nothing else are brand new in the sense that ordering cannot matter
  const usedBy = new Map<string, Set<string>>();
  messages.forEach((m, i) => {
    const token = identityPairKey(m) ?? `#${i}`;
    for (const value of [m.userId, m.anonymousId, m.previousId]) {
      const id = present(value);
      if (id === undefined) continue;
      const users = usedBy.get(id) ?? new Set<string>();
      users.add(token);
      usedBy.set(id, users);
    }
  });
  const onlyIn = (id: string, key: string) => {
    const users = usedBy.get(id);
    return users?.size === 1 && users.has(key);
  };
  const linked = new Set<string>();
  const fresh: Array<{ key: string; userId: string; anonymousId: string }> = [];
  for (const [key, { userId, anonymousId }] of pairs) {
    const user = profileOfId.get(`userId:${userId}`);
    const anon = profileOfId.get(`anonymousId:${anonymousId}`);
    if (isLinked(profileOfId, userId, anonymousId)) linked.add(key);
    else if (user === undefined && anon === undefined && onlyIn(userId, key) && onlyIn(anonymousId, key)) {
      fresh.push({ key, userId, anonymousId });
    }
  }
  if (fresh.length > 0) {
    const people = fresh.map((f) => ({ ...f, profileId: newId() }));
    const profiles = jsonRows(
      schema.profiles,
      people.map((p) => ({ id: p.profileId, traits: {} })),
    );
    const identities = jsonRows(
      I,
      people.flatMap((p) => [
        { kind: 'userId' as const, value: p.userId, profileId: p.profileId },
        { kind: 'anonymousId' as const, value: p.anonymousId, profileId: p.profileId },
      ]),
    );
    // one statement for both: the identities' reference to their profile is checked at the statement's end
    await tx.execute(
      sql`with new_profiles as (insert into ${schema.profiles} ${profiles.columns} ${profiles.select})
        insert into ${I} ${identities.columns} ${identities.select}`,
    );
    for (const p of people) linked.add(p.key);
  }
  return linked;
}

/** Whether `profileOfId` (profilesOfPairs) has the userId's record and the anonymousId on one profile. */
function isLinked(profileOfId: PairProfiles, userId: string, anonymousId: string): boolean {
  const user = profileOfId.get(`userId:${userId}`);
  return user !== undefined && user === profileOfId.get(`anonymousId:${anonymousId}`);
}

/**
 * Whether these calls change a profile whatever is stored: an identify or alias call does (traits, or more
 * than a link). The others — track, page, screen and group — change one only by linking a userId–anonymousId
 * pair not linked yet (see pairsLinkedCondition).
 */
export function changesProfiles(messages: readonly IdentityMessage[]): boolean {
  return messages.some((m) => m.type === 'identify' || m.type === 'alias');
}

/**
 * For track, page, screen and group calls: the SQL condition that each of their userId–anonymousId pairs is
 * linked to one profile already, so that applyIdentity would write nothing for them — undefined when they
 * name no pair (nothing to link). Tracking ingest writes such a batch in one statement on this condition
 * (insertEventsWithRuns), checked in the statement's own snapshot; when it does not hold, the batch takes the
 * transaction that links. No identity lock is needed: a link may be moved the next moment only by a call
 * that names another user with the same anonymousId (a shared device), and these calls then come before
 * that one. Each id is looked up in the (kind, value) key on its own, and the pairs go as one JSON
 * parameter, so the SQL text is the same for any batch (see identitiesQuery).
 */
export function pairsLinkedCondition(messages: readonly IdentityMessage[]): SQL | undefined {
  const pairs = [...pairsOf(messages).values()];
  if (pairs.length === 0) return undefined;
  const I = schema.profileIdentities;
  const profileOf = (kind: 'userId' | 'anonymousId', value: SQL) =>
    sql`(select ${sql.identifier(I.profileId.name)} from ${I}
      where ${sql.identifier(I.kind.name)} = ${sql.raw(`'${kind}'`)}
        and ${sql.identifier(I.value.name)} = ${value} limit 1)`;
  return sql`not exists (
    select 1 from jsonb_to_recordset(${JSON.stringify(pairs)}::jsonb) as p("userId" text, "anonymousId" text)
    where (${profileOf('userId', sql`p."userId"`)} = ${profileOf('anonymousId', sql`p."anonymousId"`)}) is not true
  )`;
}

export async function lockIdentitiesOfBatch(
  tx: Transaction,
  messages: readonly IdentityMessage[],
): Promise<void> {
  await lockIdentities(tx, messages.flatMap(locksOf));
}

/**
 * Updates profiles for one accepted tracking message, inside the ingest transaction:
 * - identify: merges `traits` (top-level keys; the newest value wins) into the profile found by userId or
 *   anonymousId, creating it and linking both ids;
 * - alias: links previousId and userId to one profile, merging two profiles into the userId's;
 * - track, page, screen, group: links the anonymousId to the userId's profile when both are present.
 */
export async function applyIdentity(
  tx: Transaction,
  message: IdentityMessage,
  options: { batchLocked?: boolean } = {},
): Promise<void> {
  // lockIdentitiesOfBatch took every lock this message needs already
  const lock = options.batchLocked ? async () => {} : lockIdentities;
  const userId = present(message.userId);
  const anonymousId = present(message.anonymousId);
  if (message.type === 'alias') {
    const previousId = present(message.previousId);
    if (!previousId || !userId || previousId === userId) return;
    await lock(tx, [
      { kind: 'userId', value: userId },
      { kind: 'userId', value: previousId },
      { kind: 'anonymousId', value: previousId },
    ]);
    await withRereads(() => aliasIds(tx, previousId, userId));
    return;
  }
  const isIdentify = message.type === 'identify';
  if (isIdentify ? !userId && !anonymousId : !userId || !anonymousId) return;
  const ids: Identity[] = [];
  if (userId) ids.push({ kind: 'userId', value: userId });
  if (anonymousId) ids.push({ kind: 'anonymousId', value: anonymousId });
  await lock(tx, ids);
  const profile = await withRereads(() => linkUserAndAnonymous(tx, userId, anonymousId));
  // the returned row is locked and current (merges return the merged row), so its traits are the base
  if (isIdentify && message.traits) await mergeTraits(tx, profile, message.traits);
}

async function withRereads(step: () => Promise<ProfileRow | false>): Promise<ProfileRow> {
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    const done = await step();
    if (done) return done;
  }
  throw new UnavailableError('profiles kept changing under concurrent merges; try again', {
    retryAfterSeconds: 1,
  });
}

async function identitiesOf(db: Queryable, profileId: string) {
  return (
    db
      .select({ kind: schema.profileIdentities.kind, value: schema.profileIdentities.value })
      .from(schema.profileIdentities)
      .where(eq(schema.profileIdentities.profileId, profileId))
      // userIds first, then anonymousIds, each alphabetically
      .orderBy(desc(schema.profileIdentities.kind), schema.profileIdentities.value)
  );
}

async function viewOf(db: Queryable, row: ProfileRow): Promise<ProfileView> {
  return {
    id: row.id,
    traits: row.traits,
    identities: await identitiesOf(db, row.id),
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

async function profileRowById(db: Queryable, id: string): Promise<ProfileRow | undefined> {
  const [row] = await db.select().from(schema.profiles).where(eq(schema.profiles.id, id));
  return row;
}

async function profileRowByIdentity(db: Queryable, kind: IdentityKind, value: string) {
  const [row] = await db
    .select({ profile: schema.profiles })
    .from(schema.profileIdentities)
    .innerJoin(schema.profiles, eq(schema.profiles.id, schema.profileIdentities.profileId))
    .where(and(eq(schema.profileIdentities.kind, kind), eq(schema.profileIdentities.value, value)));
  return row?.profile;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The profile of a userId, or undefined when that user has none (e.g. for `$profile` in expressions). */
export async function profileForUser(db: Queryable, userId: string): Promise<ProfileView | undefined> {
  const row = await profileRowByIdentity(db, 'userId', userId);
  return row ? viewOf(db, row) : undefined;
}

/** The traits of the profile an id (userId or anonymousId) belongs to; undefined when it has none. */
export async function traitsByIdentity(
  db: Queryable,
  kind: IdentityKind,
  value: string,
): Promise<Record<string, unknown> | undefined> {
  return (await profileRowByIdentity(db, kind, value))?.traits;
}

/**
 * A profile with its latest events, found by profile id, else by userId, else by anonymousId.
 * Throws NotFoundError when none matches.
 */
export async function getProfile(
  db: Queryable,
  idOrUserId: string,
  eventLimit = 20,
): Promise<ProfileWithEvents> {
  const row =
    (UUID.test(idOrUserId) ? await profileRowById(db, idOrUserId) : undefined) ??
    (await profileRowByIdentity(db, 'userId', idOrUserId)) ??
    (await profileRowByIdentity(db, 'anonymousId', idOrUserId));
  if (!row) throw new NotFoundError(`no profile has the id, userId or anonymousId "${idOrUserId}"`);
  const profile = await viewOf(db, row);
  const userIds = profile.identities.filter((i) => i.kind === 'userId').map((i) => i.value);
  const anonymousIds = profile.identities.filter((i) => i.kind === 'anonymousId').map((i) => i.value);
  const matches = [];
  if (userIds.length > 0) matches.push(inArray(schema.events.userId, userIds));
  if (anonymousIds.length > 0) matches.push(inArray(schema.events.anonymousId, anonymousIds));
  const recentEvents =
    matches.length === 0
      ? []
      : await db
          .select({
            id: schema.events.id,
            source: schema.events.source,
            type: schema.events.type,
            name: schema.events.name,
            userId: schema.events.userId,
            anonymousId: schema.events.anonymousId,
            occurredAt: schema.events.occurredAt,
            receivedAt: schema.events.receivedAt,
          })
          .from(schema.events)
          .where(or(...matches))
          .orderBy(desc(schema.events.id))
          .limit(eventLimit);
  return { ...profile, recentEvents };
}
