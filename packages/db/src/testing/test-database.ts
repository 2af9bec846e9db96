// Test helper: a fresh database per test file, cloned from the migrated template (or in-memory PGlite).
import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import type { DbHandle } from '../client.js';
import { openDb } from '../client.js';
import { DEFAULT_TEST_DATABASE_URL } from './global-setup.js';

export interface TestDatabase {
  handle: DbHandle;
  /** postgres:// URL of the clone (undefined on PGlite). */
  url: string | undefined;
  /** Closes the handle and drops the clone. */
  dispose(): Promise<void>;
}

/** Which database the engine tests run on: `postgres` (default) or `pglite` (TEST_DB=pglite). */
export function testDbKind(): 'postgres' | 'pglite' {
  return process.env.TEST_DB === 'pglite' ? 'pglite' : 'postgres';
}

/** Creates a database for one test file from the template named by vitest's global setup. */
export async function createTestDatabase(
  template: string,
  kind: 'postgres' | 'pglite' = testDbKind(),
  options: { ingestStatementTimeoutMs?: number } = {},
): Promise<TestDatabase> {
  if (kind === 'pglite') {
    const handle = await openDb({ dataDir: 'memory://' });
    await handle.migrate();
    return { handle, url: undefined, dispose: () => handle.close() };
  }
  const baseUrl = process.env.TEST_DATABASE_URL ?? DEFAULT_TEST_DATABASE_URL;
  const name = `tributary_t_${randomBytes(6).toString('hex')}`;
  const admin = postgres(baseUrl, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`create database "${name}" template "${template}"`);
  } finally {
    await admin.end();
  }
  const url = new URL(baseUrl);
  url.pathname = `/${name}`;
  // the ingest pool as the server opens it: Postgres cancels an ingest statement past the engine's default
  // ingest time limit (2 s), unless the test gives its own
  const handle = await openDb({
    url: url.toString(),
    maxConnections: 10,
    ingestStatementTimeoutMs: options.ingestStatementTimeoutMs ?? 2_000,
  });
  return {
    handle,
    url: url.toString(),
    async dispose() {
      await handle.close();
      const drop = postgres(baseUrl, { max: 1, onnotice: () => {} });
      try {
        await drop.unsafe(`drop database if exists "${name}" with (force)`);
      } finally {
        await drop.end();
      }
    },
  };
}
