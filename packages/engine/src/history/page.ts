// Keyset paging for every list: newest first by a time-ordered id (UUIDv7), the last id as the cursor.
import type { SQL } from 'drizzle-orm';
import { and, desc, lt } from 'drizzle-orm';
import type { PgColumn } from 'drizzle-orm/pg-core';

/** Which page: at most `limit` rows after `cursor` (the previous page's `nextCursor`). */
export interface PageQuery {
  limit: number;
  /** Id of the last row of the previous page. */
  cursor?: string | undefined;
}

/** One page; `nextCursor` is set when there may be more. */
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/**
 * Runs `fetch` for one page of rows matching `conditions`, newest first by `id`; one row more than asked for
 * tells whether a next page exists.
 */
export async function keysetPage<T extends { id: string }>(
  query: PageQuery,
  id: PgColumn,
  conditions: ReadonlyArray<SQL | undefined>,
  fetch: (where: SQL | undefined, orderBy: SQL, limit: number) => Promise<T[]>,
): Promise<Page<T>> {
  const where = and(...conditions, query.cursor ? lt(id, query.cursor) : undefined);
  const rows = await fetch(where, desc(id), query.limit + 1);
  const items = rows.slice(0, query.limit);
  const nextCursor = rows.length > query.limit ? (items[items.length - 1]?.id ?? null) : null;
  return { items, nextCursor };
}
