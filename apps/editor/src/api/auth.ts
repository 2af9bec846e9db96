// Sign-in over HTTP: first-start owner account, e-mail and password, invitations, sign-out, who is signed in.
import type { UserSession } from '../auth/session';
import { request } from './client';
import type { Caller } from './types';

function asSession(caller: Caller): UserSession {
  return { name: caller.name, role: caller.role, scopes: caller.scopes, csrfToken: caller.csrfToken ?? '' };
}

/** Whether the instance still needs its owner account. */
export function setupState(): Promise<{ needsOwner: boolean }> {
  return request('/auth/setup', { signingIn: true });
}

/** Makes the owner account (first start only) and signs in. */
export async function createOwner(email: string, password: string): Promise<UserSession> {
  return asSession(
    await request('/auth/setup', { method: 'POST', body: { email, password }, signingIn: true }),
  );
}

/** Signs in with e-mail and password; the API sets the session cookie. */
export async function logIn(email: string, password: string): Promise<UserSession> {
  return asSession(
    await request('/auth/login', { method: 'POST', body: { email, password }, signingIn: true }),
  );
}

/** Accepts an invitation with a new password, and signs in. */
export async function acceptInvitation(token: string, password: string): Promise<UserSession> {
  return asSession(
    await request('/auth/invitations/accept', { method: 'POST', body: { token, password }, signingIn: true }),
  );
}

/** The user of the session cookie, or null when there is none (or it ended). */
export async function currentSession(): Promise<UserSession | null> {
  try {
    const caller = await request<Caller>('/auth/session', { signingIn: true });
    return caller.via === 'session' ? asSession(caller) : null;
  } catch {
    // no cookie, or an ended session: the sign-in page says what to do
    return null;
  }
}

/** Ends the session and removes its cookie. */
export function logOut(): Promise<void> {
  return request('/auth/logout', { method: 'POST' });
}

/** Who the caller is (a key or a user), with its scopes. */
export function whoAmI(): Promise<Caller> {
  return request('/auth/session');
}
