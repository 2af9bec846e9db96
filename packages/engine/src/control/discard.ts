// Discarding dead letters: someone decided a failure needs nothing more (a test address, a customer who left).
// The dead letter leaves the pending list as `discarded`; its run stays failed; the reason goes to the audit
// log with who discarded it.
import { schema } from '@tributary/db';
import { inArray } from 'drizzle-orm';
import type { EngineContext } from '../core/index.js';
import { audit } from '../core/index.js';

/** One dead letter's outcome: discarded, or why not. */
export interface DiscardResult {
  id: string;
  ok: boolean;
  error?: { code: string; message: string };
}

/** Discards pending dead letters, each on its own (one that is gone or not pending is reported, not fatal). */
export async function discardDeadLetters(
  ctx: EngineContext,
  ids: readonly string[],
  reason: string,
  actor: string,
): Promise<DiscardResult[]> {
  return ctx.db.transaction(async (tx) => {
    const D = schema.deadLetters;
    const found = await tx
      .select({ id: D.id, status: D.status })
      .from(D)
      .where(inArray(D.id, [...ids]))
      .for('update');
    const statusOf = new Map(found.map((d) => [d.id, d.status]));
    const results: DiscardResult[] = [];
    const discard: string[] = [];
    for (const id of new Set(ids)) {
      const status = statusOf.get(id);
      if (status === undefined) {
        results.push({
          id,
          ok: false,
          error: { code: 'not_found', message: `dead letter ${id} does not exist` },
        });
      } else if (status !== 'pending') {
        results.push({
          id,
          ok: false,
          error: { code: 'dead_letter_closed', message: `dead letter ${id} is ${status}, not pending` },
        });
      } else {
        discard.push(id);
        results.push({ id, ok: true });
      }
    }
    if (discard.length > 0) {
      await tx.update(D).set({ status: 'discarded' }).where(inArray(D.id, discard));
      for (const id of discard) await audit(tx, actor, 'dead_letter.discard', 'dead_letter', id, { reason });
    }
    return results;
  });
}
