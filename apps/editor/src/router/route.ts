// Client-side routes on the History API: the flow list, one flow's editor, the dead-letter view, credentials,
// variables, frequency caps, tracking sources, people, the event log, the audit log, users, API keys, accepting an invitation.
import { useSyncExternalStore } from 'react';

export type Route =
  | { name: 'flows' }
  | { name: 'flow'; flowId: string; runId: string | null }
  | { name: 'dead-letters' }
  | { name: 'credentials' }
  | { name: 'sources' }
  | { name: 'variables' }
  | { name: 'frequency-caps' }
  | { name: 'audit' }
  | { name: 'people'; personId: string | null }
  | { name: 'events' }
  | { name: 'users' }
  | { name: 'api-keys' }
  | { name: 'invitation' }
  | { name: 'not-found'; path: string };

/** Reads a route from a location. */
export function parseRoute(pathname: string, search: string): Route {
  const path = pathname.replace(/\/+$/, '') || '/';
  if (path === '/' || path === '/flows') return { name: 'flows' };
  if (path === '/dead-letters') return { name: 'dead-letters' };
  if (path === '/users') return { name: 'users' };
  if (path === '/api-keys') return { name: 'api-keys' };
  if (path === '/invitation') return { name: 'invitation' };
  if (path === '/credentials') return { name: 'credentials' };
  if (path === '/sources') return { name: 'sources' };
  if (path === '/variables') return { name: 'variables' };
  if (path === '/frequency-caps') return { name: 'frequency-caps' };
  if (path === '/audit') return { name: 'audit' };
  if (path === '/events') return { name: 'events' };
  if (path === '/people') return { name: 'people', personId: new URLSearchParams(search).get('id') };
  const flow = /^\/flows\/([^/]+)$/.exec(path);
  if (flow?.[1]) {
    return {
      name: 'flow',
      flowId: decodeURIComponent(flow[1]),
      runId: new URLSearchParams(search).get('run'),
    };
  }
  return { name: 'not-found', path };
}

/** Asked before leaving a page; answers false to stay. */
export type NavigationGuard = () => Promise<boolean>;

let guard: NavigationGuard | null = null;
const listeners = new Set<() => void>();
let current = window.location.pathname + window.location.search;

function notify(): void {
  current = window.location.pathname + window.location.search;
  for (const listener of listeners) listener();
}

window.addEventListener('popstate', notify);

/** Installs the guard of the page being shown (one at a time); returns its removal. */
export function setNavigationGuard(next: NavigationGuard): () => void {
  guard = next;
  return () => {
    if (guard === next) guard = null;
  };
}

/** Goes to `to` unless the current page's guard says no. */
export async function navigate(to: string, options: { replace?: boolean } = {}): Promise<void> {
  if (to === current) return;
  const samePage = to.split('?')[0] === current.split('?')[0];
  if (guard && !samePage && !(await guard())) return;
  if (options.replace) window.history.replaceState(null, '', to);
  else window.history.pushState(null, '', to);
  notify();
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

function snapshot(): string {
  return current;
}

/** The current route as React state. */
export function useRoute(): Route {
  const location = useSyncExternalStore(subscribe, snapshot);
  const [pathname = '/', search = ''] = location.split('?');
  return parseRoute(pathname, search ? `?${search}` : '');
}
