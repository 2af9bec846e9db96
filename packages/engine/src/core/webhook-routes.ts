// The webhook routing index: which live flow version listens on a path (the triggers table, written at publish).
import type { Queryable } from '@tributary/db';
import { schema } from '@tributary/db';
import { and, eq } from 'drizzle-orm';

/** Normalises a webhook path for routing: no leading or trailing slashes. */
export function normaliseHookPath(path: string): string {
  return path.replace(/^\/+|\/+$/g, '');
}

/** Where a webhook path routes: the live flow version and its trigger node. */
export interface WebhookRoute {
  flowId: string;
  version: number;
  nodeId: string;
  method: string;
}

/** Finds the published flow that listens on a webhook path. */
export async function findWebhookRoute(db: Queryable, path: string): Promise<WebhookRoute | undefined> {
  const [row] = await db
    .select({
      flowId: schema.triggers.flowId,
      version: schema.triggers.version,
      nodeId: schema.triggers.nodeId,
      method: schema.triggers.method,
    })
    .from(schema.triggers)
    .where(and(eq(schema.triggers.kind, 'webhook'), eq(schema.triggers.key, normaliseHookPath(path))));
  return row ? { ...row, method: row.method ?? 'POST' } : undefined;
}
