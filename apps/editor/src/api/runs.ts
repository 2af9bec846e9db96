// Runs and events over HTTP: lists, one run with its steps, replay, cancel.
import { useQuery } from '@tanstack/react-query';
import { request } from './client';
import { keys } from './query-keys';
import type { EventPage, EventRecord, ReplayStarted, Run, RunPage, RunStatus } from './types';

export interface RunFilter {
  flowId?: string;
  status?: RunStatus | '';
  eventId?: string;
  /** A person's runs: a userId or anonymousId. */
  person?: string;
  /** The runs of one partition key (the flow's settings.partitionKey). */
  key?: string;
}

function query(params: Record<string, string | number | undefined>): string {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    if (value !== undefined && value !== '') search.set(name, String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : '';
}

export function listRuns(filter: RunFilter, cursor?: string): Promise<RunPage> {
  return request(`/runs${query({ ...filter, limit: 50, cursor })}`);
}

export function getRun(id: string): Promise<Run> {
  return request(`/runs/${id}`);
}

export function replayRun(id: string, useCurrentVersion: boolean): Promise<ReplayStarted> {
  return request(`/runs/${id}/replay`, { method: 'POST', body: { useCurrentVersion } });
}

export function cancelRun(id: string): Promise<Run> {
  return request(`/runs/${id}/cancel`, { method: 'POST' });
}

export function getEvent(id: string): Promise<EventRecord> {
  return request(`/events/${id}`);
}

export function listEvents(flowId: string): Promise<EventPage> {
  return request(`/events${query({ flowId, limit: 20 })}`);
}

export function useRuns(filter: RunFilter, enabled = true) {
  return useQuery({
    queryKey: keys.runs({ ...filter, status: filter.status || undefined }),
    queryFn: () => listRuns(filter),
    enabled,
    refetchInterval: 5_000,
  });
}

export function useRun(id: string | null) {
  return useQuery({
    queryKey: keys.run(id ?? ''),
    queryFn: () => getRun(id ?? ''),
    enabled: id !== null,
  });
}

export function useEvent(id: string | null) {
  return useQuery({
    queryKey: keys.event(id ?? ''),
    queryFn: () => getEvent(id ?? ''),
    enabled: id !== null,
    staleTime: Number.POSITIVE_INFINITY,
  });
}

export function useEvents(flowId: string) {
  return useQuery({ queryKey: keys.events(flowId), queryFn: () => listEvents(flowId) });
}
