// Test helper: a browser's view of a session — the cookie the API set and the CSRF token it answered.
import type { TestApp } from './test-app.js';

/** A signed-in browser: calls the app with the session cookie, and the CSRF token on writes unless told not to. */
export interface TestSession {
  cookie: string;
  csrfToken: string;
  /** The Set-Cookie header of the sign-in. */
  setCookie: string;
  call(
    method: string,
    path: string,
    body?: unknown,
    options?: { csrf?: string | false; headers?: Record<string, string> },
  ): Promise<Response>;
}

/** The `name=value` of a Set-Cookie header. */
export function cookieOf(res: Response): string {
  const header = res.headers.get('set-cookie') ?? '';
  return header.split(';')[0] ?? '';
}

/** Wraps a sign-in answer (login, setup or accepted invitation) as a session. */
export async function sessionFrom(api: TestApp, res: Response): Promise<TestSession> {
  if (res.status !== 200 && res.status !== 201) {
    throw new Error(`sign-in answered ${res.status}: ${await res.text()}`);
  }
  const body = (await res.json()) as { csrfToken: string };
  const cookie = cookieOf(res);
  return {
    cookie,
    csrfToken: body.csrfToken,
    setCookie: res.headers.get('set-cookie') ?? '',
    call(method, path, payload, options = {}) {
      const headers: Record<string, string> = { cookie, ...options.headers };
      const csrf = options.csrf === undefined ? body.csrfToken : options.csrf;
      if (csrf !== false) headers['x-csrf-token'] = csrf;
      const init: RequestInit = { method, headers };
      if (payload !== undefined) {
        init.body = JSON.stringify(payload);
        headers['content-type'] = 'application/json';
      }
      return Promise.resolve(api.app.request(path, init));
    },
  };
}

/** POSTs JSON without any credentials (sign-in routes). */
export function postPublic(api: TestApp, path: string, body: unknown, headers: Record<string, string> = {}) {
  return Promise.resolve(
    api.app.request(path, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    }),
  );
}

/** Signs in with e-mail and password. */
export async function signIn(api: TestApp, email: string, password: string): Promise<TestSession> {
  return sessionFrom(api, await postPublic(api, '/api/v1/auth/login', { email, password }));
}
