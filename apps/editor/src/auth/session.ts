// The API key of this browser tab, kept in sessionStorage so it is gone when the tab closes.
import { useSyncExternalStore } from 'react';

const STORAGE_KEY = 'tributary.apiKey';
const listeners = new Set<() => void>();

function read(): string | null {
  try {
    return sessionStorage.getItem(STORAGE_KEY);
  } catch {
    // storage can be disabled (private modes); then nobody is signed in
    return null;
  }
}

/** The current key, or null when signed out. */
export function apiKey(): string | null {
  return read();
}

/** Keeps the key for this tab and tells subscribers. */
export function signIn(key: string): void {
  sessionStorage.setItem(STORAGE_KEY, key);
  for (const listener of listeners) listener();
}

/** Forgets the key; `reason` is shown on the sign-in screen. */
export function signOut(reason?: string): void {
  sessionStorage.removeItem(STORAGE_KEY);
  signOutReason = reason ?? null;
  for (const listener of listeners) listener();
}

let signOutReason: string | null = null;

/** Why the last sign-out happened (an expired or revoked key), once. */
export function takeSignOutReason(): string | null {
  const reason = signOutReason;
  signOutReason = null;
  return reason;
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** The key as React state. */
export function useApiKey(): string | null {
  return useSyncExternalStore(subscribe, read, () => null);
}
