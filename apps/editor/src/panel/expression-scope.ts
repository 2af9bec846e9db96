// Builds the completion scope of one node from the last run shown: its input, the event, earlier steps.
import type { EventRecord, Step } from '../api/types';
import type { FlowCanvasEdge } from '../canvas/node-data';
import { DEFAULT_PORT } from '../canvas/ports';
import type { CompletionScope } from './completions';

function firstItem(output: Step['output']): unknown {
  if (!output) return undefined;
  const items = Object.values(output).find((list) => Array.isArray(list) && list.length > 0);
  return items?.[0];
}

interface ScopeInput {
  nodeId: string;
  steps: readonly Step[];
  event: EventRecord | undefined;
  edges: readonly FlowCanvasEdge[];
  /** The test input, used before any run has happened. */
  sample: unknown;
  triggerIds: ReadonlySet<string>;
}

/** The scope expressions of `nodeId` would see, as the engine builds it (see the engine's steps/scope.ts). */
export function scopeFor({ nodeId, steps, event, edges, sample, triggerIds }: ScopeInput): CompletionScope {
  const byNode = new Map<string, Step>();
  for (const step of steps) {
    const seen = byNode.get(step.nodeId);
    if (!seen || step.createdAt >= seen.createdAt) byNode.set(step.nodeId, step);
  }
  let json: unknown = byNode.get(nodeId)?.input;
  if (json === undefined) {
    for (const edge of edges.filter((e) => e.target === nodeId)) {
      const upstream = byNode.get(edge.source);
      const port = edge.sourceHandle ?? DEFAULT_PORT;
      json = upstream?.output?.[port]?.[0] ?? (triggerIds.has(edge.source) ? sample : undefined);
      if (json !== undefined) break;
    }
  }
  const stepScope: Record<string, unknown> = {};
  for (const step of byNode.values()) {
    if (step.status !== 'succeeded' || step.nodeId === nodeId) continue;
    const ports = step.output ?? {};
    const items = Object.values(ports).find((list) => list.length > 0) ?? [];
    stepScope[step.name] = { output: firstItem(ports), items, ports, input: step.input };
  }
  const eventScope = event
    ? {
        id: event.id,
        source: event.source,
        type: event.type,
        receivedAt: event.receivedAt,
        payload: event.payload,
      }
    : sample !== undefined
      ? { payload: sample }
      : undefined;
  return { json, event: eventScope, steps: stepScope };
}
