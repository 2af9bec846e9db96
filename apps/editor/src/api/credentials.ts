// Credentials over HTTP: the types, the list, create, change, delete and the connection test. Answers never
// hold secret values; bodies that carry them go straight to `request`, never into a query or mutation cache.
import { useQuery } from '@tanstack/react-query';
import { request } from './client';
import { keys } from './query-keys';
import type {
  Credential,
  CredentialCreate,
  CredentialTestResult,
  CredentialType,
  CredentialUpdate,
} from './types';

export function listCredentialTypes(): Promise<{ items: CredentialType[] }> {
  return request('/credential-types');
}

export function listCredentials(): Promise<{ items: Credential[] }> {
  return request('/credentials');
}

export function getCredential(id: string): Promise<Credential> {
  return request(`/credentials/${id}`);
}

export function createCredential(body: CredentialCreate): Promise<Credential> {
  return request('/credentials', { method: 'POST', body });
}

/** Changes a credential; data fields left out keep their stored values. */
export function updateCredential(id: string, body: CredentialUpdate): Promise<Credential> {
  return request(`/credentials/${id}`, { method: 'PUT', body });
}

/** Deletes a credential; answers 409 while flows use it unless `force`. */
export function deleteCredential(id: string, force = false): Promise<void> {
  return request(`/credentials/${id}${force ? '?force=true' : ''}`, { method: 'DELETE' });
}

/** Checks the stored credential against its service. */
export function testCredential(id: string): Promise<CredentialTestResult> {
  return request(`/credentials/${id}/test`, { method: 'POST' });
}

export function useCredentialTypes() {
  // the catalogue only changes with a new server version
  return useQuery({ queryKey: keys.credentialTypes, queryFn: listCredentialTypes, staleTime: Infinity });
}

export function useCredentials() {
  return useQuery({ queryKey: keys.credentials, queryFn: listCredentials });
}

/** One credential; `enabled` false until it is needed. */
export function useCredential(id: string | undefined, enabled = true) {
  return useQuery({
    queryKey: keys.credential(id ?? ''),
    queryFn: () => getCredential(id ?? ''),
    enabled: enabled && id !== undefined,
  });
}
