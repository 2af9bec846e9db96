// Ingest: the event, a run per target flow and the first steps are committed (batched with concurrent
// ingests, see ingest-batch.ts); then jobs are added.
import type { Transaction } from '@tributary/db';
import { BadRequestError, UnavailableError } from '@tributary/flow';
import type { CompiledFlow } from '../core/compiled-flow.js';
import { isConnectionError } from '../core/db-errors.js';
import type { EngineContext } from '../core/context.js';
import { prepareIngest } from './event-batch.js';
import type { StepRef } from '../core/step-queue.js';
import { TimeoutError, withTimeout } from '../core/timeouts.js';

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
  targets: readonly IngestTarget[];
}

export interface IngestResult {
  eventId: string;
  duplicate: boolean;
  runs: Array<{ id: string; flowId: string }>;
}

/**
 * Accepts an event durably: the event, its runs and their first steps are committed before this returns,
 * then the steps are enqueued. Concurrent calls share a transaction (see IngestBatcher). A repeated
 * idempotency key answers with the first event and its runs. Postgres unreachable → UnavailableError (503)
 * within the ingest time limit; Redis unreachable → still accepted, and the sweeper enqueues the steps later.
 */
export async function ingest(ctx: EngineContext, input: IngestInput): Promise<IngestResult> {
  const flows: CompiledFlow[] = [];
  for (const t of input.targets) {
    flows.push(await withDatabase(ctx, () => ctx.flows.get(ctx.db, t.flowId, t.version), 'loading the flow'));
  }
  const prepared = await prepareIngest(ctx, input, flows, true);
  try {
    return await ctx.ingestBatcher.submit(prepared);
  } catch (err) {
    const ranInline = prepared.runs.some((r) => r.steps.some((s) => (s.attempts?.length ?? 0) > 0));
    if (!(err instanceof BadRequestError && err.code === 'unstorable_payload') || !ranInline) throw err;
    // the text came from a pure step run while accepting, not from the event: accept the event and leave
    // those steps to their jobs, where such a step fails on its own
    return ctx.ingestBatcher.submit(await prepareIngest(ctx, input, flows, false));
  }
}

/**
 * Runs database work on the request path with the ingest time limit: an unreachable or hanging Postgres
 * becomes UnavailableError (503 with Retry-After) instead of a hang.
 */
export async function withDatabase<T>(ctx: EngineContext, work: () => Promise<T>, what: string): Promise<T> {
  try {
    return await withTimeout(work(), ctx.settings.ingestTimeoutMs, what);
  } catch (err) {
    throw asUnavailable(err);
  }
}

/** A time-out or lost connection becomes UnavailableError (503 with Retry-After); anything else stays. */
function asUnavailable(err: unknown): unknown {
  if (err instanceof TimeoutError || isConnectionError(err)) {
    return new UnavailableError('the database is unavailable; nothing was accepted, try again', {
      cause: err,
      retryAfterSeconds: 5,
    });
  }
  return err;
}

/** Thrown inside an abandoned transaction so it rolls back instead of committing. */
class AbandonedTransaction extends Error {}

/**
 * Runs a transaction that accepts something on the request path, within the ingest time limit — and keeps
 * the 503 honest: when the limit passes before the transaction reached its commit, the transaction is
 * abandoned (it rolls back instead of committing) and the caller gets UnavailableError; once the commit is
 * under way, the caller waits for its outcome instead, so "nothing was accepted" is never said of a commit.
 */
export async function acceptTransaction<T>(
  ctx: EngineContext,
  what: string,
  work: (tx: Transaction) => Promise<T>,
): Promise<T> {
  let abandoned = false;
  let committing = false;
  const attempt = ctx.ingestDb.transaction(async (tx) => {
    const result = await work(tx);
    if (abandoned) throw new AbandonedTransaction(what);
    committing = true;
    return result;
  });
  try {
    return await new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        if (committing) return;
        abandoned = true;
        // the transaction rolls back when its work returns; its rejection is expected and handled here
        attempt.catch(() => {});
        reject(new TimeoutError(`${what} took longer than ${ctx.settings.ingestTimeoutMs} ms`));
      }, ctx.settings.ingestTimeoutMs);
      attempt.then(
        (value) => {
          clearTimeout(timer);
          resolve(value);
        },
        (err) => {
          clearTimeout(timer);
          reject(err);
        },
      );
    });
  } catch (err) {
    throw asUnavailable(err);
  }
}

/** Adds jobs, but never lets Redis trouble fail a caller whose work is already committed. */
export async function enqueueSafely(ctx: EngineContext, refs: StepRef[]): Promise<void> {
  if (refs.length === 0) return;
  try {
    await withTimeout(ctx.queue.add(refs), ctx.settings.enqueueTimeoutMs, 'adding step jobs');
  } catch (err) {
    ctx.logger.warn({ err, steps: refs.length }, 'could not enqueue steps now; the sweeper will');
  }
}
