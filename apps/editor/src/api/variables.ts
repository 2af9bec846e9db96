// Instance variables over HTTP: list (with the flows reading each), create or change, delete.
import { useQuery } from '@tanstack/react-query';
import { request } from './client';
import { keys } from './query-keys';
import type { Variable } from './types';

export function listVariables(): Promise<{ items: Variable[] }> {
  return request('/variables');
}

export function setVariable(name: string, body: { value: string; description: string }): Promise<Variable> {
  return request(`/variables/${encodeURIComponent(name)}`, { method: 'PUT', body });
}

export function deleteVariable(name: string, force: boolean): Promise<void> {
  return request(`/variables/${encodeURIComponent(name)}${force ? '?force=true' : ''}`, { method: 'DELETE' });
}

export function useVariables() {
  return useQuery({ queryKey: keys.variables, queryFn: listVariables });
}
