// The access module on real Postgres: password hashes, sign-in throttling windows, sessions that end, the owner
// made from configuration once, and keys whose maker is disabled or demoted.
import { newId, schema } from '@tributary/db';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { startTestEngine, type TestEngine } from '../testing/index.js';
import { createApiKey, verifyApiKey } from './api-keys.js';
import {
  clearLoginFailures,
  LOGIN_WINDOW_MS,
  lockedFor,
  MAX_LOGIN_FAILURES,
  releaseLoginAttempt,
  reserveLoginAttempt,
} from './login-failures.js';
import { hashPassword, verifyPassword } from './passwords.js';
import { ROLE_SCOPES } from './scopes.js';
import { csrfTokenOf, endSession, login, verifySession } from './sessions.js';
import { ensureOwner, inviteUser, updateUser } from './users.js';

let t: TestEngine;

beforeAll(async () => {
  t = await startTestEngine(inject('templateDatabase'));
});

afterAll(async () => {
  await t?.close();
});

describe('passwords', () => {
  test('are hashed with scrypt and a salt of their own, and only the same password verifies', async () => {
    const first = await hashPassword('correct horse');
    const second = await hashPassword('correct horse');
    expect(first).toMatch(/^scrypt\$32768\$8\$1\$[\w-]+\$[\w-]+$/);
    expect(first).not.toBe(second);
    expect(await verifyPassword('correct horse', first)).toBe(true);
    expect(await verifyPassword('correct horsf', first)).toBe(false);
    expect(await verifyPassword('correct horse', 'md5$abc')).toBe(false);
  });
});

describe('the owner from configuration', () => {
  test('is made once, when no user exists; later starts change nothing', async () => {
    expect(await ensureOwner(t.engine.ctx.db, 'Boss@Example.com', 'boss password 1')).toBe(true);
    expect(await ensureOwner(t.engine.ctx.db, 'other@example.com', 'other password 1')).toBe(false);
    const users = await t.engine.ctx.db.select().from(schema.users);
    expect(users.map((u) => [u.email, u.role])).toEqual([['boss@example.com', 'owner']]);
    const signedIn = await login(
      t.engine.ctx.db,
      { email: 'boss@example.com', password: 'boss password 1' },
      60_000,
    );
    expect(signedIn).toMatchObject({ ok: true, role: 'owner' });
  });
});

describe('sessions', () => {
  test('are stored as hashes, end at their expiry and on sign-out', async () => {
    const db = t.engine.ctx.db;
    const result = await login(db, { email: 'boss@example.com', password: 'boss password 1' }, 60_000);
    if (!result.ok) throw new Error('sign-in failed');
    const rows = await db.select().from(schema.sessions);
    expect(rows.some((r) => r.hash === result.token)).toBe(false);
    expect(await verifySession(db, result.token)).toMatchObject({ via: 'session', role: 'owner' });
    expect(csrfTokenOf(result.token)).not.toBe(csrfTokenOf(`${result.token}x`));
    await endSession(db, result.token);
    expect(await verifySession(db, result.token)).toBeUndefined();

    const short = await login(db, { email: 'boss@example.com', password: 'boss password 1' }, 1);
    if (!short.ok) throw new Error('sign-in failed');
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(await verifySession(db, short.token)).toBeUndefined();
  });
});

describe('keys and their maker', () => {
  test("a disabled maker's keys stop; a demoted maker's keys shrink to the new role", async () => {
    const db = t.engine.ctx.db;
    const { user } = await inviteUser(db, { email: 'maker@example.com', role: 'editor' }, 60_000, 'test');
    const made = await createApiKey(db, 'k', 'editor', 'test', {
      scopes: ['flows:write', 'runs:write'],
      createdBy: user.id,
    });
    expect((await verifyApiKey(db, made.key, undefined))?.scopes).toEqual(['flows:write', 'runs:write']);
    await updateUser(db, user.id, { role: 'viewer' }, 'test');
    expect((await verifyApiKey(db, made.key, undefined))?.scopes).toEqual([]);
    await updateUser(db, user.id, { role: 'editor', disabled: true }, 'test');
    expect(await verifyApiKey(db, made.key, undefined)).toBeUndefined();
    await db.delete(schema.users).where(eq(schema.users.id, user.id));
    expect(await verifyApiKey(db, made.key, undefined)).toBeUndefined();
    // a key asked for beyond its role holds only what the role allows
    const capped = await createApiKey(db, 'capped', 'viewer', 'test', { scopes: ['flows:read', 'admin'] });
    expect(capped.scopes).toEqual(['flows:read']);
    expect(ROLE_SCOPES.viewer).not.toContain('admin');
  });
});

describe('sign-in throttling', () => {
  const start = new Date('2030-01-01T00:00:00Z');
  const at = (ms: number) => new Date(start.getTime() + ms);

  test(`locks after ${MAX_LOGIN_FAILURES} failures in the window, for the window; old failures do not count`, async () => {
    const db = t.engine.ctx.db;
    for (let i = 0; i < MAX_LOGIN_FAILURES - 1; i++)
      expect(await reserveLoginAttempt(db, 'slow@example.com', MAX_LOGIN_FAILURES, at(i * 1000))).toEqual({
        allowed: true,
      });
    // the next failure comes after the window: counting starts again
    await reserveLoginAttempt(db, 'slow@example.com', MAX_LOGIN_FAILURES, at(LOGIN_WINDOW_MS + 10_000));
    expect(await lockedFor(db, 'slow@example.com', at(LOGIN_WINDOW_MS + 11_000))).toBe(0);

    for (let i = 0; i < MAX_LOGIN_FAILURES; i++)
      expect(
        (await reserveLoginAttempt(db, 'fast@example.com', MAX_LOGIN_FAILURES, at(i * 1000))).allowed,
      ).toBe(true);
    const lockedAt = at(MAX_LOGIN_FAILURES * 1000);
    const locked = await lockedFor(db, 'fast@example.com', lockedAt);
    expect(locked).toBeGreaterThan(LOGIN_WINDOW_MS / 1000 - 10);
    const refused = await reserveLoginAttempt(db, 'fast@example.com', MAX_LOGIN_FAILURES, lockedAt);
    expect(refused).toEqual({ allowed: false, retryAfterSeconds: locked });
    // a lock ends after the window, and the count starts again
    const later = at(LOGIN_WINDOW_MS + MAX_LOGIN_FAILURES * 1000);
    expect(await lockedFor(db, 'fast@example.com', later)).toBe(0);
    expect(await reserveLoginAttempt(db, 'fast@example.com', MAX_LOGIN_FAILURES, later)).toEqual({
      allowed: true,
    });
    expect(await lockedFor(db, 'fast@example.com', later)).toBe(0);
    await clearLoginFailures(db, 'fast@example.com');
    expect(await lockedFor(db, 'fast@example.com', lockedAt)).toBe(0);
  });

  test('a burst of parallel attempts lets exactly the limit through', async () => {
    const db = t.engine.ctx.db;
    const answers = await Promise.all(
      Array.from({ length: 12 }, () => reserveLoginAttempt(db, 'ip:198.51.100.9', 5)),
    );
    expect(answers.filter((a) => a.allowed)).toHaveLength(5);
    expect(await lockedFor(db, 'ip:198.51.100.9')).toBeGreaterThan(LOGIN_WINDOW_MS / 1000 - 10);
  });

  test('an attempt given back no longer counts, and lifts the lock it set', async () => {
    const db = t.engine.ctx.db;
    for (let i = 0; i < 3; i++) await reserveLoginAttempt(db, 'ip:198.51.100.10', 3);
    expect(await lockedFor(db, 'ip:198.51.100.10')).toBeGreaterThan(0);
    await releaseLoginAttempt(db, 'ip:198.51.100.10', 3);
    expect(await lockedFor(db, 'ip:198.51.100.10')).toBe(0);
    // the two failures before it still count: one more reaches the limit
    expect((await reserveLoginAttempt(db, 'ip:198.51.100.10', 3)).allowed).toBe(true);
    expect((await reserveLoginAttempt(db, 'ip:198.51.100.10', 3)).allowed).toBe(false);
  });

  test('a limit of 1 locks at the first failure', async () => {
    const db = t.engine.ctx.db;
    expect((await reserveLoginAttempt(db, 'ip:198.51.100.11', 1)).allowed).toBe(true);
    expect((await reserveLoginAttempt(db, 'ip:198.51.100.11', 1)).allowed).toBe(false);
  });

  test("a client's failures add up over e-mail addresses; a good sign-in does not wipe them", async () => {
    const db = t.engine.ctx.db;
    await db.insert(schema.users).values({
      id: newId(),
      email: 'clerk@example.com',
      passwordHash: await hashPassword('clerk password 1'),
      role: 'viewer',
    });
    const client = { address: '2001:db8:7:7::1', maxFailures: 3 };
    for (const email of ['a@example.com', 'b@example.com']) {
      expect(await login(db, { email, password: 'guess' }, 60_000, client)).toEqual({
        ok: false,
        reason: 'invalid',
      });
    }
    // another address of the same /64 is the same client; a good sign-in from it gives back its own attempt only
    const sameNet = { ...client, address: '2001:db8:7:7:ffff::2' };
    const good = { email: 'clerk@example.com', password: 'clerk password 1' };
    expect(await login(db, good, 60_000, sameNet)).toMatchObject({ ok: true });
    expect(await login(db, { email: 'c@example.com', password: 'guess' }, 60_000, sameNet)).toEqual({
      ok: false,
      reason: 'invalid',
    });
    const locked = await login(db, good, 60_000, client);
    expect(locked).toMatchObject({ ok: false, reason: 'locked', lockedBy: 'client' });
    // other clients, and sign-ins without a client, go on
    expect(await login(db, good, 60_000, { ...client, address: '2001:db8:7:8::1' })).toMatchObject({
      ok: true,
    });
    expect(await login(db, good, 60_000)).toMatchObject({ ok: true });
  });

  test('an e-mail address that is locked refuses before any password check, without charging the client', async () => {
    const db = t.engine.ctx.db;
    const client = { address: '203.0.113.50', maxFailures: 10 };
    for (let i = 0; i < MAX_LOGIN_FAILURES; i++)
      await login(db, { email: 'target@example.com', password: `guess ${i}` }, 60_000, client);
    for (let i = 0; i < 3; i++) {
      expect(
        await login(db, { email: 'target@example.com', password: 'more' }, 60_000, client),
      ).toMatchObject({ ok: false, reason: 'locked', lockedBy: 'email' });
    }
    const [row] = await db
      .select()
      .from(schema.loginFailures)
      .where(eq(schema.loginFailures.email, 'ip:203.0.113.50'));
    expect(row?.count).toBe(MAX_LOGIN_FAILURES);
  });
});
