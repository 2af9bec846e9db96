// The node catalogue (GET /node-types), fetched once per session and indexed by type.
import { useQuery } from '@tanstack/react-query';
import { request } from './client';
import { keys } from './query-keys';
import type { NodeTypeInfo, NodeTypeList } from './types';

export type NodeCatalogue = ReadonlyMap<string, NodeTypeInfo>;

async function fetchCatalogue(): Promise<NodeCatalogue> {
  const { items } = await request<NodeTypeList>('/node-types');
  return new Map(items.map((item) => [item.type, item]));
}

export function useNodeTypes() {
  return useQuery({ queryKey: keys.nodeTypes, queryFn: fetchCatalogue, staleTime: Number.POSITIVE_INFINITY });
}
