// Opening a NATS connection from a `nats` credential under the outbound address policy: every server of the
// list is checked before any is dialled, then they are tried in order at their checked addresses. Cluster
// gossip is ignored, so the client never dials an address the policy has not seen. Publish nodes pool these;
// consumers open their own.
import { RetryableError } from '@tributary/flow';
import type { ConnectionOptions, NatsConnection, TlsOptions } from 'nats';
import { type BrokerDial, type DialContext, dialBroker } from '../brokers/broker-dial.js';
import { withinTimeLimit } from '../brokers/broker-errors.js';
import { toNatsError } from './nats-errors.js';

/** One server of a `nats` credential's list. */
export interface NatsServer {
  /** tls://: TLS required (the host name is verified). */
  secure: boolean;
  host: string;
  port: number;
}

/** How a `nats` credential logs in: a token, or a user and password, or neither. */
export interface NatsAuth {
  token?: string | undefined;
  user?: string | undefined;
  pass?: string | undefined;
}

/** Time limits of NATS work, in milliseconds. */
export const NATS_TIMEOUTS = { connect: 10_000, ack: 10_000 } as const;

/** Most servers one credential lists. */
export const MAX_NATS_SERVERS = 10;

/**
 * Reads a comma-separated server list: `nats://host:4222`, `tls://host:4222` or `host:4222` (port 4222 when
 * left out). Undefined when any entry is not such an address (user info, paths and queries included).
 */
export function parseNatsServers(list: string): NatsServer[] | undefined {
  const entries = list
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (entries.length === 0 || entries.length > MAX_NATS_SERVERS) return undefined;
  const servers: NatsServer[] = [];
  for (const entry of entries) {
    let parsed: URL;
    try {
      parsed = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(entry) ? entry : `nats://${entry}`);
    } catch {
      // not an address; the list is refused as a whole
      return undefined;
    }
    const secure = parsed.protocol === 'tls:';
    const host = parsed.hostname.replace(/^\[|\]$/g, '');
    const bare =
      parsed.username === '' &&
      parsed.password === '' &&
      (parsed.pathname === '' || parsed.pathname === '/') &&
      parsed.search === '' &&
      parsed.hash === '';
    if ((!secure && parsed.protocol !== 'nats:') || host === '' || !bare) return undefined;
    servers.push({ secure, host, port: parsed.port === '' ? 4222 : Number(parsed.port) });
  }
  return servers;
}

/** A server and where to dial it. */
export interface NatsDial {
  server: NatsServer;
  dial: BrokerDial;
}

/** Checks every server against the credential's allowedHosts and the address policy; one refused refuses all. */
export async function dialNats(servers: readonly NatsServer[], ctx: DialContext): Promise<NatsDial[]> {
  const dials: NatsDial[] = [];
  for (const server of servers) dials.push({ server, dial: await dialBroker(server, ctx, 'NATS') });
  return dials;
}

/** The servers as messages name them. */
export function natsTarget(dials: readonly NatsDial[]): string {
  return dials.map((d) => d.dial.target).join(', ');
}

function connectOptions(auth: NatsAuth, { server, dial }: NatsDial): ConnectionOptions {
  // nats.js hands its tls options on to tls.connect, whose `servername` its own types do not list
  const tls = (dial.servername !== undefined ? { servername: dial.servername } : {}) as TlsOptions;
  const address = dial.address.includes(':') ? `[${dial.address}]` : dial.address;
  return {
    servers: [`${address}:${dial.port}`],
    ...(auth.token !== undefined ? { token: auth.token } : {}),
    ...(auth.user !== undefined ? { user: auth.user, pass: auth.pass ?? '' } : {}),
    name: 'tributary',
    timeout: NATS_TIMEOUTS.connect,
    reconnect: false,
    ignoreClusterUpdates: true,
    noRandomize: true,
    // a server addressed by name is verified by that name, not by the address dialled
    ...(server.secure ? { tls } : {}),
  };
}

/**
 * Connects to the first server of `dials` that answers (in order), within NATS_TIMEOUTS.connect each; a
 * refused login fails at once. Aborting `signal` gives up. The caller owns the connection and closes it.
 */
export async function openNatsConnection(
  auth: NatsAuth,
  dials: readonly NatsDial[],
  signal?: AbortSignal,
): Promise<NatsConnection> {
  // loaded on first use: a process whose flows speak no NATS never holds the library
  const { connect } = await import('nats');
  let last: unknown;
  for (const entry of dials) {
    const opening = connect(connectOptions(auth, entry));
    try {
      return await withinTimeLimit(
        opening,
        { ms: NATS_TIMEOUTS.connect + 1000, signal },
        () =>
          new RetryableError(`NATS at ${entry.dial.target} did not accept the connection in time`, {
            code: 'timeout',
          }),
        () =>
          new RetryableError(`Connecting to NATS at ${entry.dial.target} was aborted`, { code: 'aborted' }),
      );
    } catch (err) {
      // an opening given up on may still succeed: close what it brings
      opening.then(
        (late) => late.close().catch(() => undefined),
        () => undefined,
      );
      const mapped = toNatsError(err, entry.dial.target, 'connect to');
      // the next server may answer where this one did not; a refused login is refused by all of them
      if (!(mapped instanceof RetryableError) || mapped.code === 'aborted') throw mapped;
      last = mapped;
    }
  }
  throw last ?? new RetryableError('No NATS server to connect to', { code: 'broker_unavailable' });
}
