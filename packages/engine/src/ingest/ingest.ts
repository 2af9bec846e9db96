// Ingest: where an event becomes runs. The event, a run per target flow version and the first steps are
// worked out in memory (the pure steps after the trigger run inline), committed with the events arriving
// meanwhile (event-batch.ts), and only then are jobs added and the caller answered.
import { newId } from '@tributary/db';
import type { CompiledFlow, EngineContext } from '../core/index.js';
import { withInlineFallback } from '../steps/index.js';
import { withDatabase } from './accept.js';
import type { EventInsert, IngestResult, PreparedEvent } from './event-batch.js';
import { submitEvent } from './event-batch.js';
import type { PreparedRun } from './run-start.js';
import { prepareRun } from './run-start.js';

/** A published flow version the event starts, with the trigger item it gets. */
export interface IngestTarget {
  flowId: string;
  version: number;
  item: unknown;
}

export interface IngestInput {
  source: string;
  type: string;
  idempotencyKey?: string | undefined;
  payload: unknown;
  /** The payload's size as received, in bytes (a request body's length): bounds the bytes of a commit. */
  payloadBytes?: number | undefined;
  targets: readonly IngestTarget[];
}

/**
 * Accepts an event durably: the event, its runs and their first steps are committed before this returns,
 * then the steps are enqueued. Concurrent calls share a transaction (group commit). A repeated idempotency
 * key answers with the first event and its runs. Postgres unreachable → UnavailableError (503) within the
 * ingest time limit; Redis unreachable → still accepted, and the sweeper enqueues the steps later.
 */
export async function ingest(ctx: EngineContext, input: IngestInput): Promise<IngestResult> {
  const flows: CompiledFlow[] = [];
  for (const t of input.targets) {
    flows.push(
      ctx.flows.cached(t.flowId, t.version) ??
        (await withDatabase(ctx, () => ctx.flows.get(ctx.db, t.flowId, t.version), 'loading the flow')),
    );
  }
  return withInlineFallback(ctx.settings.ingestFuseBudgetMs, async (inlineBudgetMs) =>
    submitEvent(ctx, await prepareEvent(ctx, input, flows, inlineBudgetMs)),
  );
}

/** The rows of an event and of the runs it starts (no I/O: the event and the trigger outputs are at hand). */
async function prepareEvent(
  ctx: EngineContext,
  input: IngestInput,
  flows: readonly CompiledFlow[],
  inlineBudgetMs: number,
): Promise<PreparedEvent> {
  const event: EventInsert = {
    id: newId(),
    source: input.source,
    type: input.type,
    receivedAt: new Date(),
    payload: input.payload,
    idempotencyKey: input.idempotencyKey ?? null,
  };
  const runs: PreparedRun[] = [];
  for (const [i, target] of input.targets.entries()) {
    const flow = flows[i];
    if (flow) runs.push(await prepareRun(ctx, { flow, event, item: target.item, inlineBudgetMs }));
  }
  return { event, runs, bytes: input.payloadBytes ?? 0 };
}
