// Accepting on the request path within the ingest time limit: an unreachable or hanging Postgres becomes a
// 503 (UnavailableError with Retry-After) at once, and "nothing was accepted" is never said of a commit.
import type { Queryable, Transaction } from '@tributary/db';
import { UnavailableError } from '@tributary/flow';
import type { EngineContext, StepRef } from '../core/index.js';
import {
  enqueueSafely,
  isCanceledStatement,
  isConnectionError,
  TimeoutError,
  withTimeout,
} from '../core/index.js';

/** Runs database work on the request path with the ingest time limit (503 instead of a hang). */
export async function withDatabase<T>(ctx: EngineContext, work: () => Promise<T>, what: string): Promise<T> {
  try {
    return await withTimeout(work(), ctx.settings.ingestTimeoutMs, what);
  } catch (err) {
    throw asUnavailable(err);
  }
}

/**
 * A time-out or lost connection becomes UnavailableError (503 with Retry-After); anything else stays. A
 * COMMIT without an answer (UnansweredCommit) may have committed: its 503 says so.
 */
function asUnavailable(err: unknown): unknown {
  if (err instanceof UnansweredCommit) {
    return new UnavailableError(
      'the database did not answer the commit; what was sent may or may not have been stored — send it again ' +
        'with the same idempotency key to be sure it is stored once',
      { cause: err, retryAfterSeconds: 5 },
    );
  }
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
 * A COMMIT sent that got no answer within its bound (acceptTransaction): Postgres may have committed it, so
 * the 503 it becomes does not say that nothing was accepted.
 */
export class UnansweredCommit extends Error {
  readonly code = 'unanswered_commit';
}

/**
 * Runs a transaction that accepts something on the request path, within the ingest time limit — and keeps
 * the 503 honest: when the limit passes before the transaction reached its commit, the transaction is
 * abandoned (it rolls back instead of committing) and the caller gets UnavailableError; once the commit is
 * under way, the caller waits for its outcome instead, so "nothing was accepted" is never said of a commit.
 * That wait has a bound too (statementAnswerLimitMs): a COMMIT whose answer never comes (a half-dead network
 * path; a close the driver missed) would otherwise hold the caller, and every event behind it in the group
 * commit, until TCP keepalive ended the connection, minutes later. Past it the caller gets a 503 that says
 * the outcome is unknown (UnansweredCommit); the connection stays with its transaction until its socket
 * closes, as a connection given up by acceptStatement does.
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
  let timer: NodeJS.Timeout | undefined;
  try {
    return await new Promise<T>((resolve, reject) => {
      const attempt = ctx.ingestDb.transaction(async (tx) => {
        const opened = performance.now();
        phase.observe({ phase: 'open' }, (opened - requested) / 1000);
        const result = await work(tx);
        wrote = performance.now();
        phase.observe({ phase: 'write' }, (wrote - opened) / 1000);
        if (abandoned) throw new AbandonedTransaction(what);
        committing = true;
        clearTimeout(timer);
        const limit = statementAnswerLimitMs(ctx);
        timer = setTimeout(() => {
          ctx.logger.warn({ what }, 'an ingest COMMIT got no answer; its outcome is unknown to the caller');
          reject(new UnansweredCommit(`the commit of ${what} got no answer within ${limit} ms`));
        }, limit);
        return result;
      });
      // the commit's own time: from the work's end to the transaction's outcome
      void attempt.then(
        () => phase.observe({ phase: 'commit' }, (performance.now() - wrote) / 1000),
        () => {},
      );
      timer = setTimeout(() => {
        if (committing) return;
        abandoned = true;
        // the transaction rolls back when its work returns
        reject(new TimeoutError(`${what} took longer than ${ctx.settings.ingestTimeoutMs} ms`));
      }, ctx.settings.ingestTimeoutMs);
      // also the handler of an outcome that comes after the caller was answered (abandoned, or unanswered)
      attempt.then(resolve, (err) =>
        reject(committing ? asUnansweredIfLost(err, `the commit of ${what}`) : err),
      );
    });
  } catch (err) {
    throw asUnavailable(err);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * A connection lost while a commit was on the way (a COMMIT, or a statement that is its own commit) leaves the
 * outcome unknown, as an unanswered one does; any other error stays.
 */
function asUnansweredIfLost(err: unknown, what: string): unknown {
  return isConnectionError(err)
    ? new UnansweredCommit(`the connection was lost during ${what}`, { cause: err })
    : err;
}

/**
 * Whether ingest may write with one statement and no transaction of its own (acceptStatement): only when it
 * can take a connection for itself (so it knows when the statement is with Postgres) and Postgres itself
 * cancels an ingest statement that outlasts the time limit (the ingest pool's statement_timeout is within
 * it), so that a statement that is its own commit never commits behind a 503.
 */
export function canAcceptInOneStatement(ctx: EngineContext): boolean {
  const timeout = ctx.ingestStatementTimeoutMs;
  return ctx.reserveIngest !== undefined && timeout !== undefined && timeout <= ctx.settings.ingestTimeoutMs;
}

/**
 * How long past twice the ingest pool's statement_timeout acceptStatement waits for its work's answer before
 * it gives the connection up. The work is the batch's statement and, when an idempotency key was taken, a
 * read of the event that took it (event-batch.ts's writeBatch): Postgres has ended both by then (committed
 * or canceled), so an answer still missing was lost on the way, or the statement never left (a connection
 * the driver did not see die).
 */
export const STATEMENT_ANSWER_GRACE_MS = 1_000;

/** acceptStatement's bound on its work's answer (see STATEMENT_ANSWER_GRACE_MS). */
export function statementAnswerLimitMs(ctx: EngineContext): number {
  return 2 * (ctx.ingestStatementTimeoutMs ?? ctx.settings.ingestTimeoutMs) + STATEMENT_ANSWER_GRACE_MS;
}

/**
 * Runs `work`, whose only write is one statement, on a connection of the ingest pool taken for it, without a
 * transaction: the statement is its own commit (one round trip instead of BEGIN, the statement and COMMIT).
 * Ask canAcceptInOneStatement first. The wait for the connection has the ingest time limit: past it nothing
 * was sent, 503 (the connection, should it come later, goes back to the pool unused). Once sent, the
 * statement has Postgres's statement_timeout (the same limit): canceled, it wrote nothing, 503. A connection
 * lost while the statement ran is answered 503 like a lost COMMIT in acceptTransaction (UnansweredCommit: the
 * outcome is unknown); so is work with no answer within statementAnswerLimitMs (a connection whose peer is gone
 * without a word: a half-dead network path, or a close the driver missed), and the connection is given up —
 * without that bound the caller, and every event behind it in the group commit, would wait until TCP
 * keepalive ends the connection, minutes later. A statement written on a condition that did not hold
 * (`wroteNothing` says so of its result) is timed as `refused`, not `statement`: it was no commit.
 */
export async function acceptStatement<T>(
  ctx: EngineContext,
  what: string,
  work: (db: Queryable) => Promise<T>,
  options: { wroteNothing?: (result: T) => boolean } = {},
): Promise<T> {
  const reserve = ctx.reserveIngest;
  if (!reserve) throw new Error('acceptStatement needs a pool that reserves connections');
  const phase = ctx.metrics.ingestPhase;
  const requested = performance.now();
  try {
    const reserved = await withTimeout(reserve(), ctx.settings.ingestTimeoutMs, `a connection for ${what}`, {
      // a connection that comes after the caller was answered goes back unused
      late: (conn) => conn.release(),
    });
    const sent = performance.now();
    phase.observe({ phase: 'open' }, (sent - requested) / 1000);
    let result: T;
    try {
      result = await withTimeout(work(reserved.db), statementAnswerLimitMs(ctx), `the answer to ${what}`);
    } catch (err) {
      // a lost connection is the pool's to take back (ReservedDb.discard); any other goes back now
      // the statement is its own commit: sent, and then no answer, it may have committed
      if (err instanceof TimeoutError) {
        ctx.logger.warn({ what }, 'an ingest statement got no answer; its connection is given up');
        reserved.discard();
        throw new UnansweredCommit(err.message, { cause: err });
      }
      if (isConnectionError(err)) reserved.discard();
      else reserved.release();
      throw asUnansweredIfLost(err, what);
    }
    reserved.release();
    const refused = options.wroteNothing?.(result) ?? false;
    phase.observe({ phase: refused ? 'refused' : 'statement' }, (performance.now() - sent) / 1000);
    return result;
  } catch (err) {
    throw asUnavailable(
      isCanceledStatement(err)
        ? new TimeoutError(`${what} took longer than ${ctx.ingestStatementTimeoutMs} ms`, { cause: err })
        : err,
    );
  }
}

/** Enqueues the steps of events just committed (bounded, never failing: see enqueueSafely), timed. */
export async function enqueueAccepted(ctx: EngineContext, refs: readonly StepRef[]): Promise<void> {
  if (refs.length === 0) return;
  const started = performance.now();
  await enqueueSafely(ctx, refs);
  ctx.metrics.ingestPhase.observe({ phase: 'enqueue' }, (performance.now() - started) / 1000);
}
