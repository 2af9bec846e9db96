// Who this tab is signed in as: an API key (kept in sessionStorage, gone when the tab closes) or the session
// cookie of an e-mail sign-in (httpOnly, so the page only holds its CSRF token and who it is, in memory).
import { useSyncExternalStore } from 'react';

const STORAGE_KEY = 'tributary.apiKey';
const listeners = new Set<() => void>();

/** A signed-in user as GET /auth/session answers. */
export interface UserSession {
  name: string;
  role: string;
  scopes: string[];
  csrfToken: string;
}

/** The tab's state: not yet known (checking the cookie), signed out, or signed in one way or the other. */
export type AuthState =
  | { kind: 'checking' }
  | { kind: 'signed-out' }
  | { kind: 'key'; key: string }
  | { kind: 'session'; session: UserSession };

let userSession: UserSession | null = null;
let cookieChecked = false;
let state: AuthState = compute();

function readKey(): string | null {
  try {
    return sessionStorage.getItem(STORAGE_KEY);
  } catch {
    // storage can be disabled (private modes); then nobody is signed in with a key
    return null;
  }
}

function compute(): AuthState {
  const key = readKey();
  if (key) return { kind: 'key', key };
  if (userSession) return { kind: 'session', session: userSession };
  return cookieChecked ? { kind: 'signed-out' } : { kind: 'checking' };
}

function changed(): void {
  state = compute();
  for (const listener of listeners) listener();
}

/** The current key, or null when signed out or signed in with e-mail. */
export function apiKey(): string | null {
  return readKey();
}

/** The CSRF token of the e-mail session, sent on every write. */
export function csrfToken(): string | null {
  return readKey() ? null : (userSession?.csrfToken ?? null);
}

/** Keeps the key for this tab and tells subscribers. */
export function signIn(key: string): void {
  sessionStorage.setItem(STORAGE_KEY, key);
  changed();
}

/** Records the user an e-mail sign-in (or the cookie check at start) found. */
export function signedInAs(session: UserSession | null): void {
  userSession = session;
  cookieChecked = true;
  changed();
}

/** Forgets the key or the session; `reason` is shown on the sign-in screen. */
export function signOut(reason?: string): void {
  sessionStorage.removeItem(STORAGE_KEY);
  userSession = null;
  cookieChecked = true;
  signOutReason = reason ?? null;
  changed();
}

let signOutReason: string | null = null;

/** Why the last sign-out happened (an expired session or a revoked key), once. */
export function takeSignOutReason(): string | null {
  const reason = signOutReason;
  signOutReason = null;
  return reason;
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** The sign-in state as React state. */
export function useAuth(): AuthState {
  return useSyncExternalStore(
    subscribe,
    () => state,
    () => state,
  );
}

/** The key as React state (null when signed in with e-mail). */
export function useApiKey(): string | null {
  const auth = useAuth();
  return auth.kind === 'key' ? auth.key : null;
}
