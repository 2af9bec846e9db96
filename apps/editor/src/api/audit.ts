// The audit log over HTTP: who changed what and when, newest first, filtered by actor, target or action.
import { useQuery } from '@tanstack/react-query';
import { request } from './client';
import type { AuditPage } from './types';

export interface AuditFilter {
  actor?: string;
  target?: string;
  action?: string;
}

export function listAudit(filter: AuditFilter): Promise<AuditPage> {
  const search = new URLSearchParams({ limit: '100' });
  for (const [name, value] of Object.entries(filter)) if (value) search.set(name, value);
  return request(`/audit?${search.toString()}`);
}

export function useAudit(filter: AuditFilter) {
  return useQuery({ queryKey: ['audit', filter] as const, queryFn: () => listAudit(filter) });
}
