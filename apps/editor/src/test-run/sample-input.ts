// The test input of each flow (editable JSON), remembered in localStorage between visits.
import { useCallback, useSyncExternalStore } from 'react';
import { useNodeSample } from '../api/node-types';
import type { NodeSample } from '../api/types';
import type { FlowCanvasNode } from '../canvas/node-data';

const PREFIX = 'tributary.testInput.';
const listeners = new Set<() => void>();

const NO_CONFIG: Record<string, unknown> = {};
/** The default before (or without) an example: one value, so memoised users do not recompute. */
const NO_ITEM = {};

/** The flow's default test input, as the trigger's type builds it from the trigger's config. */
export interface DefaultSample {
  item: unknown;
  /** The logged event the item was taken from (a tracking trigger's newest match), or null for an example. */
  from: NodeSample['from'];
  /** False until the item for the current config has arrived (an earlier config's may stand in). */
  ready: boolean;
}

/** The default test input of `trigger`: its type's example item for its config, from the API. */
export function useDefaultSample(trigger: FlowCanvasNode | undefined): DefaultSample {
  const sample = useNodeSample(trigger?.data.type, trigger?.data.config ?? NO_CONFIG);
  return {
    item: sample.data?.item ?? NO_ITEM,
    from: sample.data?.from ?? null,
    ready: !trigger || !(sample.isPending || sample.isPlaceholderData),
  };
}

/** The stored test input text of a flow, or null when none was saved. */
export function readSampleText(flowId: string): string | null {
  try {
    return localStorage.getItem(PREFIX + flowId);
  } catch {
    // storage may be disabled; the default sample is used then
    return null;
  }
}

/** Stores the test input text of a flow. */
export function saveSampleText(flowId: string, text: string): void {
  try {
    localStorage.setItem(PREFIX + flowId, text);
  } catch {
    // storage may be full or disabled; the text only lives in the dialog then
  }
  for (const listener of listeners) listener();
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** The stored test input text of a flow, or null when none was saved. */
export function useSampleText(flowId: string): string | null {
  const snapshot = useCallback(() => readSampleText(flowId), [flowId]);
  return useSyncExternalStore(subscribe, snapshot);
}

/** The test input as a value: the stored JSON when it parses, else the trigger's default. */
export function sampleValue(text: string | null, fallback: unknown): unknown {
  if (text !== null) {
    try {
      return JSON.parse(text);
    } catch {
      // an unfinished edit: fall back to the default
    }
  }
  return fallback;
}
