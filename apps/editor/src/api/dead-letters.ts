// Dead letters over HTTP: lists, groups by error signature, redrive or discard one or many.
import { useQuery } from '@tanstack/react-query';
import { request } from './client';
import { keys } from './query-keys';
import type {
  DeadLetterGroupList,
  DeadLetterPage,
  DeadLetterStatus,
  DiscardManyAnswer,
  RedriveManyAnswer,
  RedriveStarted,
} from './types';

export interface DeadLetterFilter {
  flowId?: string;
  status?: DeadLetterStatus;
  /** Failures of test runs of a draft: left out unless included. */
  tests?: 'exclude' | 'include';
}

function query(filter: DeadLetterFilter, limit?: number): string {
  const search = new URLSearchParams();
  if (filter.flowId) search.set('flowId', filter.flowId);
  if (filter.status) search.set('status', filter.status);
  if (filter.tests) search.set('tests', filter.tests);
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

/** Discards a selection or a whole group, with the reason kept in the audit log. */
export function discardMany(ids: string[], reason: string): Promise<DiscardManyAnswer> {
  return request('/dead-letters/discard', { method: 'POST', body: { ids, reason } });
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
