// Which throttling bucket a client address falls in: an IPv4 address is its own; IPv6 addresses are grouped by
// their /64 (one subscriber line or host usually holds a whole /64, so per address would be no limit at all).
import { isIP } from 'node:net';

/** The key sign-in throttling counts a client's failures under (`ip:` keeps it apart from e-mail addresses). */
export function clientThrottleKey(address: string): string {
  return `ip:${clientBucket(address)}`;
}

/**
 * The bucket of an address: IPv4 as it is, IPv4-mapped IPv6 (`::ffff:203.0.113.7`) as its IPv4 address, other
 * IPv6 as its /64 prefix (`2001:db8:0:0::/64`); anything else (no address known) as itself, bounded in length.
 */
export function clientBucket(address: string): string {
  const kind = isIP(address);
  if (kind === 4) return address;
  if (kind !== 6) return address.slice(0, 64);
  const groups = ipv6Groups(address);
  if (!groups) return address;
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    const [hi = 0, lo = 0] = groups.slice(6);
    return [hi >> 8, hi & 0xff, lo >> 8, lo & 0xff].join('.');
  }
  return `${groups
    .slice(0, 4)
    .map((g) => g.toString(16))
    .join(':')}::/64`;
}

/** The eight 16-bit groups of an IPv6 address that `isIP` accepted (zone id dropped, dotted tail converted). */
function ipv6Groups(address: string): number[] | undefined {
  let text = address.split('%')[0] ?? '';
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted.slice(1).map(Number);
    const hex = (x = 0, y = 0) => ((x << 8) | y).toString(16);
    text = `${text.slice(0, dotted.index)}${hex(a, b)}:${hex(c, d)}`;
  }
  const [head = '', tail] = text.split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const missing = 8 - left.length - right.length;
  if (tail === undefined ? missing !== 0 : missing < 1) return undefined;
  const groups = [...left, ...Array<string>(tail === undefined ? 0 : missing).fill('0'), ...right].map((g) =>
    Number.parseInt(g, 16),
  );
  return groups.some((g) => Number.isNaN(g)) ? undefined : groups;
}
