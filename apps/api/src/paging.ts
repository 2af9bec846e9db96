// Keyset paging of the list routes: the `limit` and `cursor` query and the `{ items, nextCursor }` answer.
import { z } from '@hono/zod-openapi';

/** The query parameters a list route pages with; spread its `shape` after the route's own filters. */
export const pageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.string().uuid().optional().openapi({ description: 'nextCursor of the previous page' }),
});

/** One page of `item`s, newest first; `nextCursor` is set when there may be more. */
export function pageOf<T extends z.ZodType>(item: T) {
  return z.object({ items: z.array(item), nextCursor: z.string().nullable() });
}
