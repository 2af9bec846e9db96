// The statement cache on a real Postgres connection: repeated texts become prepared statements (seen in
// pg_prepared_statements of that connection), first uses and texts past the cap do not, transactions too.
import postgres from 'postgres';
import { afterEach, describe, expect, test } from 'vitest';
import { withStatementCache } from './statement-cache.js';
import { DEFAULT_TEST_DATABASE_URL } from './testing/global-setup.js';

const url = process.env.TEST_DATABASE_URL ?? DEFAULT_TEST_DATABASE_URL;
let client: postgres.Sql | undefined;

afterEach(async () => {
  await client?.end({ timeout: 5 });
});

/** One connection, so every query and pg_prepared_statements see the same session. */
function open(maxPrepared: number) {
  client = postgres(url, { max: 1, onnotice: () => {} });
  return withStatementCache(client, { maxPrepared });
}

/** The session's prepared statements of this test's queries (postgres.js prepares a few of its own). */
async function preparedTexts(sql: postgres.Sql): Promise<string[]> {
  const rows = await sql.unsafe(
    "select statement from pg_prepared_statements where statement like 'select $%' order by statement",
  );
  return rows.map((r) => String(r.statement));
}

describe('withStatementCache', () => {
  test('a text is prepared from its second use on; answers stay right', async () => {
    const sql = open(10);
    expect((await sql.unsafe('select $1::int + 1 as n', [1]))[0]?.n).toBe(2);
    expect(await preparedTexts(sql)).toEqual([]);
    expect((await sql.unsafe('select $1::int + 1 as n', [2]))[0]?.n).toBe(3);
    expect((await sql.unsafe('select $1::int + 1 as n', [3]))[0]?.n).toBe(4);
    expect(await preparedTexts(sql)).toEqual(['select $1::int + 1 as n']);
  });

  test('at most maxPrepared texts are ever prepared', async () => {
    const sql = open(2);
    for (const n of [1, 2, 3]) {
      await sql.unsafe(`select $1::int * ${n} as n`, [n]);
      await sql.unsafe(`select $1::int * ${n} as n`, [n]);
    }
    expect(await preparedTexts(sql)).toEqual(['select $1::int * 1 as n', 'select $1::int * 2 as n']);
    expect((await sql.unsafe('select $1::int * 3 as n', [3]))[0]?.n).toBe(9);
  });

  test('queries inside a transaction and a savepoint go through the cache too', async () => {
    const sql = open(10);
    const result = await sql.begin(async (tx) => {
      await tx.unsafe('select $1::text as t', ['a']);
      await tx.savepoint(async (sp) => {
        await sp.unsafe('select $1::text as t', ['b']);
      });
      return tx.unsafe('select $1::text as t', ['c']);
    });
    expect(result[0]?.t).toBe('c');
    expect(await preparedTexts(sql)).toEqual(['select $1::text as t']);
  });
});
