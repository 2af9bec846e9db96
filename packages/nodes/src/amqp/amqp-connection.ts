// Opening an AMQP 0-9-1 connection from an `amqp` credential under the outbound address policy: the checked
// address is dialled, the host name kept for TLS. Publish nodes pool these; consumers open their own.
import { RetryableError } from '@tributary/flow';
import type { ChannelModel } from 'amqplib';
import { type BrokerDial, type DialContext, dialBroker } from '../brokers/broker-dial.js';
import { withinTimeLimit } from '../brokers/broker-errors.js';
import { toAmqpConnectError } from './amqp-errors.js';
import type { AmqpServer } from './amqp-url.js';

/** Time limits of AMQP work, in milliseconds. */
export const AMQP_TIMEOUTS = { connect: 10_000, confirm: 10_000 } as const;

/** Checks the server's host against the credential's allowedHosts and the address policy. */
export function dialAmqp(server: AmqpServer, ctx: DialContext): Promise<BrokerDial> {
  return dialBroker(server, ctx, 'RabbitMQ');
}

/**
 * Connects to a checked address and opens the AMQP connection (login and vhost included) within
 * AMQP_TIMEOUTS.connect; aborting `signal` gives up at once. The caller owns the connection: it must listen
 * for 'error' and close it.
 */
export async function openAmqpConnection(
  server: AmqpServer,
  dial: BrokerDial,
  signal?: AbortSignal,
): Promise<ChannelModel> {
  // loaded on first use: a process whose flows speak no AMQP never holds the library
  const { connect } = await import('amqplib');
  const opening = connect(
    {
      protocol: server.secure ? 'amqps' : 'amqp',
      hostname: dial.address,
      port: dial.port,
      username: server.username,
      password: server.password,
      vhost: server.vhost,
      ...(server.heartbeat !== undefined ? { heartbeat: server.heartbeat } : {}),
    },
    {
      // covers the TCP connect and the whole handshake; amqplib clears it once the connection is open
      timeout: AMQP_TIMEOUTS.connect,
      ...(dial.servername !== undefined ? { servername: dial.servername } : {}),
      clientProperties: { connection_name: 'tributary' },
    },
  );
  try {
    return await withinTimeLimit(
      opening,
      { ms: AMQP_TIMEOUTS.connect + 1000, signal },
      () =>
        new RetryableError(`RabbitMQ at ${dial.target} did not open a connection in time`, {
          code: 'timeout',
        }),
      () => new RetryableError(`Connecting to RabbitMQ at ${dial.target} was aborted`, { code: 'aborted' }),
    );
  } catch (err) {
    // an opening given up on may still succeed: close what it brings
    opening.then(
      (late) => late.close().catch(() => undefined),
      () => undefined,
    );
    throw toAmqpConnectError(err, dial.target);
  }
}
