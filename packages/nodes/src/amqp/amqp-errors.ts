// Maps amqplib's failures to FatalError or RetryableError: by the AMQP reply code where the broker sent one,
// by the network error code below it. Messages name the broker's address, never the URL.
import { FatalError, RetryableError, TributaryError } from '@tributary/flow';
import { brokerNetworkError, isNetworkFailure, reasonOf } from '../brokers/broker-errors.js';

// AMQP 0-9-1 reply codes that a later attempt may not meet: the broker is going away (320), had an internal
// error (541), or the resource is locked by another connection for now (405)
const TRANSIENT_REPLIES = new Set([320, 405, 541]);

function replyCode(err: unknown): number | undefined {
  if (typeof err !== 'object' || err === null || !('code' in err)) return undefined;
  return typeof err.code === 'number' ? err.code : undefined;
}

/** A failed connection attempt to `target` (`host:port`). */
export function toAmqpConnectError(err: unknown, target: string): TributaryError {
  if (err instanceof TributaryError) return err;
  const what = `RabbitMQ at ${target}`;
  if (isNetworkFailure(err)) return brokerNetworkError(err, what);
  // past the socket, the broker itself closed the handshake: a refused login, a vhost that does not exist or
  // that the user may not open; amqplib gives these no code of their own, and no retry changes them
  return new FatalError(`${what} refused the connection: ${reasonOf(err)}`, {
    code: 'broker_refused',
    cause: err,
  });
}

/** A publish that failed on an open connection to `target`; `closedBy` is the error the broker closed the channel with. */
export function toAmqpPublishError(err: unknown, target: string, closedBy?: unknown): TributaryError {
  if (err instanceof TributaryError) return err;
  const reason = closedBy ?? err;
  const code = replyCode(reason);
  const what = `RabbitMQ at ${target}`;
  if (code === undefined) {
    if (isNetworkFailure(reason)) return brokerNetworkError(reason, what, 'publish to');
    return new RetryableError(`Publishing to ${what} failed: ${reasonOf(reason)}`, {
      code: 'broker_unavailable',
      cause: reason,
    });
  }
  if (TRANSIENT_REPLIES.has(code)) {
    return new RetryableError(`${what} did not take the message: ${reasonOf(reason)}`, {
      code: 'broker_unavailable',
      cause: reason,
    });
  }
  // 404 no such exchange, 403 not allowed to write to it, 406 wrong arguments, 311 too large: config problems
  return new FatalError(`${what} refused the message: ${reasonOf(reason)}`, {
    code: code === 404 ? 'amqp_not_found' : 'broker_refused',
    cause: reason,
  });
}
