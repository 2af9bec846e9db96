// Backfills over HTTP: a flow's backfills (polled while one runs), starting one, cancelling one.
import { useQuery } from '@tanstack/react-query';
import { request } from './client';
import { keys } from './query-keys';
import type { Backfill, BackfillPage } from './types';

/** What the backfill form sends (POST /flows/{id}/backfill). */
export interface BackfillInput {
  from: string;
  to: string;
  version?: number;
  filter?: { condition: string };
}

export function startBackfill(flowId: string, input: BackfillInput): Promise<Backfill> {
  return request(`/flows/${flowId}/backfill`, { method: 'POST', body: input });
}

export function cancelBackfill(id: string): Promise<Backfill> {
  return request(`/backfills/${id}/cancel`, { method: 'POST' });
}

/** The flow's latest backfills; refreshed every 2 s while one of them is running. */
export function useBackfills(flowId: string) {
  return useQuery({
    queryKey: keys.backfills(flowId),
    queryFn: () => request<BackfillPage>(`/flows/${flowId}/backfills?limit=10`),
    refetchInterval: (query) => (query.state.data?.items.some((b) => b.status === 'running') ? 2_000 : false),
  });
}
