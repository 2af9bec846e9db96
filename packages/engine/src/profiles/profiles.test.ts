// Profiles on a real database: identify merges traits, ids link, alias and login merge profiles, reads by any id.
import type { Database } from '@tributary/db';
import { schema, selectRows } from '@tributary/db';
import { createTestDatabase, type TestDatabase } from '@tributary/db/testing';
import { NotFoundError } from '@tributary/flow';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import {
  applyIdentity,
  getProfile,
  type IdentityMessage,
  identitiesQuery,
  identityPairKey,
  linkPairsOfBatch,
  lockIdentitiesOfBatch,
  profileForUser,
  profilesOfPairs,
} from './profiles.js';

let database: TestDatabase;
let db: Database;

beforeAll(async () => {
  database = await createTestDatabase(inject('templateDatabase'));
  db = database.handle.db;
});

afterAll(async () => {
  await database?.dispose();
});

let n = 0;
/** Fresh ids per test so tests never see each other's profiles. */
function ids() {
  n += 1;
  return { user: `user-${n}`, user2: `user-${n}-b`, anon: `anon-${n}`, anon2: `anon-${n}-b` };
}

function apply(message: IdentityMessage) {
  return db.transaction((tx) => applyIdentity(tx, message));
}

async function identitiesOf(userOrAnon: string) {
  const profile = await getProfile(db, userOrAnon);
  return profile.identities.map((i) => `${i.kind}:${i.value}`).sort();
}

async function profileCount(): Promise<number> {
  return (await db.select({ id: schema.profiles.id }).from(schema.profiles)).length;
}

describe('identify', () => {
  test('creates a profile keyed by the userId with the traits', async () => {
    const { user } = ids();
    await apply({ type: 'identify', userId: user, traits: { email: 'ada@example.com', plan: 'free' } });
    const profile = await getProfile(db, user);
    expect(profile.traits).toEqual({ email: 'ada@example.com', plan: 'free' });
    expect(profile.identities).toEqual([{ kind: 'userId', value: user }]);
  });

  test('merges traits top-level: a new value replaces the old, other traits stay', async () => {
    const { user } = ids();
    await apply({ type: 'identify', userId: user, traits: { email: 'old@example.com', plan: 'free' } });
    await apply({ type: 'identify', userId: user, traits: { plan: 'pro', company: { name: 'Initech' } } });
    const profile = await getProfile(db, user);
    expect(profile.traits).toEqual({ email: 'old@example.com', plan: 'pro', company: { name: 'Initech' } });
  });

  test('an anonymous profile becomes the user profile when identify carries both ids', async () => {
    const { user, anon } = ids();
    await apply({ type: 'identify', anonymousId: anon, traits: { referrer: 'ad' } });
    const anonymous = await getProfile(db, anon);
    await apply({ type: 'identify', userId: user, anonymousId: anon, traits: { email: 'a@example.com' } });
    const profile = await getProfile(db, user);
    expect(profile.id).toBe(anonymous.id);
    expect(profile.traits).toEqual({ referrer: 'ad', email: 'a@example.com' });
    expect(await identitiesOf(user)).toEqual([`anonymousId:${anon}`, `userId:${user}`]);
  });

  test('merges an anonymous-only profile into the user profile when both exist; user traits win', async () => {
    const { user, anon } = ids();
    await apply({ type: 'identify', userId: user, traits: { plan: 'pro', email: 'u@example.com' } });
    await apply({ type: 'identify', anonymousId: anon, traits: { plan: 'trial', utm: 'spring' } });
    const anonymous = await getProfile(db, anon);
    const before = await profileCount();
    await apply({ type: 'identify', userId: user, anonymousId: anon, traits: { seen: true } });
    const profile = await getProfile(db, anon);
    expect(profile.id).toBe((await getProfile(db, user)).id);
    expect(profile.traits).toEqual({ plan: 'pro', email: 'u@example.com', utm: 'spring', seen: true });
    expect(await profileCount()).toBe(before - 1);
    await expect(getProfile(db, anonymous.id)).rejects.toBeInstanceOf(NotFoundError);
  });

  test('a device used by another user moves to the new user instead of merging the two people', async () => {
    const { user, user2, anon } = ids();
    await apply({ type: 'identify', userId: user, anonymousId: anon, traits: { name: 'First' } });
    await apply({ type: 'identify', userId: user2, anonymousId: anon, traits: { name: 'Second' } });
    expect((await getProfile(db, user)).traits).toEqual({ name: 'First' });
    expect((await getProfile(db, user2)).traits).toEqual({ name: 'Second' });
    expect(await identitiesOf(user)).toEqual([`userId:${user}`]);
    expect(await identitiesOf(user2)).toEqual([`anonymousId:${anon}`, `userId:${user2}`]);
  });

  test('ignores empty-string ids', async () => {
    const before = await profileCount();
    await apply({ type: 'identify', userId: '', anonymousId: null, traits: { x: 1 } });
    expect(await profileCount()).toBe(before);
  });
});

describe('other calls', () => {
  test('a track with userId and anonymousId links the anonymousId to the user profile', async () => {
    const { user, anon } = ids();
    await apply({ type: 'identify', userId: user, traits: { email: 'x@example.com' } });
    await apply({ type: 'track', userId: user, anonymousId: anon });
    expect(await identitiesOf(anon)).toEqual([`anonymousId:${anon}`, `userId:${user}`]);
    expect((await getProfile(db, anon)).traits).toEqual({ email: 'x@example.com' });
  });

  test('a track with only one id, or a group with traits, changes no profile', async () => {
    const { user, anon } = ids();
    const before = await profileCount();
    await apply({ type: 'track', userId: user });
    await apply({ type: 'page', anonymousId: anon });
    expect(await profileCount()).toBe(before);
    await apply({ type: 'identify', userId: user, traits: { email: 'g@example.com' } });
    await apply({ type: 'group', userId: user, traits: { name: 'Initech', employees: 420 } });
    expect((await getProfile(db, user)).traits).toEqual({ email: 'g@example.com' });
  });
});

describe('alias', () => {
  test('links an unseen previousId to the user profile as an anonymousId', async () => {
    const { user, anon } = ids();
    await apply({ type: 'identify', userId: user, traits: { a: 1 } });
    await apply({ type: 'alias', previousId: anon, userId: user });
    expect(await identitiesOf(user)).toEqual([`anonymousId:${anon}`, `userId:${user}`]);
  });

  test("merges the previousId's profile into the userId's profile", async () => {
    const { user, anon } = ids();
    await apply({ type: 'identify', anonymousId: anon, traits: { utm: 'mail', plan: 'trial' } });
    await apply({ type: 'identify', userId: user, traits: { plan: 'pro' } });
    const userProfile = await getProfile(db, user);
    await apply({ type: 'alias', previousId: anon, userId: user });
    const merged = await getProfile(db, anon);
    expect(merged.id).toBe(userProfile.id);
    expect(merged.traits).toEqual({ utm: 'mail', plan: 'pro' });
  });

  test('renaming a user: the old and the new userId end on one profile', async () => {
    const { user, user2 } = ids();
    await apply({ type: 'identify', userId: user, traits: { email: 'old@example.com' } });
    await apply({ type: 'alias', previousId: user, userId: user2 });
    expect(await identitiesOf(user2)).toEqual([`userId:${user}`, `userId:${user2}`]);
    expect((await getProfile(db, user2)).traits).toEqual({ email: 'old@example.com' });
  });

  test('with neither id known it creates one profile holding both', async () => {
    const { user, anon } = ids();
    await apply({ type: 'alias', previousId: anon, userId: user });
    expect(await identitiesOf(user)).toEqual([`anonymousId:${anon}`, `userId:${user}`]);
  });
});

describe('reading profiles', () => {
  test('finds a profile by its id, a userId or an anonymousId; unknown ids are NotFoundError', async () => {
    const { user, anon } = ids();
    await apply({ type: 'identify', userId: user, anonymousId: anon, traits: { k: 'v' } });
    const byUser = await getProfile(db, user);
    expect((await getProfile(db, byUser.id)).id).toBe(byUser.id);
    expect((await getProfile(db, anon)).id).toBe(byUser.id);
    await expect(getProfile(db, 'nobody-at-all')).rejects.toBeInstanceOf(NotFoundError);
    await expect(getProfile(db, '01937a4e-6f1a-7c3b-9a2e-1b2c3d4e5f60')).rejects.toBeInstanceOf(
      NotFoundError,
    );
  });

  test('profileForUser answers the traits of a userId, undefined for an unknown user', async () => {
    const { user, anon } = ids();
    await apply({ type: 'identify', userId: user, traits: { tier: 'gold' } });
    expect((await profileForUser(db, user))?.traits).toEqual({ tier: 'gold' });
    expect(await profileForUser(db, anon)).toBeUndefined();
  });
});

describe('concurrency', () => {
  test('concurrent identifies of one new user end in one profile with every trait', async () => {
    const { user } = ids();
    await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        apply({
          type: 'identify',
          userId: user,
          anonymousId: `${user}-device-${i}`,
          traits: { [`t${i}`]: i },
        }),
      ),
    );
    const links = await db
      .select({ profileId: schema.profileIdentities.profileId })
      .from(schema.profileIdentities)
      .where(eq(schema.profileIdentities.value, user));
    expect(links).toHaveLength(1);
    const profile = await getProfile(db, user);
    expect(Object.keys(profile.traits).sort()).toEqual(['t0', 't1', 't2', 't3', 't4', 't5', 't6', 't7']);
    expect(profile.identities).toHaveLength(9);
  });

  test('concurrent logins and an alias that merge overlapping profiles all succeed and end on one profile', async () => {
    const { user, user2 } = ids();
    const devices = Array.from({ length: 6 }, (_, i) => `${user}-dev-${i}`);
    for (const device of devices) await apply({ type: 'identify', anonymousId: device, traits: { device } });
    await Promise.all([
      ...devices.map((device, i) =>
        apply({ type: 'identify', userId: i % 2 ? user : user2, anonymousId: device }),
      ),
      apply({ type: 'alias', previousId: user2, userId: user }),
    ]);
    const profile = await getProfile(db, user);
    // when the alias comes before any identify of user2, user2 is also kept as the anonymousId the alias
    // recorded it as (aliasIds): the same value twice, once per kind
    expect([...new Set(profile.identities.map((i) => i.value))].sort()).toEqual(
      [...devices, user, user2].sort(),
    );
    expect((await getProfile(db, user2)).id).toBe(profile.id);
  });

  test('an alias that names a userId before it was ever seen: a later identify of it joins that profile', async () => {
    const { user, user2, anon } = ids();
    await apply({ type: 'identify', userId: user, anonymousId: `${anon}-user` });
    // user2 is new: the alias records it as an anonymousId of user's profile
    await apply({ type: 'alias', previousId: user2, userId: user });
    await apply({ type: 'identify', userId: user2, anonymousId: anon, traits: { plan: 'pro' } });
    const profile = await getProfile(db, user);
    expect((await getProfile(db, user2)).id).toBe(profile.id);
    expect(await identitiesOf(user2)).toEqual(
      [
        `anonymousId:${anon}`,
        `anonymousId:${anon}-user`,
        `anonymousId:${user2}`,
        `userId:${user}`,
        `userId:${user2}`,
      ].sort(),
    );
    expect(profile.traits).toMatchObject({ plan: 'pro' });
  });
});

describe("looking up a batch's ids", () => {
  test.each([
    { people: 100, analyzed: false },
    { people: 60_000, analyzed: true },
  ])(
    'looks each id up in the (kind, value) key, never scanning every identity ($people people, analyzed: $analyzed)',
    async ({ people, analyzed }) => {
      const prefix = `plan${people}`;
      await db.execute(sql`with p as (
        insert into ${schema.profiles} (id, traits)
        select gen_random_uuid(), '{}'::jsonb from generate_series(1, ${people}::int) returning id
      ), numbered as (select id, row_number() over () as n from p)
      insert into ${schema.profileIdentities} (kind, value, profile_id)
      select kind, ${prefix} || '-' || kind || '-' || n, id
      from numbered, (values ('userId'), ('anonymousId')) k(kind)`);
      if (analyzed) await db.execute(sql`analyze ${schema.profileIdentities}`);
      const query = identitiesQuery(
        [`${prefix}-userId-7`, `${prefix}-userId-99`, `${prefix}-userId-nobody`],
        [`${prefix}-anonymousId-7`],
      );
      const [row] = await selectRows<{ 'QUERY PLAN': unknown }>(db, sql`explain (format json) ${query}`);
      const plan = JSON.stringify(row?.['QUERY PLAN']);
      expect(plan).not.toContain('"Seq Scan"');
      expect(plan).toContain('"Index Name":"profile_identities_kind_value_pk"');
      expect(plan).toMatch(/"Index Cond":"\(\(kind = [^"]*\) AND \(value = /);
      // and it finds the ids some profile has
      const rows = await selectRows<{ kind: string; value: string }>(db, query);
      expect(rows.map((r) => `${r.kind}:${r.value}`).sort()).toEqual([
        `anonymousId:${prefix}-anonymousId-7`,
        `userId:${prefix}-userId-7`,
        `userId:${prefix}-userId-99`,
      ]);
    },
  );
});

describe('linkPairsOfBatch', () => {
  /** The batch path as tracking ingest takes it: bulk links first, then the one-by-one path for the rest. */
  function applyBatch(messages: IdentityMessage[]) {
    return db.transaction(async (tx) => {
      await lockIdentitiesOfBatch(tx, messages);
      const known = await profilesOfPairs(tx, messages);
      const linked = await linkPairsOfBatch(tx, messages, known);
      for (const m of messages) {
        const key = identityPairKey(m);
        if (key === undefined || !linked.has(key)) await applyIdentity(tx, m, { batchLocked: true });
      }
      return linked;
    });
  }

  test('new visitors get a profile each with both ids; known pairs write nothing', async () => {
    const people = [ids(), ids(), ids()];
    const before = await profileCount();
    const batch = people.map(({ user, anon }) => ({
      type: 'track' as const,
      userId: user,
      anonymousId: anon,
    }));
    expect((await applyBatch(batch)).size).toBe(3);
    expect(await profileCount()).toBe(before + 3);
    for (const { user, anon } of people) {
      expect(await identitiesOf(user)).toEqual([`anonymousId:${anon}`, `userId:${user}`]);
    }
    // the same pairs again: already linked, nothing created
    expect((await applyBatch(batch)).size).toBe(3);
    expect(await profileCount()).toBe(before + 3);
  });

  test('an id the batch also names elsewhere takes the one-by-one path, which gives what one call at a time gives', async () => {
    // the alias ties the device to another user first; the track that follows is someone on that shared device
    const batchOf = ({ user, user2, anon }: ReturnType<typeof ids>): IdentityMessage[] => [
      { type: 'alias', previousId: anon, userId: user2 },
      { type: 'track', userId: user, anonymousId: anon },
    ];
    const batched = ids();
    expect((await applyBatch(batchOf(batched))).size).toBe(0);
    const single = ids();
    for (const m of batchOf(single)) await apply(m);
    const shape = async ({ user, user2, anon }: ReturnType<typeof ids>) =>
      [...(await identitiesOf(user)), '|', ...(await identitiesOf(user2))].map((id) =>
        id.replace(user2, 'U2').replace(user, 'U').replace(anon, 'A'),
      );
    expect(await shape(batched)).toEqual(await shape(single));
    expect(await shape(batched)).toEqual(['anonymousId:A', 'userId:U', '|', 'userId:U2']);
  });
});
