// The event log over HTTP: every event received, newest first, filtered by name, person, source, type or
// whether it breaks its source's tracking plan.
import { keepPreviousData, useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { request } from './client';
import type { EventPage, EventRecord } from './types';

export interface EventLogFilter {
  name?: string;
  person?: string;
  source?: string;
  type?: string;
  /** `only`: just the events flagged for breaking their source's tracking plan. */
  violations?: 'only' | '';
}

export function listEventLog(filter: EventLogFilter, cursor?: string): Promise<EventPage> {
  const search = new URLSearchParams({ limit: '50' });
  for (const [name, value] of Object.entries(filter)) if (value) search.set(name, value);
  if (cursor) search.set('cursor', cursor);
  return request(`/events?${search.toString()}`);
}

export function useEventLog(filter: EventLogFilter) {
  return useInfiniteQuery({
    queryKey: ['event-log', filter] as const,
    queryFn: ({ pageParam }) => listEventLog(filter, pageParam),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    placeholderData: keepPreviousData,
  });
}

export function useEventRecord(id: string | null) {
  return useQuery({
    queryKey: ['event', id] as const,
    queryFn: (): Promise<EventRecord> => request(`/events/${id}`),
    enabled: id !== null,
  });
}
