// Sending an HTTP request with a credential: its auth header, its allowedHosts, OAuth2 tokens renewed once on 401.
import { FatalError } from '@tributary/flow';
import type { HttpClient, HttpRequest, HttpResponse } from '../http/http-client.js';
import { basicToken } from './http-types.js';
import { fetchClientCredentialsToken, sharedTokens, type TokenCache } from './oauth2.js';

/** A credential as a node sees it, decrypted for this step only. */
export interface NodeCredential<D = Record<string, unknown>> {
  id: string;
  name: string;
  type: string;
  data: D;
  /** Hosts the credential may be sent to; empty means any host the address policy allows. */
  allowedHosts: readonly string[];
  /** Changes whenever the credential is edited (cache keys use it). */
  version: string;
}

/** The credential types `requestWithCredential` knows how to send. */
export const HTTP_AUTH_TYPES = [
  'http.bearer',
  'http.header',
  'http.basic',
  'oauth2.client-credentials',
] as const;

/** What a request with a credential needs from the step. */
export interface CredentialRequestContext {
  http: HttpClient;
  /** Marks a value fetched at run time (an OAuth2 access token) as secret for this step. */
  redact(value: string): void;
  signal?: AbortSignal | undefined;
  /** Defaults to the process's shared cache. */
  tokens?: TokenCache;
}

function str(data: Record<string, unknown>, key: string): string {
  const value = data[key];
  if (typeof value !== 'string')
    throw new FatalError(`credential is missing "${key}"`, { code: 'invalid_credential' });
  return value;
}

/** The request bound to the credential's hosts: any other host (redirects too) fails before connecting. */
export function boundTo(credential: NodeCredential, req: HttpRequest): HttpRequest {
  return credential.allowedHosts.length > 0 ? { ...req, allowedHosts: credential.allowedHosts } : req;
}

/**
 * Sends `req` with the credential's authorization. Header-style credentials add their header (a header of
 * the same name in `req` is replaced); OAuth2 uses a cached token and, on a 401, fetches a new one and sends
 * the request once more.
 */
export async function requestWithCredential(
  ctx: CredentialRequestContext,
  credential: NodeCredential,
  req: HttpRequest,
): Promise<HttpResponse> {
  const data = credential.data as Record<string, unknown>;
  const send = (name: string, value: string) =>
    ctx.http.request(withHeader(boundTo(credential, req), name, value));
  switch (credential.type) {
    case 'http.bearer':
      return send('authorization', `Bearer ${str(data, 'token')}`);
    case 'http.header':
      return send(str(data, 'name'), str(data, 'value'));
    case 'http.basic':
      return send('authorization', `Basic ${basicToken(str(data, 'username'), str(data, 'password'))}`);
    case 'oauth2.client-credentials':
      return requestWithOAuth2(ctx, credential, req);
    default:
      throw new FatalError(`a ${credential.type} credential cannot authorize an HTTP request`, {
        code: 'wrong_credential_type',
      });
  }
}

async function requestWithOAuth2(
  ctx: CredentialRequestContext,
  credential: NodeCredential,
  req: HttpRequest,
): Promise<HttpResponse> {
  const data = credential.data as Record<string, unknown>;
  const tokens = ctx.tokens ?? sharedTokens;
  const key = `${credential.id}:${credential.version}`;
  const scope = typeof data.scope === 'string' ? data.scope : undefined;
  const creds = {
    tokenUrl: str(data, 'tokenUrl'),
    clientId: str(data, 'clientId'),
    clientSecret: str(data, 'clientSecret'),
    scope,
  };
  // the token endpoint is bound by allowedHosts as well: it receives the client secret
  const tokenHttp: HttpClient = { request: (r) => ctx.http.request(boundTo(credential, r)) };
  const fetchToken = () => fetchClientCredentialsToken(tokenHttp, creds, ctx.signal);
  const token = await tokens.get(key, fetchToken);
  ctx.redact(token.value);
  const res = await ctx.http.request(
    withHeader(boundTo(credential, req), 'authorization', `Bearer ${token.value}`),
  );
  if (res.status !== 401) return res;
  // the token may have been revoked before its expiry: one new token, one more try
  tokens.forget(key, token);
  const fresh = await tokens.get(key, fetchToken);
  ctx.redact(fresh.value);
  return ctx.http.request(withHeader(boundTo(credential, req), 'authorization', `Bearer ${fresh.value}`));
}

function withHeader(req: HttpRequest, name: string, value: string): HttpRequest {
  const lower = name.toLowerCase();
  const headers: Record<string, string> = {};
  for (const [key, v] of Object.entries(req.headers ?? {})) if (key.toLowerCase() !== lower) headers[key] = v;
  headers[lower] = value;
  return { ...req, headers };
}
