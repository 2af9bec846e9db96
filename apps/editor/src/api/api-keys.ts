// API keys over HTTP: make one (its key answered once), list, revoke.
import { useQuery } from '@tanstack/react-query';
import { request } from './client';
import type { ApiKey, NewApiKey, Scope } from './types';

export type { ApiKey, NewApiKey, Scope };

/** Every scope a key can hold, in the API's order. */
export const SCOPES: readonly Scope[] = [
  'flows:read',
  'flows:write',
  'runs:read',
  'runs:write',
  'events:write',
  'credentials:read',
  'credentials:write',
  'admin',
];

export const apiKeysKey = ['api-keys'] as const;

export function listApiKeys(): Promise<{ items: ApiKey[] }> {
  return request('/api-keys');
}

export function createApiKey(input: {
  name: string;
  scopes: Scope[];
  expiresAt?: string;
}): Promise<NewApiKey> {
  return request('/api-keys', { method: 'POST', body: input });
}

export function revokeApiKey(id: string): Promise<void> {
  return request(`/api-keys/${id}`, { method: 'DELETE' });
}

export function useApiKeys() {
  return useQuery({ queryKey: apiKeysKey, queryFn: listApiKeys });
}
