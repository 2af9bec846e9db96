// Many rows as one parameter: `jsonRows(table, rows)` is a SELECT over jsonb_to_recordset of the rows as one
// JSON document, typed with the table's own column types. An insert of n rows then sends one parameter
// instead of n × columns (building and binding those dominated the cost of batched inserts), and several
// such inserts can share one statement as data-modifying CTEs.
import type { SQL } from 'drizzle-orm';
import { getTableColumns, sql } from 'drizzle-orm';
import type { PgTable } from 'drizzle-orm/pg-core';

/** The rows' columns and the SELECT that produces them; every row must set the same columns. */
export interface JsonRows {
  /** `("id", "run_id", …)`: the column list for the INSERT. */
  columns: SQL;
  /** `select "id", … from jsonb_to_recordset($1::jsonb) as r("id" uuid, …)`. */
  select: SQL;
}

/** Builds the column list and SELECT for inserting `rows` (in the table's TypeScript names) into `table`. */
export function jsonRows<T extends PgTable>(table: T, rows: ReadonlyArray<T['$inferInsert']>): JsonRows {
  const all = getTableColumns(table);
  // the columns some row sets, in the table's order
  const present = new Set<string>();
  for (const row of rows) {
    for (const [key, value] of Object.entries(row as Record<string, unknown>)) {
      if (value !== undefined) present.add(key);
    }
  }
  const keys = Object.keys(all).filter((key) => present.has(key));
  const names = keys.map((key) => all[key]?.name ?? key);
  const records = rows.map((row) => {
    const record: Record<string, unknown> = {};
    for (let i = 0; i < keys.length; i++) {
      const value = (row as Record<string, unknown>)[keys[i] as string] ?? null;
      record[names[i] as string] = value instanceof Date ? value.toISOString() : value;
    }
    return record;
  });
  const quoted = names.map((name) => sql.identifier(name));
  const typed = keys.map(
    (key, i) => sql`${sql.identifier(names[i] ?? key)} ${sql.raw(all[key]?.getSQLType() ?? 'text')}`,
  );
  return {
    columns: sql`(${sql.join(quoted, sql`, `)})`,
    select: sql`select ${sql.join(quoted, sql`, `)} from jsonb_to_recordset(${JSON.stringify(records)}::jsonb) as r(${sql.join(typed, sql`, `)})`,
  };
}

/**
 * Reads a row that Postgres returned as JSON (`row_to_json`) back into the table's TypeScript shape:
 * column names to property names, timestamps to Dates.
 */
export function fromJsonRow<T extends PgTable>(table: T, json: Record<string, unknown>): T['$inferSelect'] {
  const row: Record<string, unknown> = {};
  for (const [key, column] of Object.entries(getTableColumns(table))) {
    const value = json[column.name] ?? null;
    row[key] =
      value !== null && column.getSQLType().startsWith('timestamp') ? new Date(String(value)) : value;
  }
  return row as T['$inferSelect'];
}
