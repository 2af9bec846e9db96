// Maps nats.js failures to FatalError or RetryableError by its error code. Messages name the server's address,
// never a token or password.
import { FatalError, RetryableError, TributaryError } from '@tributary/flow';
import { brokerNetworkError, isNetworkFailure, reasonOf } from '../brokers/broker-errors.js';
import { errorCode } from '../http/request-errors.js';

// nats.js ErrorCode values
const AUTH_CODES = new Set([
  'AUTHORIZATION_VIOLATION',
  'AUTHENTICATION_EXPIRED',
  'AUTHENTICATION_TIMEOUT',
  'BAD_AUTHENTICATION',
  'BAD_CREDS',
  'ACCOUNT_EXPIRED',
]);
const TIMEOUT_CODES = new Set(['TIMEOUT', 'CONNECTION_TIMEOUT']);
// what the server or the client refuses about this message or subject: no retry changes it
const MESSAGE_CODES = new Set([
  'PERMISSIONS_VIOLATION',
  'MAX_PAYLOAD_EXCEEDED',
  'BAD_SUBJECT',
  'BAD_HEADER',
  'BAD_PAYLOAD',
  'INVALID_PAYLOAD',
]);

/** A failed NATS operation with the server at `target` (`host:port`); `doing` is "connect to" or "publish to". */
export function toNatsError(
  err: unknown,
  target: string,
  doing: 'connect to' | 'publish to',
): TributaryError {
  if (err instanceof TributaryError) return err;
  const what = `NATS at ${target}`;
  const code = errorCode(err) ?? 'unknown';
  if (isNetworkFailure(err)) return brokerNetworkError(err, what, doing);
  if (AUTH_CODES.has(code)) {
    return new FatalError(`${what} refused the login: ${reasonOf(err)}`, { code: 'broker_auth', cause: err });
  }
  if (code === 'TLS') {
    return new FatalError(`TLS with ${what} failed: ${reasonOf(err)}`, { code: 'tls_error', cause: err });
  }
  if (MESSAGE_CODES.has(code)) {
    return new FatalError(`${what} refused the message: ${reasonOf(err)}`, {
      code: 'broker_refused',
      cause: err,
    });
  }
  if (TIMEOUT_CODES.has(code)) {
    return new RetryableError(`Could not ${doing} ${what} in time (${code}); is the server running?`, {
      code: 'timeout',
      cause: err,
    });
  }
  if (code === 'CONNECTION_REFUSED') {
    return new RetryableError(`Could not ${doing} ${what} (${code}); is the server running?`, {
      code: 'broker_unavailable',
      cause: err,
    });
  }
  return new RetryableError(`Could not ${doing} ${what}: ${reasonOf(err)}`, {
    code: 'broker_unavailable',
    cause: err,
  });
}
