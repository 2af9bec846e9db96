// `npm run credentials:rotate` as a process against a real Postgres database: it re-seals under the new key,
// says so, and refuses (changing nothing) when a row's key is not in the keyring.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { schema } from '@tributary/db';
import { createTestDatabase, type TestDatabase, testDbKind } from '@tributary/db/testing';
import { createCredential, Keyring } from '@tributary/engine';
import { openCredential } from '@tributary/engine/testing';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';

const run = promisify(execFile);
const script = fileURLToPath(new URL('./rotate-credentials.ts', import.meta.url));
let database: TestDatabase;

beforeAll(async () => {
  database = await createTestDatabase(inject('templateDatabase'));
});
afterAll(async () => {
  await database?.dispose();
});

function rotate(env: Record<string, string>) {
  return run(process.execPath, ['--conditions=source', '--import', 'tsx', script], {
    env: { ...process.env, DATABASE_URL: database.url ?? '', LOG_LEVEL: 'silent', ...env },
  }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (err: { code: number; stdout: string; stderr: string }) => ({
      code: err.code,
      stdout: err.stdout,
      stderr: err.stderr,
    }),
  );
}

// PGlite is in-process: a second process cannot open the test's database
describe.skipIf(testDbKind() === 'pglite')('credentials:rotate', () => {
  test('re-seals every credential under the new key; the old key then opens nothing', {
    timeout: 60_000,
  }, async () => {
    const db = database.handle.db;
    const oldKey = randomBytes(32);
    const newKey = randomBytes(32);
    const created = await createCredential(
      db,
      new Keyring(oldKey),
      { name: 'old', type: 'http.bearer', data: { token: 'tok-123456' } },
      'test',
    );

    const refused = await rotate({ TRIBUTARY_ENCRYPTION_KEY: newKey.toString('base64') });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('TRIBUTARY_ENCRYPTION_KEY_PREVIOUS');
    expect(refused.stderr).toContain('nothing was changed');
    const [unchanged] = await db.select().from(schema.credentials);
    expect(unchanged?.keyId).toBe(new Keyring(oldKey).currentId);

    const done = await rotate({
      TRIBUTARY_ENCRYPTION_KEY: newKey.toString('base64'),
      TRIBUTARY_ENCRYPTION_KEY_PREVIOUS: oldKey.toString('hex'),
    });
    expect(done.stdout).toBe(`re-sealed 1 of 1 credential under key ${new Keyring(newKey).currentId}\n`);
    expect(done.code).toBe(0);
    expect((await openCredential(db, new Keyring(newKey), created.id)).data).toEqual({ token: 'tok-123456' });
    await expect(openCredential(db, new Keyring(oldKey), created.id)).rejects.toThrow();
  });

  test('a key that is not 32 bytes is a configuration error (exit 2)', { timeout: 60_000 }, async () => {
    const res = await rotate({ TRIBUTARY_ENCRYPTION_KEY: 'too-short' });
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('TRIBUTARY_ENCRYPTION_KEY');
  });
});
