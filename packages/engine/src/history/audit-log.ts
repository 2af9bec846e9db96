// Reading the audit log: who changed what and when, newest first, by actor, target and action.
import type { Queryable } from '@tributary/db';
import { schema } from '@tributary/db';
import { eq } from 'drizzle-orm';
import type { PageQuery } from './page.js';
import { keysetPage } from './page.js';

export interface AuditQuery extends PageQuery {
  /** Who: `api_key:<id>` or `env:<name>`, as recorded. */
  actor?: string | undefined;
  /** What: the target's id (a flow, credential, dead letter, run, source). */
  target?: string | undefined;
  /** The target's kind: flow, credential, dead_letter, run, source… */
  targetType?: string | undefined;
  /** The change, e.g. flow.publish or dead_letter.discard. */
  action?: string | undefined;
}

const A = schema.auditLog;

/** Audit entries newest first, with keyset pagination. */
export async function listAudit(db: Queryable, query: AuditQuery) {
  const conditions = [
    query.actor ? eq(A.actor, query.actor) : undefined,
    query.target ? eq(A.targetId, query.target) : undefined,
    query.targetType ? eq(A.targetType, query.targetType) : undefined,
    query.action ? eq(A.action, query.action) : undefined,
  ];
  return keysetPage(query, A.id, conditions, (where, orderBy, limit) =>
    db.select().from(A).where(where).orderBy(orderBy).limit(limit),
  );
}
