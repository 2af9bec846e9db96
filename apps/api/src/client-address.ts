// The caller's IP address: the connection's peer, or — behind a trusted proxy (TRIBUTARY_TRUST_PROXY) — the
// address the proxy put last in X-Forwarded-For.
import { isIP } from 'node:net';
import type { HttpBindings } from '@hono/node-server';
import { getConnInfo } from '@hono/node-server/conninfo';
import type { Context } from 'hono';

/** What stands for the address of a request that came without a connection (in-process `app.request()`). */
export const UNKNOWN_CLIENT = 'unknown';

/**
 * The client's address. Without a trusted proxy X-Forwarded-For is ignored (anyone can send one). Behind one,
 * only its last entry counts: that is the one the proxy itself wrote (it appends the address it was reached
 * from, or sets it); earlier entries come from the client and could be anything. An entry that is not an IP
 * address is not believed either: the connection's peer counts then.
 */
export function clientAddress(c: Context, trustProxy: boolean): string {
  if (trustProxy) {
    const forwarded = lastForwardedFor(c.req.header('x-forwarded-for'));
    if (forwarded) return forwarded;
  }
  return peerAddress(c) ?? UNKNOWN_CLIENT;
}

/** The last address of an X-Forwarded-For header, with a port some proxies add dropped; undefined if none. */
export function lastForwardedFor(header: string | undefined): string | undefined {
  const last = header?.split(',').at(-1)?.trim();
  if (!last) return undefined;
  if (isIP(last)) return last;
  const withPort = /^\[([^\]]+)\]:\d+$/.exec(last) ?? /^([\d.]+):\d+$/.exec(last);
  const address = withPort?.[1];
  return address && isIP(address) ? address : undefined;
}

/** The connection's peer, when @hono/node-server serves the request (it passes the Node request as env). */
function peerAddress(c: Context): string | undefined {
  const env: Partial<HttpBindings> | undefined = c.env;
  if (!env?.incoming) return undefined;
  return getConnInfo(c).remote.address;
}
