// The owner account from TRIBUTARY_OWNER_EMAIL and TRIBUTARY_OWNER_PASSWORD, with the real process
// (`main.ts api`) on a fresh database: the first start makes it and it signs in over HTTP; a later start with
// other values changes nothing; one of the two without the other stops the start, naming the missing one.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { schema } from '@tributary/db';
import { createTestDatabase, type TestDatabase, testDbKind } from '@tributary/db/testing';
import { waitFor } from '@tributary/engine/testing';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { type MainProcess, spawnMain } from './test-services.js';

const FIRST = { email: 'Founder@Example.com', password: 'first owner password' };

/**
 * Starts `main.ts api` with the test's database and `env`; the test runner's own owner variables are left
 * out, so they cannot decide what the process is given.
 */
function start(database: TestDatabase | undefined, dataDir: string, env: Record<string, string>) {
  return spawnMain('api', {
    TRIBUTARY_OWNER_EMAIL: undefined,
    TRIBUTARY_OWNER_PASSWORD: undefined,
    DATABASE_URL: database?.url ?? '',
    TRIBUTARY_DATA_DIR: dataDir,
    ...env,
  });
}

function signIn(base: string, body: { email: string; password: string }) {
  return fetch(`${base}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

// PGlite is in-process: a second process cannot open the test's database
describe.skipIf(testDbKind() === 'pglite')('the owner from the environment', () => {
  let database: TestDatabase;
  const dataDir = mkdtempSync(join(os.tmpdir(), 'tributary-owner-'));
  const running: MainProcess[] = [];

  beforeAll(async () => {
    database = await createTestDatabase(inject('templateDatabase'));
  });

  afterAll(async () => {
    for (const s of running) s.proc.kill('SIGKILL');
    await database?.dispose();
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function startServing(env: Record<string, string>): Promise<{ base: string; stop(): Promise<void> }> {
    const s = await start(database, dataDir, env);
    running.push(s);
    const { base } = s;
    await waitFor(
      async () => {
        if (s.proc.exitCode !== null) throw new Error(`the server exited ${s.proc.exitCode}: ${s.stderr()}`);
        return (await fetch(`${base}/readyz`).catch(() => undefined))?.status === 200;
      },
      { timeoutMs: 45_000, what: 'the server to be ready' },
    );
    return {
      base,
      async stop() {
        s.proc.kill('SIGTERM');
        expect(await s.exited).toBe(0);
      },
    };
  }

  test('the first start makes the owner, who signs in over HTTP and gets a session cookie', {
    timeout: 90_000,
  }, async () => {
    expect(await database.handle.db.select().from(schema.users)).toEqual([]);
    const server = await startServing({
      TRIBUTARY_OWNER_EMAIL: FIRST.email,
      TRIBUTARY_OWNER_PASSWORD: FIRST.password,
    });
    try {
      expect(await (await fetch(`${server.base}/api/v1/auth/setup`)).json()).toEqual({ needsOwner: false });
      const res = await signIn(server.base, FIRST);
      expect(res.status).toBe(200);
      const setCookie = res.headers.get('set-cookie') ?? '';
      expect(setCookie).toMatch(/^tributary_session=[\w-]+;/);
      expect(setCookie.toLowerCase()).toContain('httponly');
      const who = await fetch(`${server.base}/api/v1/auth/session`, {
        headers: { cookie: setCookie.split(';')[0] ?? '' },
      });
      expect(who.status).toBe(200);
      expect(await who.json()).toMatchObject({ via: 'session', name: 'founder@example.com', role: 'owner' });
    } finally {
      await server.stop();
    }
  });

  test('a later start with another e-mail address or password changes nothing', {
    timeout: 90_000,
  }, async () => {
    const server = await startServing({
      TRIBUTARY_OWNER_EMAIL: 'usurper@example.com',
      TRIBUTARY_OWNER_PASSWORD: 'second owner password',
    });
    try {
      expect(
        (await signIn(server.base, { email: FIRST.email, password: 'second owner password' })).status,
      ).toBe(401);
      expect(
        (await signIn(server.base, { email: 'usurper@example.com', password: 'second owner password' }))
          .status,
      ).toBe(401);
      expect((await signIn(server.base, FIRST)).status).toBe(200);
      const users = await database.handle.db.select().from(schema.users);
      expect(users.map((u) => [u.email, u.role])).toEqual([['founder@example.com', 'owner']]);
    } finally {
      await server.stop();
    }
  });

  test.each([
    ['TRIBUTARY_OWNER_PASSWORD', { TRIBUTARY_OWNER_EMAIL: 'half@example.com' }],
    ['TRIBUTARY_OWNER_EMAIL', { TRIBUTARY_OWNER_PASSWORD: 'half of the pair' }],
  ])(
    'without %s (the other one set) the process exits non-zero, naming it',
    { timeout: 60_000 },
    async (missing, env) => {
      const s = await start(database, dataDir, env);
      running.push(s);
      expect(await s.exited).not.toBe(0);
      expect(s.stderr()).toContain(`${missing}: not set, but`);
      expect(s.stderr()).toContain('set both or neither');
    },
  );
});
