// The test input of each flow (editable JSON), remembered in localStorage between visits.
import { useCallback, useSyncExternalStore } from 'react';
import type { FlowCanvasNode } from '../canvas/node-data';

const PREFIX = 'tributary.testInput.';
const listeners = new Set<() => void>();

/** A starting test input for the flow's trigger. */
export function defaultSample(trigger: FlowCanvasNode | undefined): unknown {
  const config = trigger?.data.config ?? {};
  switch (trigger?.data.type) {
    case 'trigger.webhook':
      return {
        body: { email: 'ada@example.com', plan: 'pro' },
        headers: { 'content-type': 'application/json' },
        query: {},
        method: typeof config.method === 'string' && config.method !== 'ANY' ? config.method : 'POST',
        path: typeof config.path === 'string' ? config.path : '',
      };
    case 'trigger.manual':
      return config.sample ?? { email: 'ada@example.com' };
    case 'trigger.tracking':
      return { type: 'track', event: 'Signed Up', userId: 'user-1', properties: { plan: 'pro' } };
    case 'trigger.schedule':
      return { firedAt: new Date().toISOString(), scheduledFor: new Date().toISOString() };
    default:
      return {};
  }
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

/** The test input as a value: the stored JSON when it parses, else the default for the trigger. */
export function sampleValue(text: string | null, trigger: FlowCanvasNode | undefined): unknown {
  if (text !== null) {
    try {
      return JSON.parse(text);
    } catch {
      // an unfinished edit: fall back to the default
    }
  }
  return defaultSample(trigger);
}
