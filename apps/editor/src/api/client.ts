// fetch wrapper for /api/v1: the bearer key or the session's CSRF token, JSON bodies, and problem+json errors as ApiError.
import { apiKey, csrfToken, signOut } from '../auth/session';
import type { Problem } from './types';

export const API_BASE = '/api/v1';

/** An error answer of the API (problem+json), or `status: 0` when the API could not be reached. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly problems: Problem[];

  constructor(status: number, code: string, detail: string, problems: Problem[] = []) {
    super(detail);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.problems = problems;
  }

  /** True when the API did not answer at all. */
  get unreachable(): boolean {
    return this.status === 0;
  }
}

interface RequestOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  body?: unknown;
  /** A key to use instead of the signed-in one (sign-in checks a key before keeping it). */
  key?: string;
  keepalive?: boolean;
  /** A sign-in attempt: a 401 is its answer, not a sign that the tab's session ended. */
  signingIn?: boolean;
  signal?: AbortSignal;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

async function toApiError(res: Response): Promise<ApiError> {
  let body: unknown;
  try {
    body = await res.json();
  } catch {
    // a proxy or a crashed server may answer with something that is not JSON
    body = undefined;
  }
  if (isRecord(body)) {
    const detail = typeof body.detail === 'string' ? body.detail : res.statusText;
    const code = typeof body.code === 'string' ? body.code : `http_${res.status}`;
    // problems come from the API's problem+json, which always has this shape
    const problems = Array.isArray(body.problems) ? (body.problems as Problem[]) : [];
    return new ApiError(res.status, code, detail, problems);
  }
  if (res.status === 502 || res.status === 503 || res.status === 504) {
    return new ApiError(0, 'unreachable', `the API is not answering (HTTP ${res.status})`);
  }
  return new ApiError(res.status, `http_${res.status}`, res.statusText || `HTTP ${res.status}`);
}

/** Calls the API and returns its JSON answer (undefined for 204). */
export async function request<T>(path: string, options: RequestOptions = {}): Promise<T> {
  const key = options.key ?? apiKey();
  const headers: Record<string, string> = { accept: 'application/json' };
  const method = options.method ?? 'GET';
  if (key) headers.authorization = `Bearer ${key}`;
  else {
    // signed in with e-mail: the cookie goes by itself; writes also carry the session's CSRF token
    const csrf = csrfToken();
    if (csrf && method !== 'GET') headers['x-csrf-token'] = csrf;
  }
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(`${API_BASE}${path}`, {
      method,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      keepalive: options.keepalive,
      signal: options.signal,
    });
  } catch (err) {
    if (err instanceof DOMException && err.name === 'AbortError') throw err;
    throw new ApiError(0, 'unreachable', `cannot reach the API at ${window.location.origin}${API_BASE}`);
  }
  if (!res.ok) {
    const error = await toApiError(res);
    // a key that stops working (revoked) or a session that ends signs the tab out, except while signing in
    if (error.status === 401 && options.key === undefined && !options.signingIn) {
      signOut(key ? 'The API key is no longer accepted.' : 'Your session has ended. Sign in again.');
    }
    throw error;
  }
  // 204 answers carry no body; callers of such routes ask for `void`
  if (res.status === 204) return undefined as T;
  // the API answers JSON on every 2xx but 204
  return (await res.json()) as T;
}

/** A short message for any error. */
export function errorMessage(err: unknown): string {
  if (err instanceof ApiError) return err.message;
  if (err instanceof Error) return err.message;
  return String(err);
}
