// The undici connector that applies the address policy at connect time: resolve once, check every record, dial what was checked.
import { lookup } from 'node:dns/promises';
import { rootCertificates } from 'node:tls';
import { FatalError } from '@tributary/flow';
import type { buildConnector } from 'undici';
import {
  type AllowList,
  classifyAddress,
  isAllowedAddress,
  isAllowedHost,
  isLoopbackName,
  normalizeHost,
  parseIpLiteral,
} from './address-policy.js';

/** Resolves a host name to every address it has (A and AAAA), in the order to try them. */
export type HostResolver = (hostname: string) => Promise<readonly string[]>;

/** The system resolver, as `net.connect` would use it: `dns.lookup(host, { all: true })`. */
export const systemResolver: HostResolver = async (hostname) =>
  (await lookup(hostname, { all: true })).map((record) => record.address);

function blocked(host: string, address: string, why: string): FatalError {
  return new FatalError(
    `Refusing to connect to ${host}: ${address} is ${why}; TRIBUTARY_HTTP_ALLOW can permit it`,
    { code: 'ssrf_blocked' },
  );
}

/**
 * The addresses a connection to `hostname` may dial, every one checked against the policy.
 * Throws FatalError `ssrf_blocked` when any of them is refused: one bad record taints the name,
 * since which record gets dialled is not ours to pin down across retries and redirects.
 */
export async function resolveCheckedAddresses(
  hostname: string,
  allow: AllowList,
  resolve: HostResolver,
): Promise<string[]> {
  const host = normalizeHost(hostname);
  const literal = parseIpLiteral(host);
  // net.connect skips DNS for literals, so they are checked here; non-canonical spellings are dialled canonically
  const addresses = literal !== undefined ? [literal.toString()] : undefined;
  const hostAllowed = isAllowedHost(host, allow);
  if (addresses === undefined && !hostAllowed && isLoopbackName(host)) {
    throw blocked(host, host, 'a loopback name');
  }
  const dialled = addresses ?? [...(await resolve(host))];
  if (dialled.length === 0) {
    throw new FatalError(`No address found for ${host}`, { code: 'dns_not_found' });
  }
  if (hostAllowed) return dialled;
  for (const address of dialled) {
    const cls = classifyAddress(address);
    if (cls !== 'public' && !isAllowedAddress(address, allow)) {
      throw blocked(host, address, cls === 'invalid' ? 'not an IP address' : `a ${cls} address`);
    }
  }
  return dialled;
}

/** Options of `createGuardedConnector`. */
export interface GuardedConnectorOptions {
  allow: AllowList;
  resolve: HostResolver;
  /** Per-address TCP/TLS connect limit; default 10 s. */
  connectTimeoutMs?: number;
  /** CA certificates (PEM) trusted besides Node's bundled roots, for services behind a private CA. */
  ca?: readonly string[];
}

function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}

/**
 * An undici `connect` function that resolves and checks the host before any socket exists, then dials
 * the checked addresses in order (the next one when a dial fails). TLS still verifies the original name,
 * because undici derives SNI and the certificate check from `host`, which is passed through untouched.
 * `build` is undici's `buildConnector` (undici is loaded when the first request is sent, not with this module).
 */
export function createGuardedConnector(
  options: GuardedConnectorOptions,
  build: typeof buildConnector,
): buildConnector.connector {
  const dial = build({
    timeout: options.connectTimeoutMs ?? 10_000,
    // tls.connect's `ca` replaces the default roots, so they are passed along with the extra ones
    ...(options.ca && options.ca.length > 0 ? { ca: [...rootCertificates, ...options.ca] } : {}),
  });
  return (target, callback) => {
    const dialFrom = (addresses: readonly string[], index: number, lastError: Error | undefined): void => {
      const address = addresses[index];
      if (address === undefined) {
        callback(lastError ?? new Error(`no address to dial for ${target.hostname}`), null);
        return;
      }
      dial({ ...target, hostname: address }, (err, socket) => {
        if (err === null) callback(null, socket);
        else dialFrom(addresses, index + 1, err);
      });
    };
    resolveCheckedAddresses(target.hostname, options.allow, options.resolve).then(
      (addresses) => dialFrom(addresses, 0, undefined),
      (err: unknown) => callback(asError(err), null),
    );
  };
}
