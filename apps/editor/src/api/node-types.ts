// The node catalogue (GET /node-types), fetched once per session and indexed by type; example items by config.
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { request } from './client';
import { keys } from './query-keys';
import type { NodeSample, NodeTypeInfo, NodeTypeList } from './types';

export type NodeCatalogue = ReadonlyMap<string, NodeTypeInfo>;

async function fetchCatalogue(): Promise<NodeCatalogue> {
  const { items } = await request<NodeTypeList>('/node-types');
  return new Map(items.map((item) => [item.type, item]));
}

export function useNodeTypes() {
  return useQuery({ queryKey: keys.nodeTypes, queryFn: fetchCatalogue, staleTime: Number.POSITIVE_INFINITY });
}

/** The example item a node type emits for `config`: a trigger's default test input. */
export function fetchNodeSample(type: string, config: Record<string, unknown>): Promise<NodeSample> {
  return request(`/node-types/${encodeURIComponent(type)}/sample`, { method: 'POST', body: { config } });
}

/** The example item of `type` for `config`, kept while the next config's is fetched; off without a type. */
export function useNodeSample(type: string | undefined, config: Record<string, unknown>) {
  return useQuery({
    queryKey: keys.nodeSample(type ?? '', config),
    queryFn: () => fetchNodeSample(type ?? '', config),
    enabled: type !== undefined,
    staleTime: Number.POSITIVE_INFINITY,
    placeholderData: keepPreviousData,
  });
}
