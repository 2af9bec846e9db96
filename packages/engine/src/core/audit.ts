// The audit log: every change made through the management API, with who made it.
import type { Queryable } from '@tributary/db';
import { newId, schema } from '@tributary/db';

/** Records one change. */
export async function audit(
  db: Queryable,
  actor: string,
  action: string,
  targetType: string,
  targetId: string | null,
  details?: unknown,
): Promise<void> {
  await db.insert(schema.auditLog).values({ id: newId(), actor, action, targetType, targetId, details });
}
