// Serialising the completions of one run: the run row's lock, and the run's joins as they stand under it.
import type { Transaction } from '@tributary/db';
import { fromJsonRow, schema, selectRows, statement } from '@tributary/db';
import { and, eq, sql } from 'drizzle-orm';
import type { RunRow } from '../core/index.js';
import type { JoinState, PendingJoin } from '../plan/index.js';

const lockStatement = statement<{ runId: string }>`
  select row_to_json(r) as run from ${schema.runs} r where r.${schema.runs.id} = ${sql.placeholder('runId')} for update`;

/** Locks a run row for the rest of the transaction: completions within one run are serialised. */
export async function lockRun(tx: Transaction, runId: string): Promise<RunRow | undefined> {
  const [locked] = await selectRows<{ run: Record<string, unknown> }>(tx, lockStatement({ runId }));
  return locked ? fromJsonRow(schema.runs, locked.run) : undefined;
}

/** The run's joins that still wait for branches, by join key. */
export async function pendingJoins(tx: Transaction, runId: string): Promise<Map<string, PendingJoin>> {
  const rows = await tx
    .select({ id: schema.steps.id, nodeId: schema.steps.nodeId, state: schema.steps.state })
    .from(schema.steps)
    .where(and(eq(schema.steps.runId, runId), eq(schema.steps.status, 'pending')));
  return new Map(
    rows.map((r) => {
      // pending steps are only ever written by applyPlan with a JoinState
      const state = (r.state ?? {}) as Partial<JoinState>;
      const pending: PendingJoin = {
        stepId: r.id,
        arrivals: state.arrivals ?? {},
        expected: state.expected ?? 1,
      };
      return [state.joinKey ?? r.nodeId, pending];
    }),
  );
}
