import { FatalError, RetryableError } from '@tributary/flow';
import { afterEach, describe, expect, it } from 'vitest';
import { type HttpPeer, startHttpPeer, startLoopbackPair } from '../../test/peers/http-peer.js';
import { HOOKS_TEST_CERT, HOOKS_TEST_KEY } from '../../test/peers/tls-fixture.js';
import { parseAllowList } from './address-policy.js';
import type { HostResolver } from './guarded-connector.js';
import {
  createGuardedHttpClient,
  type GuardedHttpClient,
  type GuardedHttpClientOptions,
} from './guarded-http-client.js';

// Every test talks to loopback only: peers listen on 127.0.0.1 and ::1, and no name goes to real DNS.

const open: Array<{ close(): Promise<void> }> = [];

function client(options: GuardedHttpClientOptions = {}): GuardedHttpClient {
  const c = createGuardedHttpClient(options);
  open.push(c);
  return c;
}

async function peer(...args: Parameters<typeof startHttpPeer>): Promise<HttpPeer> {
  const p = await startHttpPeer(...args);
  open.push(p);
  return p;
}

async function pair() {
  const both = await startLoopbackPair();
  open.push(both.v4, both.v6);
  return both;
}

afterEach(async () => {
  await Promise.all(open.splice(0).map((o) => o.close()));
});

/** The error a promise rejects with, for tests that look at more than one field. */
async function failure(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof Error) return err;
    throw new Error(`rejected with a non-Error: ${String(err)}`);
  }
  throw new Error('expected the promise to reject');
}

const redirectTo =
  (location: string, status = 302) =>
  (_req: unknown, res: import('node:http').ServerResponse) => {
    res.writeHead(status, { location });
    res.end();
  };

describe('guarded HTTP client: SSRF refusals', () => {
  // Only spellings that the kernel routes to this machine: were the guard broken, the request would hit
  // the peers instead of leaving the host. IPv4-compatible and NAT64 forms are classifier tests for that reason.
  it.each([
    ['http://127.0.0.1:PORT/', 'loopback'],
    ['http://127.1:PORT/', 'loopback'],
    ['http://2130706433:PORT/', 'loopback'],
    ['http://0x7f000001:PORT/', 'loopback'],
    ['http://0177.0.0.1:PORT/', 'loopback'],
    ['http://[::1]:PORT/', 'loopback'],
    ['http://[::ffff:127.0.0.1]:PORT/', 'loopback'],
    ['http://localhost:PORT/', 'loopback name'],
    ['http://LOCALHOST.:PORT/', 'loopback name'],
    ['http://app.localhost:PORT/', 'loopback name'],
    ['http://0.0.0.0:PORT/', 'unspecified'],
    ['http://0:PORT/', 'unspecified'],
    ['http://[::]:PORT/', 'unspecified'],
  ])('refuses %s before any connection (%s)', async (template, why) => {
    const { v4, v6 } = await pair();
    const url = template.replace('PORT', String(v4.port));
    const err = await failure(client().request({ method: 'GET', url }));
    expect(err).toBeInstanceOf(FatalError);
    expect(err).toMatchObject({ code: 'ssrf_blocked' });
    expect(err.message).toContain(why);
    expect(v4.connections + v6.connections).toBe(0);
  });

  it('names the host and the address class in the error', async () => {
    const { v4 } = await pair();
    const err = await failure(client().request({ method: 'GET', url: `http://2130706433:${v4.port}/` }));
    expect(err.message).toBe(
      'Refusing to connect to 127.0.0.1: 127.0.0.1 is a loopback address; TRIBUTARY_HTTP_ALLOW can permit it',
    );
  });

  it('refuses a name when any one of its addresses is refused, and dials none of them', async () => {
    const { v4, v6 } = await pair();
    const resolve: HostResolver = async () => ['127.0.0.1', '10.0.0.1'];
    const http = client({ allow: parseAllowList('127.0.0.1'), resolve });
    const err = await failure(http.request({ method: 'GET', url: `http://hooks.test:${v4.port}/` }));
    expect(err).toMatchObject({ code: 'ssrf_blocked' });
    expect(err.message).toContain('10.0.0.1 is a private address');
    expect(v4.connections + v6.connections).toBe(0);
  });

  it('refuses a resolver answer that is not an address', async () => {
    const { v4, v6 } = await pair();
    // a name, which net.connect would look up again: "localhost", so a broken guard still stays on loopback
    const resolve: HostResolver = async () => ['localhost'];
    const err = await failure(
      client({ resolve }).request({ method: 'GET', url: `http://hooks.test:${v4.port}/` }),
    );
    expect(err).toMatchObject({ code: 'ssrf_blocked' });
    expect(err.message).toContain('localhost is not an IP address');
    expect(v4.connections + v6.connections).toBe(0);
  });

  it('refuses schemes other than http and https, and URLs with credentials', async () => {
    const http = client({ allow: parseAllowList('127.0.0.1') });
    await expect(http.request({ method: 'GET', url: 'file:///etc/passwd' })).rejects.toMatchObject({
      code: 'invalid_url',
    });
    await expect(http.request({ method: 'GET', url: 'http://u:p@127.0.0.1:1/' })).rejects.toMatchObject({
      code: 'invalid_url',
    });
    await expect(http.request({ method: 'GET', url: 'not a url' })).rejects.toBeInstanceOf(FatalError);
  });
});

describe('guarded HTTP client: allowed peers', () => {
  it('reaches an allow-listed address and lower-cases response headers', async () => {
    const target = await peer({
      handler: (req, res) => {
        res.setHeader('X-Echo-Method', req.method);
        res.setHeader('Content-Type', 'text/plain');
        res.end(`hello ${req.url}`);
      },
    });
    const res = await client({ allow: parseAllowList('127.0.0.1') }).request({
      method: 'get',
      url: `${target.url}/greet?x=1`,
    });
    expect(res.status).toBe(200);
    expect(res.headers).toMatchObject({ 'x-echo-method': 'GET', 'content-type': 'text/plain' });
    expect(Buffer.from(res.body).toString()).toBe('hello /greet?x=1');
    expect(res.url).toBe(`${target.url}/greet?x=1`);
    expect(target.requests[0]?.headers['user-agent']).toBe('Tributary');
  });

  it('dials other spellings of an allowed address by their canonical form', async () => {
    const target = await peer();
    const http = client({ allow: parseAllowList('127.0.0.1') });
    for (const host of ['127.1', '2130706433', '[::ffff:127.0.0.1]']) {
      const res = await http.request({ method: 'GET', url: `http://${host}:${target.port}/` });
      expect(res.status).toBe(200);
    }
  });

  it('keeps refusing localhost by name when only its address is allowed', async () => {
    const target = await peer();
    const err = await failure(
      client({ allow: parseAllowList('127.0.0.1') }).request({
        method: 'GET',
        url: `http://localhost:${target.port}/`,
      }),
    );
    expect(err).toMatchObject({ code: 'ssrf_blocked' });
    expect(target.connections).toBe(0);
  });

  it('reaches an allow-listed host name whatever it resolves to, resolving it once', async () => {
    const target = await peer();
    const asked: string[] = [];
    const resolve: HostResolver = async (host) => {
      asked.push(host);
      return ['127.0.0.1'];
    };
    const http = client({ allow: parseAllowList('hooks.test'), resolve });
    const res = await http.request({ method: 'GET', url: `http://Hooks.Test:${target.port}/` });
    expect(res.status).toBe(200);
    expect(asked).toEqual(['hooks.test']);
    expect(target.connections).toBe(1);
    expect(target.requests[0]?.headers.host).toBe(`hooks.test:${target.port}`);
  });

  it('falls back to the next checked address when one refuses the connection', async () => {
    const target = await peer();
    const resolve: HostResolver = async () => ['::1', '127.0.0.1'];
    const http = client({ allow: parseAllowList('127.0.0.1,::1'), resolve });
    // nothing listens on ::1 with this port, so the first dial is refused
    const res = await http.request({ method: 'GET', url: `http://hooks.test:${target.port}/` });
    expect(res.status).toBe(200);
  });
});

describe('guarded HTTP client: redirects', () => {
  it('refuses a redirect to [::1] when only 127.0.0.1 is allowed, at the hop', async () => {
    const { v4, v6 } = await pair();
    v4.handle(redirectTo(`http://[::1]:${v6.port}/`));
    const err = await failure(
      client({ allow: parseAllowList('127.0.0.1') }).request({ method: 'GET', url: `${v4.url}/start` }),
    );
    expect(err).toMatchObject({ code: 'ssrf_blocked' });
    expect(v4.requests).toHaveLength(1);
    expect(v6.connections).toBe(0);
  });

  it('refuses a redirect to localhost when only 127.0.0.1 is allowed, at the hop', async () => {
    const first = await peer();
    const second = await peer();
    first.handle(redirectTo(`http://localhost:${second.port}/`));
    const err = await failure(
      client({ allow: parseAllowList('127.0.0.1') }).request({ method: 'GET', url: first.url }),
    );
    expect(err).toMatchObject({ code: 'ssrf_blocked' });
    expect(first.requests).toHaveLength(1);
    expect(second.connections).toBe(0);
  });

  it('refuses a redirect to a non-http scheme', async () => {
    const target = await peer({ handler: redirectTo('file:///etc/passwd') });
    const err = await failure(
      client({ allow: parseAllowList('127.0.0.1') }).request({ method: 'GET', url: target.url }),
    );
    expect(err).toMatchObject({ code: 'invalid_url' });
  });

  function chain(target: HttpPeer): void {
    // /hops/N redirects to /hops/N-1 and /hops/0 answers
    target.handle((req, res) => {
      const left = Number(req.url.split('/').pop());
      if (left === 0) res.end('arrived');
      else redirectTo(`/hops/${left - 1}`)(req, res);
    });
  }

  it('follows five redirects', async () => {
    const target = await peer();
    chain(target);
    const res = await client({ allow: parseAllowList('127.0.0.1') }).request({
      method: 'GET',
      url: `${target.url}/hops/5`,
    });
    expect(Buffer.from(res.body).toString()).toBe('arrived');
    expect(res.url).toBe(`${target.url}/hops/0`);
    expect(target.requests).toHaveLength(6);
  });

  it('fails on the sixth redirect', async () => {
    const target = await peer();
    chain(target);
    const err = await failure(
      client({ allow: parseAllowList('127.0.0.1') }).request({ method: 'GET', url: `${target.url}/hops/6` }),
    );
    expect(err).toBeInstanceOf(FatalError);
    expect(err).toMatchObject({ code: 'too_many_redirects' });
    expect(target.requests).toHaveLength(6);
  });

  it('returns the redirect itself when told not to follow', async () => {
    const target = await peer({ handler: redirectTo('/elsewhere', 301) });
    const res = await client({ allow: parseAllowList('127.0.0.1') }).request({
      method: 'GET',
      url: target.url,
      maxRedirects: 0,
    });
    expect(res.status).toBe(301);
    expect(res.headers.location).toBe('/elsewhere');
    expect(target.requests).toHaveLength(1);
  });

  it('turns a POST into a bodiless GET on 303, and keeps method and body on 307', async () => {
    const target = await peer({
      handler: (req, res) => {
        if (req.url === '/see-other') redirectTo('/done', 303)(req, res);
        else if (req.url === '/temporary') redirectTo('/done', 307)(req, res);
        else res.end();
      },
    });
    const http = client({ allow: parseAllowList('127.0.0.1') });
    const post = {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: '{"a":1}',
    };
    await http.request({ ...post, url: `${target.url}/see-other` });
    await http.request({ ...post, url: `${target.url}/temporary` });
    const [, afterSeeOther, , afterTemporary] = target.requests;
    expect(afterSeeOther).toMatchObject({ method: 'GET', url: '/done' });
    expect(afterSeeOther?.body.length).toBe(0);
    expect(afterSeeOther?.headers['content-type']).toBeUndefined();
    expect(afterTemporary).toMatchObject({ method: 'POST', url: '/done' });
    expect(afterTemporary?.body.toString()).toBe('{"a":1}');
    expect(afterTemporary?.headers['content-type']).toBe('application/json');
  });

  it('drops credentials when a redirect leaves the origin', async () => {
    const { v4, v6 } = await pair();
    v4.handle(redirectTo(`${v6.url}/landed`));
    await client({ allow: parseAllowList('127.0.0.1,::1') }).request({
      method: 'GET',
      url: v4.url,
      headers: { Authorization: 'Bearer secret', 'X-Trace': 't1' },
    });
    expect(v4.requests[0]?.headers.authorization).toBe('Bearer secret');
    expect(v6.requests[0]?.headers.authorization).toBeUndefined();
    expect(v6.requests[0]?.headers['x-trace']).toBe('t1');
  });
});

describe('guarded HTTP client: limits and failures', () => {
  const allow = parseAllowList('127.0.0.1');

  it('times out a peer that never answers, as a retryable error', async () => {
    const target = await peer({ handler: () => {} });
    const err = await failure(client({ allow }).request({ method: 'GET', url: target.url, timeoutMs: 200 }));
    expect(err).toBeInstanceOf(RetryableError);
    expect(err).toMatchObject({ code: 'timeout' });
  });

  it('stops when the caller aborts', async () => {
    const target = await peer({ handler: () => {} });
    const controller = new AbortController();
    const pending = client({ allow }).request({ method: 'GET', url: target.url, signal: controller.signal });
    while (target.requests.length === 0) await new Promise((resolve) => setImmediate(resolve));
    controller.abort();
    const err = await failure(pending);
    expect(err).toBeInstanceOf(RetryableError);
    expect(err).toMatchObject({ code: 'aborted' });
  });

  it.each([
    ['with a Content-Length', true],
    ['chunked', false],
  ])('refuses a response body over the cap (%s)', async (_label, withLength) => {
    const target = await peer({
      handler: (_req, res) => {
        const body = Buffer.alloc(64 * 1024, 'x');
        if (withLength) res.setHeader('Content-Length', body.length);
        res.write(body.subarray(0, 32 * 1024));
        res.end(body.subarray(32 * 1024));
      },
    });
    const http = client({ allow, maxResponseBytes: 16 * 1024 });
    const err = await failure(http.request({ method: 'GET', url: target.url }));
    expect(err).toBeInstanceOf(FatalError);
    expect(err).toMatchObject({ code: 'response_too_large' });
  });

  it('accepts a body exactly at the cap', async () => {
    const target = await peer({ handler: (_req, res) => res.end(Buffer.alloc(1024, 'y')) });
    const res = await client({ allow, maxResponseBytes: 1024 }).request({ method: 'GET', url: target.url });
    expect(res.body.length).toBe(1024);
  });

  it('calls a refused connection a retryable network error', async () => {
    const gone = await startHttpPeer();
    await gone.close();
    const err = await failure(client({ allow }).request({ method: 'GET', url: gone.url }));
    expect(err).toBeInstanceOf(RetryableError);
    expect(err).toMatchObject({ code: 'network_error' });
    expect(err.message).toContain('ECONNREFUSED');
  });

  it('calls a connection dropped mid-request a retryable network error', async () => {
    const target = await peer({ handler: (_req, res) => res.socket?.destroy() });
    const err = await failure(client({ allow }).request({ method: 'GET', url: target.url }));
    expect(err).toBeInstanceOf(RetryableError);
    expect(err).toMatchObject({ code: 'network_error' });
  });

  it('treats an unknown name as fatal and a resolver hiccup as retryable', async () => {
    const dnsError =
      (code: string): HostResolver =>
      async () => {
        throw Object.assign(new Error(`getaddrinfo ${code} hooks.test`), { code });
      };
    const notFound = client({ resolve: dnsError('ENOTFOUND') });
    await expect(notFound.request({ method: 'GET', url: 'http://hooks.test/' })).rejects.toMatchObject({
      name: 'FatalError',
      code: 'dns_not_found',
    });
    const again = client({ resolve: dnsError('EAI_AGAIN') });
    await expect(again.request({ method: 'GET', url: 'http://hooks.test/' })).rejects.toMatchObject({
      name: 'RetryableError',
      code: 'network_error',
    });
  });

  it('never puts the path or query of the URL in an error message', async () => {
    const gone = await startHttpPeer();
    await gone.close();
    const err = await failure(
      client({ allow }).request({ method: 'GET', url: `${gone.url}/private/path?api_key=s3cret` }),
    );
    expect(err.message).toContain(gone.url);
    expect(err.message).not.toContain('s3cret');
    expect(err.message).not.toContain('/private');
  });
});

describe('guarded HTTP client: TLS', () => {
  // the peer is on 127.0.0.1; "hooks.test" and "other.test" reach it through a resolver, never real DNS
  const tls = { key: HOOKS_TEST_KEY, cert: HOOKS_TEST_CERT };
  const resolve: HostResolver = async () => ['127.0.0.1'];
  const allow = parseAllowList('hooks.test,other.test');

  it('dials the checked address but sends SNI and verifies the certificate for the host name', async () => {
    const target = await peer({ tls });
    const http = client({ allow, resolve, ca: [HOOKS_TEST_CERT] });
    const res = await http.request({ method: 'GET', url: `https://hooks.test:${target.port}/secure` });
    expect(res.status).toBe(200);
    expect(target.servernames).toEqual(['hooks.test']);
    expect(target.requests[0]?.url).toBe('/secure');
  });

  it('refuses a certificate for another name, as fatal', async () => {
    const target = await peer({ tls });
    const http = client({ allow, resolve, ca: [HOOKS_TEST_CERT] });
    const err = await failure(http.request({ method: 'GET', url: `https://other.test:${target.port}/` }));
    expect(err).toBeInstanceOf(FatalError);
    expect(err).toMatchObject({ code: 'tls_error' });
    expect(target.requests).toHaveLength(0);
  });

  it('refuses a certificate no trusted CA signed, as fatal', async () => {
    const target = await peer({ tls });
    const err = await failure(
      client({ allow, resolve }).request({ method: 'GET', url: `https://hooks.test:${target.port}/` }),
    );
    expect(err).toBeInstanceOf(FatalError);
    expect(err).toMatchObject({ code: 'tls_error' });
    expect(target.requests).toHaveLength(0);
  });
});
