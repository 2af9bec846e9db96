// Accepting on the request path within the ingest time limit: an unreachable or hanging Postgres becomes a
// 503 (UnavailableError with Retry-After) at once, and "nothing was accepted" is never said of a commit.
import type { Transaction } from '@tributary/db';
import { UnavailableError } from '@tributary/flow';
import type { EngineContext, StepRef } from '../core/index.js';
import { enqueueSafely, isConnectionError, TimeoutError, withTimeout } from '../core/index.js';

/** Runs database work on the request path with the ingest time limit (503 instead of a hang). */
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

/**
 * The 503 for an event or tracking request that ingest could not take in time — its group commit's backlog
 * was full, or no commit took it within the time limit — counted by reason; nothing of it was written.
 */
export function busyRefusal(ctx: EngineContext, reason: 'waited' | 'backlog'): UnavailableError {
  ctx.metrics.ingestShed.inc({ reason });
  return new UnavailableError(
    'the server is too busy to accept events now; nothing was accepted, try again',
    {
      retryAfterSeconds: 1,
    },
  );
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
  const phase = ctx.metrics.ingestPhase;
  const requested = performance.now();
  let wrote = requested;
  const attempt = ctx.ingestDb.transaction(async (tx) => {
    const opened = performance.now();
    phase.observe({ phase: 'open' }, (opened - requested) / 1000);
    const result = await work(tx);
    wrote = performance.now();
    phase.observe({ phase: 'write' }, (wrote - opened) / 1000);
    if (abandoned) throw new AbandonedTransaction(what);
    committing = true;
    return result;
  });
  // the commit's own time: from the work's end to the transaction's outcome
  void attempt.then(
    () => phase.observe({ phase: 'commit' }, (performance.now() - wrote) / 1000),
    () => {},
  );
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

/** Enqueues the steps of events just committed (bounded, never failing: see enqueueSafely), timed. */
export async function enqueueAccepted(ctx: EngineContext, refs: readonly StepRef[]): Promise<void> {
  if (refs.length === 0) return;
  const started = performance.now();
  await enqueueSafely(ctx, refs);
  ctx.metrics.ingestPhase.observe({ phase: 'enqueue' }, (performance.now() - started) / 1000);
}
