// Who is calling the management API and what they may do.
import type { Role } from '@tributary/db';
import type { Scope } from './scopes.js';

/** A signed-in user, a stored API key, or the key from TRIBUTARY_API_KEY. */
export interface Principal {
  via: 'session' | 'key' | 'env';
  /** The stored key, when the caller used one. */
  keyId: string | null;
  /** The user: the one signed in, or the one who made the key. */
  userId: string | null;
  name: string;
  role: Role;
  /** What this caller may do: a session its role's scopes, a key its own within its maker's role. */
  scopes: readonly Scope[];
}

/** The name recorded in the audit log for a caller: `user:<id>`, `api_key:<id>` or `env:<name>`. */
export function actorName(principal: Pick<Principal, 'via' | 'keyId' | 'userId' | 'name'>): string {
  if (principal.keyId) return `api_key:${principal.keyId}`;
  if (principal.userId) return `user:${principal.userId}`;
  return `env:${principal.name}`;
}
