// The SSRF-guarded HttpClient: undici with a checking connector, manual redirects, one deadline, a body cap.
import type { Attributes } from '@opentelemetry/api';
import { FatalError, RetryableError, TributaryError } from '@tributary/flow';
import type { Agent, Dispatcher } from 'undici';
import { outboundSpan } from '../outbound-span.js';
import { type AllowList, EMPTY_ALLOW_LIST, normalizeHost } from './address-policy.js';
import { createGuardedConnector, type HostResolver, systemResolver } from './guarded-connector.js';
import type { HttpClient, HttpRequest, HttpResponse } from './http-client.js';
import { type Hop, nextHop, parseRequestUrl, REDIRECT_STATUSES } from './redirects.js';
import { toRequestError } from './request-errors.js';

export type { HostResolver } from './guarded-connector.js';

/** Options of `createGuardedHttpClient`; every field has a production default. */
export interface GuardedHttpClientOptions {
  /** Non-public hosts and ranges that may be reached (`parseAllowList(TRIBUTARY_HTTP_ALLOW)`); default none. */
  allow?: AllowList;
  /** Response bodies above this fail with `response_too_large`; default 10 MiB. */
  maxResponseBytes?: number;
  /** Sent unless the request sets its own User-Agent. */
  userAgent?: string;
  /** Redirects followed when the request does not say; default 5. */
  maxRedirects?: number;
  /** Whole-request limit when the request does not say; default 30 s. */
  timeoutMs?: number;
  /** How host names become addresses; default `dns.lookup(host, { all: true })`. */
  resolve?: HostResolver;
  /** CA certificates (PEM) trusted besides Node's bundled roots, for internal services with a private CA. */
  ca?: readonly string[];
}

/** An HttpClient that owns a connection pool, closed with `close()` at shutdown. */
export interface GuardedHttpClient extends HttpClient {
  close(): Promise<void>;
}

/** Default response body cap: 10 MiB. */
export const DEFAULT_MAX_RESPONSE_BYTES = 10 * 1024 * 1024;
/** Default whole-request time limit. */
export const DEFAULT_TIMEOUT_MS = 30_000;
/** Default number of redirects followed. */
export const DEFAULT_MAX_REDIRECTS = 5;

type ResponseData = Dispatcher.ResponseData;

function flattenHeaders(headers: ResponseData['headers']): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    // undici already lower-cases names; repeated headers are joined as fetch's Headers.get does
    if (value !== undefined) flat[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return flat;
}

function lowerCaseKeys(headers: Record<string, string> | undefined): Record<string, string> {
  const lowered: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) lowered[name.toLowerCase()] = value;
  return lowered;
}

async function readCapped(res: ResponseData, limit: number, origin: string): Promise<Uint8Array> {
  const tooLarge = () =>
    new FatalError(`Response from ${origin} is larger than ${limit} bytes`, { code: 'response_too_large' });
  const declared = Number(res.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    res.body.destroy();
    throw tooLarge();
  }
  const chunks: Buffer[] = [];
  let size = 0;
  // undici's BodyReadable yields Buffers as long as nobody calls setEncoding, and nobody does
  for await (const chunk of res.body as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) {
      res.body.destroy();
      throw tooLarge();
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, size);
}

/** Whether a host name is one of `allowed` (exact, or under a `*.` entry); case and a trailing dot do not count. */
export function hostMatches(hostname: string, allowed: readonly string[]): boolean {
  const host = normalizeHost(hostname);
  return allowed.some((entry) => {
    const pattern = normalizeHost(entry);
    return pattern.startsWith('*.') ? host.endsWith(pattern.slice(1)) : host === pattern;
  });
}

function checkAllowedHost(url: URL, allowed: readonly string[]): void {
  if (hostMatches(url.hostname, allowed)) return;
  throw new FatalError(
    `The credential may only be sent to ${allowed.join(', ')}, not to ${normalizeHost(url.hostname)}`,
    { code: 'host_not_allowed' },
  );
}

/**
 * A hop's span attributes (OpenTelemetry's HTTP client conventions) — its origin only: paths and queries may
 * carry secrets, and headers and bodies never go into spans.
 */
function hopAttributes(hop: Hop): Attributes {
  const scheme = hop.url.protocol.slice(0, -1);
  return {
    'http.request.method': hop.method,
    'server.address': hop.url.hostname,
    'server.port': hop.url.port ? Number(hop.url.port) : scheme === 'https' ? 443 : 80,
    'url.scheme': scheme,
  };
}

/** Creates the outbound HTTP client nodes get as `ctx.http`: private, loopback and metadata addresses refused. */
export function createGuardedHttpClient(options: GuardedHttpClientOptions = {}): GuardedHttpClient {
  const maxResponseBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  // undici is loaded with the first request: a process whose flows call no HTTP API never holds it
  let client: Promise<{ agent: Agent; request: typeof import('undici').request }> | undefined;
  const undici = () => {
    client ??= import('undici').then(({ Agent, buildConnector, request }) => ({
      agent: new Agent({
        connect: createGuardedConnector(
          {
            allow: options.allow ?? EMPTY_ALLOW_LIST,
            resolve: options.resolve ?? systemResolver,
            ...(options.ca ? { ca: options.ca } : {}),
          },
          buildConnector,
        ),
      }),
      request,
    }));
    return client;
  };

  /** One hop, under a client span of its own when the step is traced (outbound-span.ts). */
  async function send(hop: Hop, signal: AbortSignal): Promise<ResponseData> {
    const { agent, request } = await undici();
    return outboundSpan(
      () => ({ name: hop.method, kind: 'client', attributes: hopAttributes(hop) }),
      (traceHeaders) =>
        request(hop.url, {
          dispatcher: agent,
          method: hop.method,
          // the step's trace context replaces one the node's own headers may carry
          headers: traceHeaders ? { ...hop.headers, ...traceHeaders } : hop.headers,
          body: hop.body,
          signal,
        }),
      (res) => ({
        attributes: { 'http.response.status_code': res.statusCode },
        ...(res.statusCode >= 500 ? { error: `HTTP ${res.statusCode}` } : {}),
      }),
    );
  }

  /** Sends the request and follows redirects; `at` tracks the current origin for error messages. */
  async function follow(
    req: HttpRequest,
    signal: AbortSignal,
    at: { origin: string },
  ): Promise<HttpResponse> {
    const maxRedirects = req.maxRedirects ?? options.maxRedirects ?? DEFAULT_MAX_REDIRECTS;
    const headers = lowerCaseKeys(req.headers);
    if (headers['user-agent'] === undefined) headers['user-agent'] = options.userAgent ?? 'Tributary';
    let hop: Hop = {
      url: parseRequestUrl(req.url),
      method: req.method.toUpperCase(),
      headers,
      body: req.body,
    };
    for (let redirects = 0; ; redirects++) {
      at.origin = hop.url.origin;
      if (req.allowedHosts) checkAllowedHost(hop.url, req.allowedHosts);
      const res = await send(hop, signal);
      const location = REDIRECT_STATUSES.has(res.statusCode) ? res.headers.location : undefined;
      if (location === undefined || maxRedirects === 0) {
        return {
          status: res.statusCode,
          headers: flattenHeaders(res.headers),
          body: await readCapped(res, maxResponseBytes, hop.url.origin),
          url: hop.url.href,
        };
      }
      // drain so the connection goes back to the pool; the redirect's own body is of no interest
      await res.body.dump();
      if (redirects >= maxRedirects) {
        throw new FatalError(`More than ${maxRedirects} redirects, the last from ${hop.url.origin}`, {
          code: 'too_many_redirects',
        });
      }
      hop = nextHop(hop, res.statusCode, Array.isArray(location) ? String(location[0]) : location);
    }
  }

  return {
    async request(req: HttpRequest): Promise<HttpResponse> {
      const timeoutMs = req.timeoutMs ?? options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
      const deadline = new AbortController();
      const timer = setTimeout(() => deadline.abort(), timeoutMs);
      const signal = req.signal ? AbortSignal.any([req.signal, deadline.signal]) : deadline.signal;
      // error messages name the origin only: paths and queries may carry secrets
      const at = { origin: 'an invalid URL' };
      try {
        return await follow(req, signal, at);
      } catch (err) {
        if (err instanceof TributaryError) throw err;
        const { origin } = at;
        if (req.signal?.aborted) {
          // the step timed out or the run was canceled; the engine that aborted decides what happens next
          throw new RetryableError(`Request to ${origin} aborted`, {
            code: 'aborted',
            cause: req.signal.reason,
          });
        }
        if (deadline.signal.aborted) {
          throw new RetryableError(`Request to ${origin} timed out after ${timeoutMs} ms`, {
            code: 'timeout',
            cause: err,
          });
        }
        throw toRequestError(err, origin);
      } finally {
        clearTimeout(timer);
      }
    },
    // nothing to close when no request was ever sent
    close: async () => {
      if (client) await (await client).agent.close();
    },
  };
}
