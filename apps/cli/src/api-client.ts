// The management API over HTTP: JSON in and out, the API key as a bearer token, and problem+json answers
// turned into ApiErrors that read as sentences.
import type { Problem } from '@tributary/flow';
import type { Connection } from './connection.js';
import { ApiError, CliError, messageOf, systemCode, UsageError } from './errors.js';

/** How long one request may take before it is given up. */
const REQUEST_TIMEOUT_MS = 120_000;

/** An HTTP answer of the API, its body parsed when it is JSON. */
export interface ApiAnswer {
  status: number;
  headers: Headers;
  body: unknown;
}

type Query = Record<string, string | number | boolean | undefined>;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function problemsOf(value: unknown): Problem[] {
  if (!Array.isArray(value)) return [];
  return value.filter(
    (p): p is Problem => isRecord(p) && typeof p.path === 'string' && typeof p.message === 'string',
  );
}

/** The error an unsuccessful answer stands for: the problem's detail and code, or the status alone. */
export function errorOf(method: string, path: string, answer: ApiAnswer): ApiError {
  const body = answer.body;
  if (isRecord(body) && typeof body.detail === 'string') {
    const code = typeof body.code === 'string' ? body.code : undefined;
    const hint = answer.status === 401 ? ' (check --key, TRIBUTARY_API_KEY or the profile)' : '';
    return new ApiError(`${body.detail}${hint}`, answer.status, code, problemsOf(body.problems));
  }
  const text = typeof body === 'string' && body.trim() !== '' ? `: ${body.trim().slice(0, 200)}` : '';
  return new ApiError(`${method} ${path} answered ${answer.status}${text}`, answer.status, undefined);
}

/** A client of one Tributary server. */
export class ApiClient {
  readonly url: string;
  readonly #key: string | undefined;

  constructor(connection: Pick<Connection, 'url' | 'key'>) {
    this.url = connection.url;
    this.#key = connection.key;
  }

  /** Sends a request and returns the answer whatever its status (network failures throw). */
  async send(
    method: string,
    path: string,
    options: { body?: unknown; query?: Query; headers?: Record<string, string>; auth?: boolean } = {},
  ): Promise<ApiAnswer> {
    const target = new URL(`${this.url}${path}`);
    for (const [name, value] of Object.entries(options.query ?? {})) {
      if (value !== undefined) target.searchParams.set(name, String(value));
    }
    const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
    if (options.auth ?? true) {
      if (!this.#key) {
        throw new UsageError(
          'no API key: pass --key, set TRIBUTARY_API_KEY, or add one to a profile (tributary profiles set)',
        );
      }
      headers.authorization = `Bearer ${this.#key}`;
    }
    const init: RequestInit = { method, headers, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) };
    if (options.body !== undefined) {
      init.body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
      headers['content-type'] ??= 'application/json';
    }
    let response: Response;
    try {
      response = await fetch(target, init);
    } catch (err) {
      throw new CliError(`cannot reach ${this.url}: ${networkReason(err)}`, { cause: err });
    }
    const text = await response.text();
    let body: unknown = text;
    const type = response.headers.get('content-type') ?? '';
    if (/json/i.test(type) && text !== '') {
      try {
        body = JSON.parse(text);
      } catch {
        // a JSON content type with a body that is not JSON: kept as text, shown as it is
      }
    }
    return { status: response.status, headers: response.headers, body };
  }

  /** Sends a request and returns its JSON body; any answer but 2xx throws an ApiError. */
  async request<T>(
    method: string,
    path: string,
    options: { body?: unknown; query?: Query } = {},
  ): Promise<T> {
    const answer = await this.send(method, `/api/v1${path}`, options);
    if (answer.status < 200 || answer.status > 299) throw errorOf(method, path, answer);
    // the API's answers follow its OpenAPI document; callers name the shape they asked for
    return answer.body as T;
  }

  get<T>(path: string, query?: Query): Promise<T> {
    return this.request<T>('GET', path, query ? { query } : {});
  }

  post<T>(path: string, body?: unknown): Promise<T> {
    return this.request<T>('POST', path, body === undefined ? {} : { body });
  }

  put<T>(path: string, body: unknown): Promise<T> {
    return this.request<T>('PUT', path, { body });
  }

  /** Every item of a paged list (`{ items, nextCursor }`), following the cursor; `onPage` sees progress. */
  async all<T>(path: string, query: Query = {}, onPage?: (count: number) => void): Promise<T[]> {
    const items: T[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.get<{ items: T[]; nextCursor: string | null }>(path, {
        ...query,
        limit: 500,
        cursor,
      });
      items.push(...page.items);
      onPage?.(items.length);
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    return items;
  }
}

function networkReason(err: unknown): string {
  const cause = err instanceof Error && err.cause !== undefined ? err.cause : err;
  const code = systemCode(cause);
  if (code === 'ECONNREFUSED') return 'connection refused (is the server running? see --url)';
  if (code === 'ENOTFOUND') return 'host not found (see --url)';
  if (err instanceof Error && err.name === 'TimeoutError') {
    return `no answer within ${REQUEST_TIMEOUT_MS / 1000} s`;
  }
  return code ?? messageOf(cause);
}
