// Flows over HTTP: list, get, create, save the draft, publish, versions, rollback, deactivate, delete.
import { useQuery } from '@tanstack/react-query';
import { request } from './client';
import { keys } from './query-keys';
import type {
  FlowDefinition,
  FlowListItem,
  FlowVersion,
  FlowView,
  LiveVersion,
  Published,
  TestRunStarted,
} from './types';

export function listFlows(): Promise<{ items: FlowListItem[] }> {
  return request('/flows');
}

export function getFlow(id: string): Promise<FlowView> {
  return request(`/flows/${id}`);
}

/** Creates a flow; drafts with problems are kept (they cannot be published until fixed). */
export function createFlow(definition: unknown): Promise<FlowView> {
  return request('/flows?allowInvalid=true', { method: 'POST', body: definition });
}

/** Replaces the draft; drafts with problems are kept, and the answer lists the problems. */
export function saveDraft(id: string, definition: FlowDefinition, keepalive = false): Promise<FlowView> {
  return request(`/flows/${id}?allowInvalid=true`, { method: 'PUT', body: definition, keepalive });
}

export function deleteFlow(id: string): Promise<void> {
  return request(`/flows/${id}`, { method: 'DELETE' });
}

export function publishFlow(id: string): Promise<Published> {
  return request(`/flows/${id}/publish`, { method: 'POST' });
}

export function listVersions(id: string): Promise<{ items: FlowVersion[] }> {
  return request(`/flows/${id}/versions`);
}

/** Makes an earlier version live again. */
export function rollback(id: string, version: number): Promise<LiveVersion> {
  return request(`/flows/${id}/versions/${version}/publish`, { method: 'POST' });
}

export function deactivateFlow(id: string): Promise<FlowView> {
  return request(`/flows/${id}/deactivate`, { method: 'POST' });
}

/** Starts a run of the current draft with `item` as the trigger's output. */
export function startTestRun(id: string, item: unknown): Promise<TestRunStarted> {
  return request(`/flows/${id}/test-runs`, { method: 'POST', body: { item } });
}

export function useFlows() {
  return useQuery({ queryKey: keys.flows, queryFn: listFlows, refetchInterval: 15_000 });
}

export function useFlow(id: string) {
  return useQuery({ queryKey: keys.flow(id), queryFn: () => getFlow(id) });
}

export function useVersions(id: string) {
  return useQuery({ queryKey: keys.versions(id), queryFn: () => listVersions(id) });
}
