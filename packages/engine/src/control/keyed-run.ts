// A run the engine starts itself, from an event it makes with a key of its own (a failed run's id for its
// error flow, a step's id for its sub-flow call): the event goes in only once per key, so whatever is
// delivered again starts the run once.
import type { Transaction } from '@tributary/db';
import { newId, schema } from '@tributary/db';
import type { CompiledFlow, EngineContext, StepRef } from '../core/index.js';
import { type StartRunInput, startRun } from '../ingest/index.js';

/** What the engine's own event says. */
export interface KeyedEvent {
  source: string;
  type: string;
  idempotencyKey: string;
  payload: unknown;
}

/**
 * Inserts the event and starts `flow` with its payload as the trigger item, in `tx`; returns the steps to
 * enqueue once `tx` commits — none when an event of that source and key is in already.
 */
export async function startKeyedRun(
  tx: Transaction,
  ctx: EngineContext,
  flow: CompiledFlow | (() => Promise<CompiledFlow>),
  keyed: KeyedEvent,
  options: Pick<StartRunInput, 'parent'> = {},
): Promise<StepRef[]> {
  const E = schema.events;
  const event = { id: newId(), receivedAt: new Date(), ...keyed };
  const inserted = await tx
    .insert(E)
    .values(event)
    .onConflictDoNothing({ target: [E.source, E.idempotencyKey] })
    .returning({ id: E.id });
  if (inserted.length === 0) return [];
  const compiled = typeof flow === 'function' ? await flow() : flow;
  const started = await startRun(tx, ctx, { flow: compiled, event, item: event.payload, ...options });
  ctx.metrics.runsStarted.inc();
  return started.toEnqueue;
}
