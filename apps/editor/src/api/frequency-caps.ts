// The instance's frequency caps over HTTP: list, create, delete.
import { useQuery } from '@tanstack/react-query';
import { request } from './client';
import { keys } from './query-keys';
import type { FrequencyCap, FrequencyCapInput } from './types';

export function listFrequencyCaps(): Promise<{ items: FrequencyCap[] }> {
  return request('/frequency-caps');
}

export function createFrequencyCap(body: FrequencyCapInput): Promise<FrequencyCap> {
  return request('/frequency-caps', { method: 'POST', body });
}

export function deleteFrequencyCap(id: string): Promise<void> {
  return request(`/frequency-caps/${encodeURIComponent(id)}`, { method: 'DELETE' });
}

export function useFrequencyCaps() {
  return useQuery({ queryKey: keys.frequencyCaps, queryFn: listFrequencyCaps });
}
