// Many rows as one parameter: `jsonRows(table, rows)` is a SELECT over jsonb_to_recordset of the rows as one
// JSON document (a few, read with `union all`, past JSON_CHUNK_ROWS rows), typed with the table's
// own column types. An insert of n rows then sends one parameter instead of n × columns (building and binding
// those dominated the cost of batched inserts), and several such inserts can share one statement as
// data-modifying CTEs.
import type { SQL } from 'drizzle-orm';
import { getTableColumns, sql } from 'drizzle-orm';
import type { PgTable } from 'drizzle-orm/pg-core';
import { isoString } from './iso-time.js';
import { quoteIdentifier } from './raw-sql.js';

/** The rows' columns and the SELECT that produces them; every row must set the same columns. */
export interface JsonRows {
  /** `("id", "run_id", …)`: the column list for the INSERT. */
  columns: SQL;
  /** `select "id", … from jsonb_to_recordset($1::jsonb) as r("id" uuid, …)` (past JSON_CHUNK_ROWS rows, several joined by `union all`). */
  select: SQL;
}

/** A column list's SQL text, built once per table and set of columns. */
interface ColumnText {
  /** `("id", "run_id", …)` */
  list: SQL;
  /** `"id", "runId" as "run_id", …`: the record's fields under the columns' names */
  select: SQL;
  /** `"id" uuid, "runId" uuid, …`: the record's fields (the TypeScript names) with the columns' types */
  typed: SQL;
  /** the keys of timestamp and date columns, whose values may be Dates */
  dates: readonly string[];
}

const columnTexts = new WeakMap<PgTable, Map<string, ColumnText>>();

/**
 * The column list for these keys of the table, as raw text: drizzle walks every chunk of a query to build
 * it, and a list of identifiers and types made of separate chunks was a tenth of a step's CPU. The names
 * and types are the schema's own, never data.
 */
function columnText(table: PgTable, present: ReadonlySet<string>): ColumnText {
  const all = getTableColumns(table);
  const keys = Object.keys(all).filter((key) => present.has(key));
  const signature = keys.join(',');
  let perTable = columnTexts.get(table);
  if (!perTable) {
    perTable = new Map();
    columnTexts.set(table, perTable);
  }
  const cached = perTable.get(signature);
  if (cached) return cached;
  const names = keys.map((key) => all[key]?.name ?? key);
  const selected = keys
    .map((key, i) => {
      const name = names[i] ?? key;
      return name === key ? quoteIdentifier(key) : `${quoteIdentifier(key)} as ${quoteIdentifier(name)}`;
    })
    .join(', ');
  const typed = keys.map((key) => `${quoteIdentifier(key)} ${all[key]?.getSQLType() ?? 'text'}`).join(', ');
  const text: ColumnText = {
    list: sql.raw(`(${names.map(quoteIdentifier).join(', ')})`),
    select: sql.raw(selected),
    typed: sql.raw(typed),
    dates: keys.filter((key) => /^(timestamp|date)/.test(all[key]?.getSQLType() ?? '')),
  };
  perTable.set(signature, text);
  return text;
}

/** A Date's JSON text, as `Date.prototype.toJSON` gives it (null for an invalid date). */
function dateText(date: Date): string | null {
  return Number.isNaN(date.getTime()) ? null : isoString(date);
}

/**
 * The row with its Dates (in the given keys) as ISO text, a shallow copy; the row itself when it has none.
 * JSON.stringify leaves its fast path for each Date to call `toJSON`: measured alone, that was nearly half of
 * a step row's serialising time and most of a run row's. A copy with the text in place stays on the fast path.
 */
function withDateTexts(row: Record<string, unknown>, dates: readonly string[]): Record<string, unknown> {
  let copy: Record<string, unknown> | undefined;
  for (const key of dates) {
    const value = row[key];
    if (value instanceof Date) {
      copy ??= { ...row };
      copy[key] = dateText(value);
    }
  }
  return copy ?? row;
}

/**
 * Builds the column list and SELECT for inserting `rows` (in the table's TypeScript names) into `table`. The
 * rows go out as they are but for their Dates (see `withDateTexts`; undefined is left out, which the
 * recordset reads as null): no per-row copy under the columns' names, which was a fifth of a batch's garbage.
 */
export function jsonRows<T extends PgTable>(table: T, rows: ReadonlyArray<T['$inferInsert']>): JsonRows {
  // the columns some row sets, in the table's order
  const present = new Set<string>();
  for (const row of rows as ReadonlyArray<Record<string, unknown>>) {
    for (const key in row) if (row[key] !== undefined) present.add(key);
  }
  const { list, select, typed, dates } = columnText(table, present);
  const out =
    dates.length === 0
      ? rows
      : (rows as ReadonlyArray<Record<string, unknown>>).map((row) => withDateTexts(row, dates));
  const parts = jsonTexts(out).map(
    (text) => sql`select ${select} from jsonb_to_recordset(${text}::jsonb) as r(${typed})`,
  );
  return {
    columns: list,
    select: parts.length === 1 ? (parts[0] as SQL) : sql.join(parts, sql` union all `),
  };
}

/** Rows per JSON text at most: one parameter for all but large batches (see jsonTexts). */
export const JSON_CHUNK_ROWS = 100;

/**
 * The rows as JSON array texts of JSON_CHUNK_ROWS rows at most each, which jsonRows binds as a parameter
 * each and reads with `union all`. V8 puts a string of more than 128 KB on pages of its own outside the
 * young generation: measured, the first read of such a text (Buffer.byteLength, as postgres.js binds it)
 * cost ~3 ns a character, ten times as much as below that size, and only full collections free it. A
 * tracking commit of two /v1/batch requests wrote 720 KB of step rows as one text, and that first read was
 * 10 % of the server's busy time. A hundred step or run rows are well under 128 KB; the count, not the
 * size, decides, so the statement's text depends only on how many rows there are.
 */
function jsonTexts(rows: readonly unknown[]): string[] {
  if (rows.length <= JSON_CHUNK_ROWS) return [JSON.stringify(rows)];
  const texts: string[] = [];
  for (let at = 0; at < rows.length; at += JSON_CHUNK_ROWS) {
    texts.push(JSON.stringify(rows.slice(at, at + JSON_CHUNK_ROWS)));
  }
  return texts;
}

/**
 * One row's values for an UPDATE: `update t set ${v.columns} = (${v.select}) where …` sets the columns
 * `values` gives (in the table's TypeScript names; null included, undefined left out) from one parameter.
 * Built with a handful of chunks, where drizzle's update builder makes several per column.
 */
export function jsonValues<T extends PgTable>(table: T, values: Partial<T['$inferInsert']>): JsonRows {
  // a partial row is all an UPDATE needs; only INSERTs need every required column
  return jsonRows(table, [values as T['$inferInsert']]);
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
