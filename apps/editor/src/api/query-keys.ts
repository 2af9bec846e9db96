// TanStack Query keys, in one place so invalidation matches what was fetched.
export const keys = {
  nodeTypes: ['node-types'] as const,
  nodeSample: (type: string, config: Record<string, unknown>) => ['node-sample', type, config] as const,
  flows: ['flows'] as const,
  flow: (id: string) => ['flows', id] as const,
  versions: (flowId: string) => ['flows', flowId, 'versions'] as const,
  backfills: (flowId: string) => ['flows', flowId, 'backfills'] as const,
  runs: (filter: { flowId?: string; status?: string; eventId?: string; person?: string; key?: string }) =>
    ['runs', filter] as const,
  allRuns: ['runs'] as const,
  run: (id: string) => ['run', id] as const,
  event: (id: string) => ['event', id] as const,
  events: (flowId: string) => ['events', flowId] as const,
  deadLetters: (filter: { flowId?: string; status?: string; tests?: string }) =>
    ['dead-letters', filter] as const,
  deadLetterGroups: (filter: { flowId?: string; status?: string; tests?: string }) =>
    ['dead-letter-groups', filter] as const,
  allDeadLetters: ['dead-letters'] as const,
  allDeadLetterGroups: ['dead-letter-groups'] as const,
  credentials: ['credentials'] as const,
  sources: ['sources'] as const,
  eventSchemas: (sourceId: string) => ['sources', sourceId, 'schemas'] as const,
  variables: ['variables'] as const,
  frequencyCaps: ['frequency-caps'] as const,
  credential: (id: string) => ['credentials', id] as const,
  credentialTypes: ['credential-types'] as const,
};
