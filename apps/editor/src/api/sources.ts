// Tracking sources over HTTP: list, create and rotate (which answer the write key, once), disable, enable;
// each source's tracking plan (its mode and event schemas).
// A write key goes straight from the answer to the page's state, never into the query cache.
import { useQuery } from '@tanstack/react-query';
import { request } from './client';
import { keys } from './query-keys';
import type {
  EventSchema,
  EventSchemaVersion,
  PlanMode,
  Source,
  SourceWithWriteKey,
  UnplannedEvents,
} from './types';

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

export function setSourcePlan(
  id: string,
  plan: { planMode: PlanMode; unplannedEvents: UnplannedEvents },
): Promise<Source> {
  return request(`/sources/${id}/plan`, { method: 'PUT', body: plan });
}

const schemaPath = (id: string, event: string) => `/sources/${id}/schemas/${encodeURIComponent(event)}`;

export function listEventSchemas(id: string): Promise<{ items: EventSchema[] }> {
  return request(`/sources/${id}/schemas`);
}

export function putEventSchema(
  id: string,
  event: string,
  schema: Record<string, unknown>,
): Promise<EventSchemaVersion> {
  return request(schemaPath(id, event), { method: 'PUT', body: { schema } });
}

export function deleteEventSchema(id: string, event: string): Promise<void> {
  return request(schemaPath(id, event), { method: 'DELETE' });
}

export function useEventSchemas(id: string) {
  return useQuery({ queryKey: keys.eventSchemas(id), queryFn: () => listEventSchemas(id) });
}
