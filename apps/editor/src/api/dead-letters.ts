// Dead letters over HTTP: lists, groups by error signature, redrive one or many.
import { useQuery } from '@tanstack/react-query';
import { request } from './client';
import { keys } from './query-keys';
import type {
  DeadLetterGroupList,
  DeadLetterPage,
  DeadLetterStatus,
  RedriveManyAnswer,
  RedriveStarted,
} from './types';

export interface DeadLetterFilter {
  flowId?: string;
  status?: DeadLetterStatus;
}

function query(filter: DeadLetterFilter, limit?: number): string {
  const search = new URLSearchParams();
  if (filter.flowId) search.set('flowId', filter.flowId);
  if (filter.status) search.set('status', filter.status);
  if (limit) search.set('limit', String(limit));
  const text = search.toString();
  return text ? `?${text}` : '';
}

export function listDeadLetters(filter: DeadLetterFilter): Promise<DeadLetterPage> {
  return request(`/dead-letters${query(filter, 500)}`);
}

export function listDeadLetterGroups(filter: DeadLetterFilter): Promise<DeadLetterGroupList> {
  return request(`/dead-letters/groups${query(filter)}`);
}

/** Redrives one dead letter, optionally with an edited input or on the flow's current version. */
export function redriveOne(
  id: string,
  options: { input?: unknown; useCurrentVersion?: boolean },
): Promise<RedriveStarted> {
  return request(`/dead-letters/${id}/redrive`, { method: 'POST', body: options });
}

/** Redrives a selection or a whole group. */
export function redriveMany(ids: string[], useCurrentVersion: boolean): Promise<RedriveManyAnswer> {
  return request('/dead-letters/redrive', { method: 'POST', body: { ids, useCurrentVersion } });
}

export function useDeadLetters(filter: DeadLetterFilter) {
  return useQuery({
    queryKey: keys.deadLetters(filter),
    queryFn: () => listDeadLetters(filter),
    refetchInterval: 5_000,
  });
}

export function useDeadLetterGroups(filter: DeadLetterFilter) {
  return useQuery({
    queryKey: keys.deadLetterGroups(filter),
    queryFn: () => listDeadLetterGroups(filter),
    refetchInterval: 5_000,
  });
}
