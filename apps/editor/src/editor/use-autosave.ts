// Autosave of the draft: saves a moment after each change, one request at a time, and reports its state.
import { useQueryClient } from '@tanstack/react-query';
import { useCallback, useEffect, useRef, useState } from 'react';
import { ApiError, errorMessage } from '../api/client';
import { saveDraft } from '../api/flows';
import { keys } from '../api/query-keys';
import { currentDefinition, useCanvas } from '../canvas/store';
import { clearBackup, writeBackup } from './draft-backup';

export type SaveState =
  | { kind: 'saved' }
  | { kind: 'pending' }
  | { kind: 'saving' }
  | { kind: 'error'; message: string; unreachable: boolean };

const DEBOUNCE_MS = 700;
const MAX_WAIT_MS = 2500;
const RETRY_UNREACHABLE_MS = 5000;

export interface Autosave {
  state: SaveState;
  /** Saves now if anything changed; resolves false when the API refused or could not be reached. */
  flush: () => Promise<boolean>;
}

export function useAutosave(flowId: string): Autosave {
  const queryClient = useQueryClient();
  const revision = useCanvas((s) => s.revision);
  const savedRevision = useCanvas((s) => s.savedRevision);
  const [state, setState] = useState<SaveState>({ kind: 'saved' });
  const inFlight = useRef<Promise<boolean> | null>(null);

  const saveOnce = useCallback(async (): Promise<boolean> => {
    const canvas = useCanvas.getState();
    if (canvas.viewing || canvas.flowId !== flowId) return true;
    if (canvas.revision === canvas.savedRevision) return true;
    const sent = canvas.revision;
    setState({ kind: 'saving' });
    try {
      const definition = currentDefinition(canvas);
      let flow: Awaited<ReturnType<typeof saveDraft>>;
      try {
        flow = await saveDraft(flowId, definition);
      } catch (err) {
        writeBackup(flowId, definition);
        throw err;
      }
      canvas.markSaved(sent, flow.problems);
      if (useCanvas.getState().revision === sent) clearBackup(flowId);
      queryClient.setQueryData(keys.flow(flowId), flow);
      void queryClient.invalidateQueries({ queryKey: keys.flows, exact: true });
      const now = useCanvas.getState();
      setState(now.revision === now.savedRevision ? { kind: 'saved' } : { kind: 'pending' });
      return true;
    } catch (err) {
      const unreachable = err instanceof ApiError && err.unreachable;
      if (err instanceof ApiError && err.problems.length > 0) canvas.setProblems(err.problems);
      setState({ kind: 'error', message: errorMessage(err), unreachable });
      return false;
    }
  }, [flowId, queryClient]);

  const flush = useCallback(async (): Promise<boolean> => {
    while (inFlight.current) await inFlight.current;
    const attempt = saveOnce();
    inFlight.current = attempt;
    try {
      return await attempt;
    } finally {
      inFlight.current = null;
    }
  }, [saveOnce]);

  const dirtySince = useRef<number | null>(null);
  useEffect(() => {
    if (revision === savedRevision) {
      dirtySince.current = null;
      return;
    }
    setState((s) => (s.kind === 'saving' ? s : { kind: 'pending' }));
    // wait for a pause in typing, but never longer than MAX_WAIT_MS after the first unsaved change
    const now = Date.now();
    dirtySince.current ??= now;
    const delay = Math.max(0, Math.min(DEBOUNCE_MS, dirtySince.current + MAX_WAIT_MS - now));
    const timer = setTimeout(() => {
      dirtySince.current = null;
      void flush();
    }, delay);
    return () => clearTimeout(timer);
  }, [revision, savedRevision, flush]);

  useEffect(() => {
    if (state.kind !== 'error' || !state.unreachable) return;
    const timer = setTimeout(() => void flush(), RETRY_UNREACHABLE_MS);
    return () => clearTimeout(timer);
  }, [state, flush]);

  return { state, flush };
}
