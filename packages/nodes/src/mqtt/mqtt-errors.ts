// Maps mqtt.js failures to FatalError or RetryableError by MQTT reason code (CONNACK, PUBACK) and network
// error code. Messages name the broker's address, never a password.
import { FatalError, RetryableError, TributaryError } from '@tributary/flow';
import { brokerNetworkError, isNetworkFailure, reasonOf } from '../brokers/broker-errors.js';

// MQTT 5 reason codes (and the MQTT 3.1.1 CONNACK return codes 4 and 5) that say the login was refused
const AUTH_CODES = new Set([4, 5, 134, 135, 140]);
// reason codes a later attempt may not meet: unspecified error, implementation-specific error, server
// unavailable, server busy, quota exceeded, connection rate exceeded; 3.1.1's 3 is "server unavailable"
const TRANSIENT_CODES = new Set([3, 128, 131, 136, 137, 151, 159]);

function reasonCode(err: unknown): number | undefined {
  if (typeof err !== 'object' || err === null || !('code' in err)) return undefined;
  return typeof err.code === 'number' ? err.code : undefined;
}

/** A failed connection attempt to `target` (`host:port`). */
export function toMqttConnectError(err: unknown, target: string): TributaryError {
  if (err instanceof TributaryError) return err;
  const what = `the MQTT broker at ${target}`;
  if (isNetworkFailure(err)) return brokerNetworkError(err, what);
  const code = reasonCode(err);
  if (code !== undefined && AUTH_CODES.has(code)) {
    return new FatalError(`${what} refused the login: ${reasonOf(err)}`, { code: 'broker_auth', cause: err });
  }
  if (code === undefined || TRANSIENT_CODES.has(code)) {
    return new RetryableError(`Could not connect to ${what}: ${reasonOf(err)}`, {
      code: 'broker_unavailable',
      cause: err,
    });
  }
  return new FatalError(`${what} refused the connection: ${reasonOf(err)}`, {
    code: 'broker_refused',
    cause: err,
  });
}

/** A publish that failed on an open connection to `target`. */
export function toMqttPublishError(err: unknown, target: string): TributaryError {
  if (err instanceof TributaryError) return err;
  const what = `the MQTT broker at ${target}`;
  if (isNetworkFailure(err)) return brokerNetworkError(err, what, 'publish to');
  const code = reasonCode(err);
  if (code === undefined || TRANSIENT_CODES.has(code)) {
    return new RetryableError(`Publishing to ${what} failed: ${reasonOf(err)}`, {
      code: 'broker_unavailable',
      cause: err,
    });
  }
  // not authorized for the topic (135), topic name invalid (144), packet too large (149), payload format (153)
  return new FatalError(`${what} refused the message: ${reasonOf(err)}`, {
    code: 'broker_refused',
    cause: err,
  });
}
