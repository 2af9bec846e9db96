// An `amqp` credential's URL read into what a connection needs. The URL holds the password, so nothing here
// ever puts the URL or a part of it into a message.

/** Where and how to connect to an AMQP 0-9-1 broker. */
export interface AmqpServer {
  /** amqps: TLS from the first byte. */
  secure: boolean;
  host: string;
  port: number;
  username: string;
  password: string;
  vhost: string;
  /** Heartbeat interval in seconds the client asks for; undefined takes the broker's. */
  heartbeat: number | undefined;
}

/** Query parameters the URL may carry, and their allowed range. */
const QUERY_LIMITS: Record<string, [number, number]> = { heartbeat: [0, 3600] };

function decoded(part: string): string | undefined {
  try {
    return decodeURIComponent(part);
  } catch {
    // a stray "%" is not a spelling of anything
    return undefined;
  }
}

/**
 * Reads an `amqp://user:password@host:port/vhost?heartbeat=30` URL (amqps:// for TLS); undefined when it is
 * not one. Like other AMQP clients: no user info means guest/guest, no path the vhost "/", and the vhost is
 * the percent-decoded path without its leading "/" (so "%2F" is "/").
 */
export function parseAmqpUrl(url: string): AmqpServer | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    // not a URL at all; the caller says what it expected
    return undefined;
  }
  const secure = parsed.protocol === 'amqps:';
  if (!secure && parsed.protocol !== 'amqp:') return undefined;
  const host = parsed.hostname.replace(/^\[|\]$/g, '');
  if (host === '' || parsed.hash !== '') return undefined;
  const port = parsed.port === '' ? (secure ? 5671 : 5672) : Number(parsed.port);
  const anonymous = parsed.username === '' && parsed.password === '';
  const username = anonymous ? 'guest' : decoded(parsed.username);
  const password = anonymous ? 'guest' : decoded(parsed.password);
  const vhost = parsed.pathname === '' || parsed.pathname === '/' ? '/' : decoded(parsed.pathname.slice(1));
  if (username === undefined || password === undefined || vhost === undefined) return undefined;
  let heartbeat: number | undefined;
  for (const [name, value] of parsed.searchParams) {
    const limits = QUERY_LIMITS[name];
    const n = Number(value);
    if (!limits || !/^\d+$/.test(value) || n < limits[0] || n > limits[1]) return undefined;
    heartbeat = n;
  }
  return { secure, host, port, username, password, vhost, heartbeat };
}

/**
 * The spellings of the URL's secret parts, to be redacted wherever they show up: the password as written and
 * decoded, and the URL as a URL parser writes it back (a broker or library may echo either).
 */
export function amqpUrlSecrets(url: string): string[] {
  const secrets = [url];
  try {
    const parsed = new URL(url);
    secrets.push(parsed.href);
    if (parsed.password !== '') {
      secrets.push(parsed.password);
      const plain = decoded(parsed.password);
      if (plain !== undefined) secrets.push(plain);
    }
  } catch {
    // a URL that does not parse is refused by the schema and has no parts to list
  }
  return [...new Set(secrets)];
}
