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

describe('transactions through the cache', () => {
  test('the statements run inside the transaction from the first one on', async () => {
    const sql = open(10);
    const times = await sql.begin(async (tx) => {
      const [first] = await tx.unsafe('select now()::text as t, txid_current() as x');
      await new Promise((resolve) => setTimeout(resolve, 20));
      const [second] = await tx.unsafe('select now()::text as t, txid_current() as x');
      return [first, second];
    });
    // now() and the transaction id stay the same only within one transaction
    expect(times[1]).toEqual(times[0]);
  });

  test('a failing statement rolls back what came before it; a commit keeps it', async () => {
    const sql = open(10);
    const table = `pipelined_${Date.now()}`;
    await sql.unsafe(`create temp table ${table} (n int primary key)`);
    await expect(
      sql.begin(async (tx) => {
        await tx.unsafe(`insert into ${table} values ($1)`, [1]);
        await tx.unsafe(`insert into ${table} values ($1)`, [1]);
      }),
    ).rejects.toMatchObject({ code: '23505' });
    expect(await sql.unsafe(`select n from ${table}`)).toEqual([]);
    await sql.begin((tx) => [
      tx.unsafe(`insert into ${table} values (2)`),
      tx.unsafe(`insert into ${table} values (3)`),
    ]);
    expect((await sql.unsafe(`select n from ${table} order by n`)).map((r) => r.n)).toEqual([2, 3]);
    // the connection is back in the pool, outside any transaction
    expect((await sql.unsafe('select pg_current_xact_id_if_assigned() as x'))[0]?.x).toBeNull();
  });

  test('a callback that throws rolls back; a failed savepoint rolls back only its own part', async () => {
    const sql = open(10);
    const table = `pipelined_sp_${Date.now()}`;
    await sql.unsafe(`create temp table ${table} (n int)`);
    await expect(
      sql.begin(async (tx) => {
        await tx.unsafe(`insert into ${table} values (1)`);
        throw new Error('changed my mind');
      }),
    ).rejects.toThrow('changed my mind');
    await sql.begin(async (tx) => {
      await tx.unsafe(`insert into ${table} values (2)`);
      await expect(
        tx.savepoint(async (sp) => {
          await sp.unsafe(`insert into ${table} values (3)`);
          await sp.unsafe('select 1/0');
        }),
      ).rejects.toMatchObject({ code: '22012' });
      await tx.unsafe(`insert into ${table} values (4)`);
    });
    expect((await sql.unsafe(`select n from ${table} order by n`)).map((r) => r.n)).toEqual([2, 4]);
  });
});
