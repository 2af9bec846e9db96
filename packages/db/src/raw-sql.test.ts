import { sql } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import { describe, expect, it } from 'vitest';
import { columnName, literalList } from './raw-sql.js';
import * as schema from './schema.js';
import { OPEN_STEP_STATUSES } from './statuses.js';

const dialect = new PgDialect();
const text = (query: ReturnType<typeof sql>) => dialect.sqlToQuery(query).sql;

describe('raw SQL from the schema', () => {
  it("names a column by the schema's own name, without its table", () => {
    expect(text(sql`update ${schema.steps} set ${columnName(schema.steps.leaseToken)} = null`)).toBe(
      'update "steps" set "lease_token" = null',
    );
    // the same object each time: built once per column
    expect(columnName(schema.runs.edgeState)).toBe(columnName(schema.runs.edgeState));
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
