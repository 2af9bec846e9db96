// Maps transport failures of an outbound request to FatalError or RetryableError with a stable code.
import { FatalError, RetryableError, TributaryError } from '@tributary/flow';

const TIMEOUT_CODES = new Set([
  'ETIMEDOUT',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);

// a bad certificate or a malformed request does not fix itself between attempts
const FATAL_CODES: ReadonlyMap<string, string> = new Map([
  // retrying a name that does not exist is pointless; the dead letter can be redriven once DNS is fixed
  ['ENOTFOUND', 'dns_not_found'],
  ['UND_ERR_INVALID_ARG', 'invalid_request'],
  ['UND_ERR_NOT_SUPPORTED', 'invalid_request'],
  ['UND_ERR_REQ_CONTENT_LENGTH_MISMATCH', 'invalid_request'],
  ['ERR_INVALID_ARG_TYPE', 'invalid_request'],
  ['ERR_INVALID_ARG_VALUE', 'invalid_request'],
  ['ERR_INVALID_HTTP_TOKEN', 'invalid_request'],
  ['ERR_INVALID_CHAR', 'invalid_request'],
  ['ERR_TLS_CERT_ALTNAME_INVALID', 'tls_error'],
  ['CERT_HAS_EXPIRED', 'tls_error'],
  ['CERT_NOT_YET_VALID', 'tls_error'],
  ['DEPTH_ZERO_SELF_SIGNED_CERT', 'tls_error'],
  ['SELF_SIGNED_CERT_IN_CHAIN', 'tls_error'],
  ['UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'tls_error'],
  ['UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'tls_error'],
]);

/** The `code` property of a Node or undici error, if it has a string one. */
export function errorCode(err: unknown): string | undefined {
  return err instanceof Error && 'code' in err && typeof err.code === 'string' ? err.code : undefined;
}

/**
 * Classifies a failed request to `origin` (never the full URL: its query may hold secrets).
 * Our own errors pass through; unknown transport failures count as retryable network errors,
 * because a bounded number of retries costs less than dead-lettering a blip.
 */
export function toRequestError(err: unknown, origin: string): TributaryError {
  if (err instanceof TributaryError) return err;
  const code = errorCode(err) ?? 'unknown';
  if (TIMEOUT_CODES.has(code)) {
    return new RetryableError(`Request to ${origin} timed out (${code})`, { code: 'timeout', cause: err });
  }
  const fatal = FATAL_CODES.get(code);
  if (fatal !== undefined) {
    return new FatalError(`Request to ${origin} failed (${code})`, { code: fatal, cause: err });
  }
  if (code.startsWith('HPE_')) {
    // llhttp refused the peer's bytes: it is not speaking HTTP/1.1 and will not start on a retry
    return new FatalError(`${origin} sent a malformed HTTP response (${code})`, {
      code: 'invalid_response',
      cause: err,
    });
  }
  // ECONNREFUSED, ECONNRESET, EPIPE, EHOSTUNREACH, EAI_AGAIN, UND_ERR_SOCKET ("other side closed") and kin
  return new RetryableError(`Request to ${origin} failed (${code})`, { code: 'network_error', cause: err });
}
