// Failures every broker client shares: the network between us and the broker, time limits and aborts.
import { FatalError, RetryableError, type TributaryError } from '@tributary/flow';
import { errorCode } from '../http/request-errors.js';

// a certificate that does not fit the name, or a peer that cannot do TLS, does not fix itself between attempts
const TLS_CODES = new Set([
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'ERR_SSL_WRONG_VERSION_NUMBER',
]);

/** The first line of an error's message, bounded: library and broker texts are shown to the user. */
export function reasonOf(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > 300 ? `${line.slice(0, 300)}…` : line;
}

/**
 * Classifies a failure below the broker protocol (`what` names the broker and its address, `doing` the step:
 * "connect to", "look up"). Refused, reset and unreachable connections and timeouts are retryable with a
 * message saying the broker may be down; a missing name and TLS failures are fatal.
 */
export function brokerNetworkError(err: unknown, what: string, doing = 'connect to'): TributaryError {
  const code = errorCode(err) ?? 'unknown';
  if (code === 'ENOTFOUND') {
    return new FatalError(`Could not ${doing} ${what}: the host name does not exist (${code})`, {
      code: 'dns_not_found',
      cause: err,
    });
  }
  if (TLS_CODES.has(code)) {
    return new FatalError(`TLS with ${what} failed (${code})`, { code: 'tls_error', cause: err });
  }
  if (code === 'ETIMEDOUT') {
    return new RetryableError(`Could not ${doing} ${what} in time (${code}); is the broker running?`, {
      code: 'timeout',
      cause: err,
    });
  }
  return new RetryableError(`Could not ${doing} ${what} (${code}); is the broker running?`, {
    code: 'broker_unavailable',
    cause: err,
  });
}

/** Whether the error came from the operating system's network stack (it carries a syscall error code). */
export function isNetworkFailure(err: unknown): boolean {
  const code = errorCode(err);
  return code !== undefined && (/^E[A-Z]+$/.test(code) || TLS_CODES.has(code));
}

/**
 * Settles with `work`, or fails with `onTimeout()` after `ms`, or with `onAbort()` when `signal` aborts: what
 * the step waits for is bounded even when the client library has no time limit of its own.
 */
export function withinTimeLimit<T>(
  work: Promise<T>,
  limits: { ms: number; signal?: AbortSignal | undefined },
  onTimeout: () => Error,
  onAbort: () => Error,
): Promise<T> {
  const { signal } = limits;
  if (signal?.aborted) {
    // the work is dropped, not awaited: keep its rejection from going unhandled
    work.catch(() => undefined);
    return Promise.reject(onAbort());
  }
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => finish(() => reject(onTimeout())), limits.ms);
    const aborted = () => finish(() => reject(onAbort()));
    signal?.addEventListener('abort', aborted, { once: true });
    let done = false;
    function finish(settle: () => void): void {
      if (done) return;
      done = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', aborted);
      settle();
    }
    work.then(
      (value) => finish(() => resolve(value)),
      (err: unknown) => finish(() => reject(err)),
    );
  });
}
