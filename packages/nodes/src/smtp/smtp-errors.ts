// Maps nodemailer's failures to FatalError or RetryableError by SMTP reply code and error code; no secrets in messages.
import { FatalError, RetryableError, TributaryError } from '@tributary/flow';
import { errorCode } from '../http/request-errors.js';

// the connection broke or never came up: worth another attempt
const CONNECTION_CODES = new Set([
  'ECONNECTION',
  'ESOCKET',
  'EDNS',
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
]);

// a certificate that does not fit the name, or a server that cannot do TLS, does not fix itself between attempts
const TLS_CODES = new Set([
  'ETLS',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'ERR_SSL_WRONG_VERSION_NUMBER',
]);

// nodemailer refused the message or its settings before the server had a say
const MESSAGE_CODES = new Set([
  'EENVELOPE',
  'EMESSAGE',
  'ECONFIG',
  'EFILEACCESS',
  'EURLACCESS',
  'EREQUIRETLS',
]);

// authentication required (530), mechanism too weak (534), credentials invalid (535), encryption required (538)
const AUTH_REPLIES = new Set([530, 534, 535, 538]);

function field<T>(err: unknown, name: string, is: (v: unknown) => v is T): T | undefined {
  if (typeof err !== 'object' || err === null || !(name in err)) return undefined;
  const value: unknown = (err as Record<string, unknown>)[name];
  return is(value) ? value : undefined;
}

const isNumber = (v: unknown): v is number => typeof v === 'number';
const isString = (v: unknown): v is string => typeof v === 'string';

/** The server's reply, one line and bounded: it is shown to the user. */
function replyText(err: unknown, code: number): string {
  const response = field(err, 'response', isString) ?? String(code);
  const line = response.replace(/\s+/g, ' ').trim();
  return line.length > 300 ? `${line.slice(0, 300)}…` : line;
}

/**
 * Classifies a failed SMTP exchange with `target` (`host:port`). 4xx replies and broken connections are
 * retryable; 5xx replies, refused logins and TLS failures are fatal. Messages carry the server's reply and
 * error codes, never the credential.
 */
export function toSmtpError(err: unknown, target: string): TributaryError {
  if (err instanceof TributaryError) return err;
  const code = errorCode(err) ?? 'unknown';
  const original = field(err, 'originalCode', isString);
  const responseCode = field(err, 'responseCode', isNumber);
  if (code === 'EABORT') {
    // the step timed out or the run was canceled; the engine that aborted decides what happens next
    return new RetryableError(`SMTP exchange with ${target} aborted`, { code: 'aborted', cause: err });
  }
  if (responseCode !== undefined && responseCode >= 400 && responseCode < 600) {
    const reply = replyText(err, responseCode);
    if (responseCode < 500) {
      return new RetryableError(`${target} answered ${reply}`, { code: 'smtp_4xx', cause: err });
    }
    if (code === 'EAUTH' || AUTH_REPLIES.has(responseCode)) {
      return new FatalError(`${target} refused the login: ${reply}`, { code: 'smtp_auth', cause: err });
    }
    return new FatalError(`${target} answered ${reply}`, { code: 'smtp_5xx', cause: err });
  }
  if (code === 'EAUTH' || code === 'ENOAUTH') {
    return new FatalError(`Could not log in to ${target} (${code})`, { code: 'smtp_auth', cause: err });
  }
  if (TLS_CODES.has(code) || (original !== undefined && TLS_CODES.has(original))) {
    return new FatalError(`TLS with ${target} failed (${original ?? code})`, {
      code: 'smtp_tls',
      cause: err,
    });
  }
  if (code === 'ETIMEDOUT') {
    return new RetryableError(`SMTP exchange with ${target} timed out`, { code: 'timeout', cause: err });
  }
  if (CONNECTION_CODES.has(code)) {
    return new RetryableError(`Connection to ${target} failed (${original ?? code})`, {
      code: 'network_error',
      cause: err,
    });
  }
  if (MESSAGE_CODES.has(code)) {
    const detail = err instanceof Error ? `: ${err.message.replace(/\s+/g, ' ').slice(0, 300)}` : '';
    return new FatalError(`The message could not be sent to ${target} (${code}${detail})`, {
      code: 'invalid_message',
      cause: err,
    });
  }
  if (code === 'EPROTOCOL') {
    return new FatalError(`${target} does not speak SMTP as expected (${code})`, {
      code: 'invalid_response',
      cause: err,
    });
  }
  // unknown failures count as network errors, as for HTTP: a bounded number of retries costs less than a dead letter
  return new RetryableError(`SMTP exchange with ${target} failed (${code})`, {
    code: 'network_error',
    cause: err,
  });
}
