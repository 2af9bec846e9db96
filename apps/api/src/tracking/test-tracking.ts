// Test helpers for the tracking API: a source with its write key, Basic auth headers, row counts.
import type { Queryable } from '@tributary/db';
import { sql } from 'drizzle-orm';
import { expect } from 'vitest';
import type { SourceWithWriteKey } from '../routes/sources.js';
import { readJson, type TestApp } from '../test-app.js';

/** Creates a source through the management API and returns it with its plain write key. */
export async function createTestSource(api: TestApp, name = 'Website'): Promise<SourceWithWriteKey> {
  const res = await api.call('POST', '/api/v1/sources', { name });
  expect(res.status).toBe(201);
  return readJson<SourceWithWriteKey>(res);
}

/** `Authorization: Basic base64(key:)`, as Segment's SDKs send it. */
export function basicAuth(key: string): Record<string, string> {
  return { authorization: `Basic ${Buffer.from(`${key}:`).toString('base64')}` };
}

/** Row count of a table. */
export async function countRows(
  db: Queryable,
  table: 'events' | 'runs' | 'profiles' | 'profile_identities' | 'sources',
): Promise<number> {
  const rows = await db.execute(sql.raw(`select count(*)::int as n from ${table}`));
  // postgres.js returns the rows, PGlite an object holding them
  const list = (Array.isArray(rows) ? rows : (rows as unknown as { rows: unknown[] }).rows) as Array<{
    n: number;
  }>;
  return list[0]?.n ?? -1;
}

/** Posts a tracking call (no management key) to the in-process app. */
export function post(
  api: TestApp,
  path: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<Response> {
  return Promise.resolve(
    api.app.request(path, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    }),
  );
}
