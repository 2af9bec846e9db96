// SSRF address policy: classifies IP addresses (unwrapping IPv4 hidden in IPv6) and parses the allow-list.
import ipaddr from 'ipaddr.js';
import { z } from 'zod';

/** What an address is, as far as outbound requests care; everything but `public` is refused unless allowed. */
export type AddressClass =
  | 'public'
  | 'loopback'
  | 'private'
  | 'linkLocal'
  | 'metadata'
  | 'unspecified'
  | 'multicast'
  | 'broadcast'
  | 'reserved'
  | 'invalid';

type Address = ipaddr.IPv4 | ipaddr.IPv6;
type Cidr = [Address, number];

/** The `TRIBUTARY_HTTP_ALLOW` setting, parsed: host names and CIDR ranges that outbound HTTP may reach. */
export interface AllowList {
  /** Lower-case host names without a trailing dot, matched exactly (no wildcards). */
  readonly hosts: ReadonlySet<string>;
  /** CIDR ranges; a single address is a /32 or /128. */
  readonly ranges: readonly Cidr[];
}

/** Nothing allowed beyond public addresses: the production default. */
export const EMPTY_ALLOW_LIST: AllowList = { hosts: new Set(), ranges: [] };

const cidr = (spec: string): Cidr => ipaddr.parseCIDR(spec);

// Cloud metadata services; they sit inside link-local, CGNAT or ULA ranges, so they are checked first
// to give the sharper name in errors.
const METADATA: readonly Address[] = ['169.254.169.254', '100.100.100.200', 'fd00:ec2::254'].map((a) =>
  ipaddr.parse(a),
);
const NAT64_WELL_KNOWN = cidr('64:ff9b::/96');
// RFC 8215 local-use NAT64: the operator picks the prefix length and so where the IPv4 sits; it cannot be
// unwrapped reliably, and it only exists to reach a local translator, so the whole /48 counts as private.
const NAT64_LOCAL_USE = cidr('64:ff9b:1::/48');
const SIX_TO_FOUR = cidr('2002::/16');
const TEREDO = cidr('2001::/32');
const IPV4_TRANSLATED = cidr('::ffff:0:0:0/96');
const IPV4_COMPATIBLE = cidr('::/96');
const GLOBAL_UNICAST = cidr('2000::/3');
// deprecated by RFC 3879 but still routed inside some networks the way ULAs are
const SITE_LOCAL = cidr('fec0::/10');

function ipv4FromParts(high: number, low: number): ipaddr.IPv4 {
  return new ipaddr.IPv4([high >> 8, high & 0xff, low >> 8, low & 0xff]);
}

function part(addr: ipaddr.IPv6, index: number): number {
  return addr.parts[index] ?? 0;
}

/**
 * The IPv4 addresses an IPv6 address carries: mapped, translated, compatible, NAT64, 6to4 and Teredo
 * (client and server). Empty when it carries none.
 */
export function embeddedIPv4(addr: ipaddr.IPv6): ipaddr.IPv4[] {
  const last32 = () => ipv4FromParts(part(addr, 6), part(addr, 7));
  if (addr.isIPv4MappedAddress() || addr.match(IPV4_TRANSLATED) || addr.match(NAT64_WELL_KNOWN)) {
    return [last32()];
  }
  // :: and ::1 are in ::/96 too, but they are what they say, not 0.0.0.0 and 0.0.0.1
  const range = addr.range();
  if (addr.match(IPV4_COMPATIBLE) && range !== 'unspecified' && range !== 'loopback') return [last32()];
  if (addr.match(SIX_TO_FOUR)) return [ipv4FromParts(part(addr, 1), part(addr, 2))];
  if (addr.match(TEREDO)) {
    // RFC 4380: the client address is stored bit-inverted in the last 32 bits, the server's in bits 32-63
    const client = ipv4FromParts(part(addr, 6) ^ 0xffff, part(addr, 7) ^ 0xffff);
    return [client, ipv4FromParts(part(addr, 2), part(addr, 3))];
  }
  return [];
}

function isMetadata(addr: Address): boolean {
  return METADATA.some(
    (m) => m.kind() === addr.kind() && m.toNormalizedString() === addr.toNormalizedString(),
  );
}

function classifyIPv4(addr: ipaddr.IPv4): AddressClass {
  if (isMetadata(addr)) return 'metadata';
  switch (addr.range()) {
    case 'unicast':
      return 'public';
    case 'loopback':
      return 'loopback';
    case 'private':
    case 'carrierGradeNat':
      return 'private';
    case 'linkLocal':
      return 'linkLocal';
    case 'unspecified':
      return 'unspecified';
    case 'multicast':
      return 'multicast';
    case 'broadcast':
      return 'broadcast';
    default:
      // documentation, benchmarking, 240/4, AS112, AMT: nothing a flow should call
      return 'reserved';
  }
}

function classifyIPv6(addr: ipaddr.IPv6): AddressClass {
  if (isMetadata(addr)) return 'metadata';
  const embedded = embeddedIPv4(addr);
  if (embedded.length > 0) {
    // the address is only as public as every IPv4 inside it
    for (const v4 of embedded) {
      const cls = classifyIPv4(v4);
      if (cls !== 'public') return cls;
    }
    return 'public';
  }
  if (addr.match(NAT64_LOCAL_USE) || addr.match(SITE_LOCAL)) return 'private';
  switch (addr.range()) {
    case 'loopback':
      return 'loopback';
    case 'unspecified':
      return 'unspecified';
    case 'linkLocal':
      return 'linkLocal';
    case 'multicast':
      return 'multicast';
    case 'uniqueLocal':
      return 'private';
    case 'unicast':
      // outside 2000::/3 nothing is assigned for global unicast
      return addr.match(GLOBAL_UNICAST) ? 'public' : 'reserved';
    default:
      return 'reserved';
  }
}

/**
 * Parses an IP literal as it may appear in a URL host or a resolver answer: brackets, IPv6 zone ids and the
 * legacy IPv4 spellings (`127.1`, `2130706433`, `0x7f000001`, `0177.0.0.1`) included. Undefined for names.
 */
export function parseIpLiteral(host: string): Address | undefined {
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  // a trailing dot is legal on names and the WHATWG parser drops it on IPv4 literals too
  const trimmed = bare.endsWith('.') ? bare.slice(0, -1) : bare;
  if (ipaddr.IPv6.isValid(trimmed)) return ipaddr.IPv6.parse(trimmed);
  if (ipaddr.IPv4.isValid(trimmed)) return ipaddr.IPv4.parse(trimmed);
  return undefined;
}

/** Classifies an IP address (any spelling `parseIpLiteral` accepts); `invalid` when it is not one. */
export function classifyAddress(ip: string): AddressClass {
  const addr = parseIpLiteral(ip);
  if (addr === undefined) return 'invalid';
  return addr instanceof ipaddr.IPv4 ? classifyIPv4(addr) : classifyIPv6(addr);
}

/** Whether an allow-list range contains the address (an IPv4-mapped IPv6 address also matches as IPv4). */
export function isAllowedAddress(ip: string, allow: AllowList): boolean {
  const addr = parseIpLiteral(ip);
  if (addr === undefined) return false;
  const candidates: Address[] = [addr];
  if (addr instanceof ipaddr.IPv6 && addr.isIPv4MappedAddress()) candidates.push(addr.toIPv4Address());
  return allow.ranges.some(([net, bits]) =>
    candidates.some((c) => c.kind() === net.kind() && c.match(net, bits)),
  );
}

/** Whether outbound HTTP must refuse the address: not public and not inside an allowed range. */
export function isBlockedAddress(ip: string, allow: AllowList = EMPTY_ALLOW_LIST): boolean {
  return classifyAddress(ip) !== 'public' && !isAllowedAddress(ip, allow);
}

/** Lower-cases a host name and drops the brackets of an IPv6 literal and a trailing dot. */
export function normalizeHost(host: string): string {
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  return (bare.endsWith('.') ? bare.slice(0, -1) : bare).toLowerCase();
}

/** Whether the host name itself is allow-listed (then whatever it resolves to may be reached). */
export function isAllowedHost(host: string, allow: AllowList): boolean {
  return allow.hosts.has(normalizeHost(host));
}

/**
 * Whether the name is `localhost` or under `.localhost`: RFC 6761 reserves them for loopback, so they are
 * refused by name whatever the resolver says (a hosts file may map them to more than one address).
 */
export function isLoopbackName(host: string): boolean {
  const name = normalizeHost(host);
  return name === 'localhost' || name.endsWith('.localhost');
}

const HOST_NAME =
  /^(?=.{1,253}$)[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?(?:\.[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?)*$/;

/** Allow-list entries that are neither host names, nor IP addresses, nor CIDR ranges. */
export class AllowListError extends Error {
  constructor(readonly entries: readonly string[]) {
    super(`not a host name, IP address or CIDR range: ${entries.map((e) => `"${e}"`).join(', ')}`);
    this.name = 'AllowListError';
  }
}

function parseRange(entry: string): Cidr | undefined {
  const [addr = '', bits = '', ...rest] = entry.split('/');
  const parsed = parseIpLiteral(addr);
  if (parsed === undefined || rest.length > 0 || !/^\d{1,3}$/.test(bits)) return undefined;
  const prefix = Number(bits);
  return prefix <= (parsed.kind() === 'ipv4' ? 32 : 128) ? [parsed, prefix] : undefined;
}

/**
 * Parses `TRIBUTARY_HTTP_ALLOW`: comma-separated host names, IP addresses and CIDR ranges
 * (`127.0.0.1,::1/128,10.0.0.0/8,hooks.internal`). Throws `AllowListError` naming every bad entry.
 */
export function parseAllowList(spec: string | undefined): AllowList {
  const hosts = new Set<string>();
  const ranges: Cidr[] = [];
  const bad: string[] = [];
  for (const raw of (spec ?? '').split(',')) {
    const entry = raw.trim();
    if (entry === '') continue;
    const literal = entry.includes('/') ? undefined : parseIpLiteral(entry);
    if (literal !== undefined) {
      ranges.push([literal, literal.kind() === 'ipv4' ? 32 : 128]);
    } else if (entry.includes('/')) {
      const range = parseRange(entry);
      if (range === undefined) bad.push(entry);
      else ranges.push(range);
    } else if (HOST_NAME.test(normalizeHost(entry))) {
      hosts.add(normalizeHost(entry));
    } else {
      bad.push(entry);
    }
  }
  if (bad.length > 0) throw new AllowListError(bad);
  return { hosts, ranges };
}

/** `TRIBUTARY_HTTP_ALLOW` for the one validated settings schema: bad entries become issues, not a throw. */
export const allowListSchema = z
  .string()
  .optional()
  .transform((spec, ctx) => {
    try {
      return parseAllowList(spec);
    } catch (err) {
      if (!(err instanceof AllowListError)) throw err;
      ctx.addIssue({ code: 'custom', message: err.message });
      return z.NEVER;
    }
  });
