// Undo/redo stacks of canvas snapshots (pure): push clears redo, undo and redo move one snapshot across.
import type { Snapshot } from './node-data';

export const HISTORY_LIMIT = 100;

export interface History {
  past: Snapshot[];
  future: Snapshot[];
}

/** Records `current` before a change. */
export function record(history: History, current: Snapshot): History {
  return { past: [...history.past.slice(-(HISTORY_LIMIT - 1)), current], future: [] };
}

/** Steps back: returns the snapshot to show and the new stacks, or null when there is nothing to undo. */
export function undo(history: History, current: Snapshot): { snapshot: Snapshot; history: History } | null {
  const snapshot = history.past.at(-1);
  if (!snapshot) return null;
  return { snapshot, history: { past: history.past.slice(0, -1), future: [current, ...history.future] } };
}

/** Steps forward again after an undo. */
export function redo(history: History, current: Snapshot): { snapshot: Snapshot; history: History } | null {
  const [snapshot, ...rest] = history.future;
  if (!snapshot) return null;
  return { snapshot, history: { past: [...history.past, current], future: rest } };
}
