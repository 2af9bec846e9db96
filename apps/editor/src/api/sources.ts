// Tracking sources over HTTP: list, create and rotate (which answer the write key, once), disable, enable.
// A write key goes straight from the answer to the page's state, never into the query cache.
import { useQuery } from '@tanstack/react-query';
import { request } from './client';
import { keys } from './query-keys';
import type { Source, SourceWithWriteKey } from './types';

export function listSources(): Promise<{ items: Source[] }> {
  return request('/sources');
}

export function createSource(name: string): Promise<SourceWithWriteKey> {
  return request('/sources', { method: 'POST', body: { name } });
}

export function rotateSource(id: string): Promise<SourceWithWriteKey> {
  return request(`/sources/${id}/rotate`, { method: 'POST' });
}

export function setSourceEnabled(id: string, enabled: boolean): Promise<Source> {
  return request(`/sources/${id}/${enabled ? 'enable' : 'disable'}`, { method: 'POST' });
}

export function useSources() {
  return useQuery({ queryKey: keys.sources, queryFn: listSources, refetchInterval: 10_000 });
}
