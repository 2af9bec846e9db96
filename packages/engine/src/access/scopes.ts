// API scopes: what a key or a session may do; a role is a fixed set of them.
import type { Role } from '@tributary/db';

/** Every scope, in the order lists show them. */
export const SCOPES = [
  'flows:read',
  'flows:write',
  'runs:read',
  'runs:write',
  'events:write',
  'credentials:read',
  'credentials:write',
  'admin',
] as const;

/** One thing a caller may do, e.g. `flows:write`. */
export type Scope = (typeof SCOPES)[number];

/**
 * The scopes of each role: owners everything; editors flows, runs and dead letters, and credentials by use
 * (they pick them in nodes, they do not manage them); viewers read.
 */
export const ROLE_SCOPES: Record<Role, readonly Scope[]> = {
  owner: SCOPES,
  editor: ['flows:read', 'flows:write', 'runs:read', 'runs:write', 'events:write', 'credentials:read'],
  viewer: ['flows:read', 'runs:read', 'credentials:read'],
};

/** True when `value` names a scope. */
export function isScope(value: string): value is Scope {
  return (SCOPES as readonly string[]).includes(value);
}

/** The scopes in both lists, in the canonical order. */
export function intersectScopes(a: readonly Scope[], b: readonly Scope[]): Scope[] {
  return SCOPES.filter((s) => a.includes(s) && b.includes(s));
}

/** The scopes of `wanted` that `held` lacks. */
export function scopesBeyond(wanted: readonly Scope[], held: readonly Scope[]): Scope[] {
  return SCOPES.filter((s) => wanted.includes(s) && !held.includes(s));
}
