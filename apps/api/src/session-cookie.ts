// The session cookie: httpOnly, SameSite=Lax, Secure when the request came over HTTPS (directly, or through a
// trusted proxy that says so in X-Forwarded-Proto).
import { timingSafeEqual } from 'node:crypto';
import { csrfTokenOf } from '@tributary/engine';
import type { Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';

/** The cookie's name. */
export const SESSION_COOKIE = 'tributary_session';
/** The header cookie-authenticated writes carry their CSRF token in. */
export const CSRF_HEADER = 'x-csrf-token';

/** True when the browser reached us over HTTPS; X-Forwarded-Proto counts only behind a trusted proxy. */
export function cameOverHttps(c: Context, trustProxy: boolean): boolean {
  if (new URL(c.req.url).protocol === 'https:') return true;
  if (!trustProxy) return false;
  const forwarded = c.req.header('x-forwarded-proto')?.split(',')[0]?.trim().toLowerCase();
  return forwarded === 'https';
}

/** Sets the session cookie until `expiresAt`. */
export function setSessionCookie(c: Context, token: string, expiresAt: Date, trustProxy: boolean): void {
  setCookie(c, SESSION_COOKIE, token, {
    httpOnly: true,
    sameSite: 'Lax',
    secure: cameOverHttps(c, trustProxy),
    path: '/',
    expires: expiresAt,
  });
}

/** The session token the request carries, if any. */
export function sessionTokenOf(c: Context): string | undefined {
  return getCookie(c, SESSION_COOKIE) || undefined;
}

/** Removes the cookie from the browser. */
export function clearSessionCookie(c: Context, trustProxy: boolean): void {
  deleteCookie(c, SESSION_COOKIE, {
    path: '/',
    secure: cameOverHttps(c, trustProxy),
    httpOnly: true,
    sameSite: 'Lax',
  });
}

/** True when the request carries the CSRF token of the session `token` (compared in constant time). */
export function csrfMatches(c: Context, token: string): boolean {
  const sent = Buffer.from(c.req.header(CSRF_HEADER) ?? '');
  const expected = Buffer.from(csrfTokenOf(token));
  return sent.length === expected.length && timingSafeEqual(sent, expected);
}
