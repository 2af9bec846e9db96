// A sub-flow step waits, parked, for its child run: when the child ends (settled or canceled), the statement
// that ended it makes the parent step due, and the parent's delayed job is promoted after commit.
import type { Transaction } from '@tributary/db';
import { schema } from '@tributary/db';
import { and, eq } from 'drizzle-orm';
import type { StepRef } from '../core/index.js';

/** Makes the parked parent step due now; the refs to wake after commit (none when it is not parked). */
export async function wakeParentStep(tx: Transaction, parentStepId: string): Promise<StepRef[]> {
  const S = schema.steps;
  const woken = await tx
    .update(S)
    .set({ dueAt: new Date() })
    .where(and(eq(S.id, parentStepId), eq(S.status, 'waiting')))
    .returning({ id: S.id, runId: S.runId });
  return woken.map((s) => ({ ...s, wake: true }));
}
