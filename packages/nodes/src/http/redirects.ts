// Redirects per the fetch standard: which responses redirect and what the next hop sends (pure).
import { FatalError } from '@tributary/flow';

/** Statuses that redirect when they carry a Location header. */
export const REDIRECT_STATUSES: ReadonlySet<number> = new Set([301, 302, 303, 307, 308]);

/** One request on the way to the final response; header names are lower-case. */
export interface Hop {
  url: URL;
  method: string;
  headers: Record<string, string>;
  body: string | Uint8Array | undefined;
}

// fetch drops these with the body when a redirect turns the request into a GET
const BODY_HEADERS = [
  'content-type',
  'content-length',
  'content-encoding',
  'content-language',
  'content-location',
];
// credentials meant for one origin must not travel to another one the peer picked
const CREDENTIAL_HEADERS = ['authorization', 'proxy-authorization', 'cookie'];

/** Parses a URL outbound HTTP may request: http or https, no user:password part. */
export function parseRequestUrl(raw: string, base?: URL): URL {
  let url: URL;
  try {
    url = new URL(raw, base);
  } catch (err) {
    throw new FatalError('Not a valid URL', { code: 'invalid_url', cause: err });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new FatalError(`Only http and https URLs can be requested, not ${url.protocol}`, {
      code: 'invalid_url',
    });
  }
  if (url.username !== '' || url.password !== '') {
    // as fetch does: credentials belong in a header (from a credential), not in a URL that ends up in logs
    throw new FatalError('URLs with a user name or password are refused; send an Authorization header', {
      code: 'invalid_url',
    });
  }
  return url;
}

function without(headers: Record<string, string>, names: readonly string[]): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => !names.includes(name)));
}

/** The request to send after a redirect `status` to `location` (fetch's "HTTP-redirect fetch"). */
export function nextHop(current: Hop, status: number, location: string): Hop {
  const url = parseRequestUrl(location, current.url);
  const toGet =
    ((status === 301 || status === 302) && current.method === 'POST') ||
    (status === 303 && current.method !== 'GET' && current.method !== 'HEAD');
  let headers = current.headers;
  if (toGet) headers = without(headers, BODY_HEADERS);
  if (url.origin !== current.url.origin) headers = without(headers, CREDENTIAL_HEADERS);
  return {
    url,
    method: toGet ? 'GET' : current.method,
    headers,
    body: toGet ? undefined : current.body,
  };
}
