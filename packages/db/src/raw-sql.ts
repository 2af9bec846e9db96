// Pieces of raw SQL text taken from the schema and from constant sets, never from data: for the statements
// written without drizzle's builders, so that they still name columns through the schema objects.
import type { SQL } from 'drizzle-orm';
import { sql } from 'drizzle-orm';
import type { PgColumn } from 'drizzle-orm/pg-core';

/** A double-quoted SQL identifier. */
export function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

const columnNames = new WeakMap<PgColumn, SQL>();

/**
 * A column's bare name as a quoted identifier, for the places raw SQL must name a column without its table
 * (an UPDATE's SET list, a CTE's or an alias's columns). Taken from the schema object, so renaming a column
 * in the schema changes every statement that names it. Raw text built once per column: drizzle walks every
 * chunk of a query to build it, and the hot statements are built thousands of times a second.
 */
export function columnName(column: PgColumn): SQL {
  let name = columnNames.get(column);
  if (!name) {
    name = sql.raw(quoteIdentifier(column.name));
    columnNames.set(column, name);
  }
  return name;
}

const lists = new WeakMap<readonly string[], SQL>();

/**
 * `('queued', 'running', …)`: a constant set of words (a status set of statuses.ts) as an SQL list of
 * literals, so a partial index over the same literals can serve the query. Only for constants of the code;
 * anything that comes from data must be a parameter.
 */
export function literalList(words: readonly string[]): SQL {
  let list = lists.get(words);
  if (!list) {
    for (const word of words) {
      if (!/^[a-z_]+$/.test(word)) throw new Error(`not a constant word: ${JSON.stringify(word)}`);
    }
    list = sql.raw(`(${words.map((w) => `'${w}'`).join(', ')})`);
    lists.set(words, list);
  }
  return list;
}
