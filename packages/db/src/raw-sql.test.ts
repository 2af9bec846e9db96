import { sql } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import { describe, expect, it } from 'vitest';
import { literalList, statement } from './raw-sql.js';
import * as schema from './schema.js';
import { OPEN_STEP_STATUSES } from './statuses.js';

const dialect = new PgDialect();
const text = (query: ReturnType<typeof sql>) => dialect.sqlToQuery(query).sql;

describe('raw SQL from the schema', () => {
  it("names a column by the schema's own name, without its table", () => {
    expect(text(statement`update ${schema.steps} set ${schema.steps.leaseToken} = null`({}))).toBe(
      'update "steps" set "lease_token" = null',
    );
  });

  it('writes a constant status set as a list of literals', () => {
    expect(text(sql`status in ${literalList(OPEN_STEP_STATUSES)}`)).toBe(
      "status in ('queued', 'running', 'waiting', 'held')",
    );
  });

  it('refuses anything but constant words in a literal list', () => {
    expect(() => literalList(["queued'); drop table steps; --"])).toThrow(/not a constant word/);
  });
});

describe('statement', () => {
  const S = schema.steps;
  const inRun = sql`${S.runId} = ${sql.placeholder('runId')}`;
  const claim = statement<{ runId: string; token: string }>`
    update ${S} set ${S.leaseToken} = ${sql.placeholder('token')}
    where ${inRun} and ${S.status} in ${literalList(OPEN_STEP_STATUSES)} and ${S.runId} <> ${sql.placeholder('runId')}`;

  it('writes schema names and constant SQL into the text once, and each call only fills in its values', () => {
    const query = dialect.sqlToQuery(claim({ runId: 'r-1', token: 't-1' }));
    expect(query.sql.replace(/\s+/g, ' ').trim()).toBe(
      'update "steps" set "lease_token" = $1 where "run_id" = $2 and "status" in ' +
        "('queued', 'running', 'waiting', 'held') and \"run_id\" <> $3",
    );
    expect(query.params).toEqual(['t-1', 'r-1', 'r-1']);
  });

  it('takes SQL as a value where a placeholder asks for one', () => {
    const optional = statement<{ extra: ReturnType<typeof sql> }>`select 1${sql.placeholder('extra')}`;
    expect(text(optional({ extra: sql` where true` }))).toBe('select 1 where true');
    expect(text(optional({ extra: sql`` }))).toBe('select 1');
  });

  it('refuses a value written straight into its text: values go through placeholders', () => {
    expect(() => statement`select ${sql`${'inline'}`}`).toThrow(/placeholders/);
  });
});
