// The HTTP request node: one outbound call through the SSRF-guarded client, the answer as the item.
import { z } from 'zod';
import { credentialField } from '../credentials/define-credential.js';
import { HTTP_AUTH_TYPES, type NodeCredential, requestWithCredential } from '../credentials/http-auth.js';
import { REDACTED as MASK } from '../credentials/redactor.js';
import type { SentRequest } from '../define-node.js';
import { defineNode } from '../define-node.js';
import { headerName, headerValue } from '../http/header-syntax.js';
import { decodeBody } from '../http/response-body.js';
import { throwForStatus } from '../http/status-errors.js';

/** Config of the HTTP request node; its JSON Schema is the editor's form. */
export const httpRequestConfig = z.strictObject({
  method: z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD']).default('GET').describe('HTTP method'),
  url: z
    .url({ protocol: /^https?$/, error: 'must be an http or https URL' })
    .max(8192)
    .describe('The http or https URL to call, e.g. "https://api.example.com/orders/{{ orderId }}"'),
  credential: credentialField(
    HTTP_AUTH_TYPES,
    'A credential that authorizes the request (bearer, header, Basic or OAuth2 client credentials); its header replaces one of the same name in headers',
  ).optional(),
  headers: z
    .record(headerName, headerValue)
    .default({})
    .describe(
      'Request headers by name, e.g. {"authorization": "Bearer …"}; authorization, proxy-authorization, x-api-key and cookie values are masked in API answers',
    ),
  query: z
    .record(z.string().min(1).max(200), z.union([z.string(), z.number(), z.boolean()]))
    .default({})
    .describe('Query parameters appended to the URL (after any already in it)'),
  body: z
    .json()
    .optional()
    .describe(
      'Request body: objects and arrays are sent as JSON (application/json unless a Content-Type header says otherwise), strings as text',
    ),
  timeoutMs: z
    .number()
    .int()
    .min(1)
    .max(300_000)
    .default(30_000)
    .describe(
      'Time limit for the whole request, redirects and body included, in milliseconds (at most 5 minutes)',
    ),
  followRedirects: z
    .boolean()
    .default(true)
    .describe('Follow up to 5 redirects (each one re-checked); when off, a 3xx answer is the result'),
  sendIdempotencyKey: z
    .boolean()
    .default(false)
    .describe(
      'Send an Idempotency-Key header that stays the same across retries of this step, for APIs that deduplicate with it',
    ),
});

// masking matches config paths exactly, so the spellings people actually write are listed
const SECRET_HEADERS = [
  'authorization',
  'Authorization',
  'proxy-authorization',
  'Proxy-Authorization',
  'x-api-key',
  'X-Api-Key',
  'X-API-Key',
  'cookie',
  'Cookie',
];

/** The HTTP request node's config after parsing. */
export type HttpRequestConfig = z.infer<typeof httpRequestConfig>;

function hasHeader(headers: Record<string, string>, name: string): boolean {
  return Object.keys(headers).some((key) => key.toLowerCase() === name);
}

function requestUrl(config: HttpRequestConfig): string {
  const url = new URL(config.url);
  for (const [key, value] of Object.entries(config.query)) url.searchParams.append(key, String(value));
  return url.href;
}

function requestBody(config: HttpRequestConfig, headers: Record<string, string>): string | undefined {
  const { body } = config;
  if (body === undefined) return undefined;
  if (typeof body === 'string') {
    if (!hasHeader(headers, 'content-type')) headers['content-type'] = 'text/plain; charset=utf-8';
    return body;
  }
  if (!hasHeader(headers, 'content-type')) headers['content-type'] = 'application/json';
  return JSON.stringify(body);
}

/** How much of a request body run history keeps. */
const SHOWN_BODY_CHARS = 8 * 1024;

/** Header names whose values run history never shows, whatever the flow put there. */
const SENSITIVE_HEADER = /authorization|cookie|token|secret|password|api-?key|signature/i;

/**
 * The request as run history shows it: headers whose names say they carry a secret masked, and the header a
 * credential adds (its value is the credential's: masked); the body as text, cut at SHOWN_BODY_CHARS.
 */
function sentRequest(
  req: { method: string; url: string; headers: Record<string, string>; body: string | undefined },
  credential: NodeCredential | undefined,
): SentRequest {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    headers[name] = SENSITIVE_HEADER.test(name) ? MASK : value;
  }
  if (credential) {
    const name =
      credential.type === 'http.header' && typeof credential.data.name === 'string'
        ? credential.data.name.toLowerCase()
        : 'authorization';
    headers[name] = `${MASK} (credential “${credential.name}”)`;
  }
  const shown: SentRequest = { method: req.method, url: req.url, headers, bodyBytes: 0 };
  if (req.body === undefined) return shown;
  shown.bodyBytes = Buffer.byteLength(req.body);
  shown.body = req.body.length > SHOWN_BODY_CHARS ? req.body.slice(0, SHOWN_BODY_CHARS) : req.body;
  if (req.body.length > SHOWN_BODY_CHARS) shown.truncated = true;
  return shown;
}

/** Calls an HTTP endpoint and emits its answer. */
export const httpRequest = defineNode({
  type: 'action.http',
  version: 1,
  category: 'action',
  title: 'HTTP request',
  description:
    'Calls an HTTP API and emits its status, headers and body. Private and internal addresses are refused. Retried on network errors, timeouts, 408, 429 and 5xx; a step may run more than once, so prefer idempotent calls or send the idempotency key.',
  icon: 'globe',
  config: httpRequestConfig,
  secretFields: SECRET_HEADERS.map((name) => `headers.${name}`),
  credential: { types: HTTP_AUTH_TYPES },
  traits: { pure: false },
  retry: { attempts: 3, backoff: 'exponential', delayMs: 1000, maxDelayMs: 60_000, jitter: true },
  outputDescription:
    'One item on `main`: `{ status, headers, body }` with lower-case header names; `body` is parsed JSON for JSON answers, text for textual ones, and base64 with `bodyEncoding: "base64"` for binary ones.',
  run: async (ctx) => {
    const { config } = ctx;
    const headers: Record<string, string> = { ...config.headers };
    if (config.sendIdempotencyKey && !hasHeader(headers, 'idempotency-key')) {
      headers['idempotency-key'] = ctx.idempotencyKey;
    }
    const body = requestBody(config, headers);
    const req = {
      method: config.method,
      url: requestUrl(config),
      headers,
      body,
      timeoutMs: config.timeoutMs,
      signal: ctx.signal,
      ...(config.followRedirects ? {} : { maxRedirects: 0 }),
    };
    const credential = config.credential ? await ctx.credential() : undefined;
    // before sending: a request that fails is shown too
    ctx.attachRequest(sentRequest(req, credential));
    const res = credential ? await requestWithCredential(ctx, credential, req) : await ctx.http.request(req);
    // origin only: paths and queries may carry tokens, and headers are never logged
    ctx.logger.debug(
      { method: config.method, origin: new URL(res.url).origin, status: res.status },
      'http request',
    );
    throwForStatus(res, config.method);
    return { main: [{ status: res.status, headers: res.headers, ...decodeBody(res.headers, res.body) }] };
  },
});
