// OAuth2 client credentials (RFC 6749 §4.4): fetch a token, keep it until shortly before it expires.
import { FatalError, RetryableError } from '@tributary/flow';
import type { HttpClient } from '../http/http-client.js';

export interface ClientCredentials {
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  scope?: string | undefined;
}

export interface AccessToken {
  value: string;
  /** How long the server said it lasts. */
  lifetimeMs: number;
  /** When it stops being used (a margin before the server's expiry). */
  expiresAt: number;
}

/** Used when the token answer names no lifetime. */
const DEFAULT_LIFETIME_MS = 3600_000;
/** A token is renewed this long before it expires, so a call never starts with one about to lapse. */
const EXPIRY_MARGIN_MS = 30_000;

/** Fetches a token; a refused client is fatal, an unreachable or failing server retryable. */
export async function fetchClientCredentialsToken(
  http: HttpClient,
  creds: ClientCredentials,
  signal?: AbortSignal,
): Promise<AccessToken> {
  const form = new URLSearchParams({ grant_type: 'client_credentials' });
  if (creds.scope) form.set('scope', creds.scope);
  // RFC 6749 §2.3.1: client id and secret form-encoded, then sent as Basic credentials
  const basic = Buffer.from(
    `${encodeURIComponent(creds.clientId)}:${encodeURIComponent(creds.clientSecret)}`,
  ).toString('base64');
  const res = await http.request({
    method: 'POST',
    url: creds.tokenUrl,
    headers: {
      authorization: `Basic ${basic}`,
      'content-type': 'application/x-www-form-urlencoded',
      accept: 'application/json',
    },
    body: form.toString(),
    maxRedirects: 0,
    ...(signal ? { signal } : {}),
  });
  const origin = new URL(creds.tokenUrl).origin;
  let answer: { access_token?: unknown; expires_in?: unknown; error?: unknown; error_description?: unknown };
  try {
    answer = JSON.parse(Buffer.from(res.body).toString('utf8'));
  } catch {
    answer = {};
  }
  if (res.status >= 500 || res.status === 429) {
    throw new RetryableError(`Token endpoint ${origin} answered ${res.status}`, {
      code: 'oauth2_unavailable',
    });
  }
  if (res.status !== 200 || typeof answer.access_token !== 'string' || answer.access_token === '') {
    // error and error_description are defined by RFC 6749 §5.2 and carry no secret
    const reason = typeof answer.error === 'string' ? `: ${answer.error}` : '';
    const detail =
      typeof answer.error_description === 'string' ? ` (${answer.error_description.slice(0, 200)})` : '';
    throw new FatalError(
      `Token endpoint ${origin} refused the client credentials (${res.status}${reason})${detail}`,
      {
        code: 'oauth2_refused',
      },
    );
  }
  const seconds = typeof answer.expires_in === 'number' ? answer.expires_in : Number(answer.expires_in);
  const lifetimeMs = Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : DEFAULT_LIFETIME_MS;
  return {
    value: answer.access_token,
    lifetimeMs,
    expiresAt: Date.now() + Math.max(lifetimeMs - EXPIRY_MARGIN_MS, lifetimeMs / 2),
  };
}

const MAX_CACHED_TOKENS = 1000;

/**
 * Tokens per credential, shared by every step of the process. The key includes the credential's version
 * (its update time), so editing a credential never reuses a token fetched with the old secret.
 */
export class TokenCache {
  readonly #tokens = new Map<string, AccessToken>();
  readonly #pending = new Map<string, Promise<AccessToken>>();

  /** A valid token, fetched at most once at a time per credential. */
  get(key: string, fetch: () => Promise<AccessToken>): Promise<AccessToken> {
    const token = this.#tokens.get(key);
    if (token && token.expiresAt > Date.now()) return Promise.resolve(token);
    let pending = this.#pending.get(key);
    if (!pending) {
      pending = fetch()
        .then((fresh) => {
          // one entry per credential version; old versions fall out first once there are many
          if (this.#tokens.size >= MAX_CACHED_TOKENS)
            this.#tokens.delete(this.#tokens.keys().next().value as string);
          this.#tokens.set(key, fresh);
          return fresh;
        })
        .finally(() => this.#pending.delete(key));
      this.#pending.set(key, pending);
    }
    return pending;
  }

  /** Forgets a token the API refused (401), so the next get fetches a new one. */
  forget(key: string, token: AccessToken): void {
    if (this.#tokens.get(key) === token) this.#tokens.delete(key);
  }
}

/** The process's token cache: tokens outlive a step, so every step of a credential shares them. */
export const sharedTokens = new TokenCache();
