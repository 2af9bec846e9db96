// Where a broker connection may go: the credential's allowedHosts first, then the outbound address policy,
// and the address that passed both is the one dialled (the name is kept for TLS).
import { isIP } from 'node:net';
import { TributaryError } from '@tributary/flow';
import { checkAllowedHost } from '../credentials/allowed-hosts.js';
import { normalizeHost } from '../http/address-policy.js';
import { brokerNetworkError } from './broker-errors.js';

/** A broker endpoint as a credential names it. */
export interface BrokerEndpoint {
  host: string;
  port: number;
}

/** A checked endpoint: the address to dial and the name TLS verifies. */
export interface BrokerDial {
  /** The address `host` resolved to, checked under the address policy. */
  address: string;
  port: number;
  /** The host name for SNI and the certificate check; undefined for an IP literal, which TLS cannot name. */
  servername: string | undefined;
  /** `host:port` as messages name the broker. */
  target: string;
}

/** What dialling needs from the step or the connection check. */
export interface DialContext {
  /** Resolves a host and checks every address under the outbound policy (ctx.resolveAddress). */
  resolveAddress(host: string): Promise<string>;
  /** The credential's allowedHosts; empty allows any host the policy allows. */
  allowedHosts: readonly string[];
}

/** `host:port`, with an IPv6 literal in brackets. */
export function endpointTarget(endpoint: BrokerEndpoint): string {
  const host = normalizeHost(endpoint.host);
  return `${host.includes(':') ? `[${host}]` : host}:${endpoint.port}`;
}

/**
 * Checks `endpoint` against the credential's allowedHosts and the address policy, before any socket exists.
 * Fails with `host_not_allowed` or `ssrf_blocked` (fatal), `dns_not_found` (fatal) or a retryable lookup error.
 */
export async function dialBroker(
  endpoint: BrokerEndpoint,
  ctx: DialContext,
  broker: string,
): Promise<BrokerDial> {
  const target = endpointTarget(endpoint);
  checkAllowedHost(endpoint.host, ctx.allowedHosts);
  const host = normalizeHost(endpoint.host);
  let address: string;
  try {
    address = await ctx.resolveAddress(host);
  } catch (err) {
    if (err instanceof TributaryError) throw err;
    throw brokerNetworkError(err, `${broker} at ${target}`, 'look up');
  }
  return { address, port: endpoint.port, servername: isIP(host) === 0 ? host : undefined, target };
}
