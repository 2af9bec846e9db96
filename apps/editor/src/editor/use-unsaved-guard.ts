// Unsaved-changes guard: saves before leaving the editor, asks when that fails, and warns on closing the tab.
import { useEffect } from 'react';
import { saveDraft } from '../api/flows';
import { currentDefinition, useCanvas } from '../canvas/store';
import { setNavigationGuard } from '../router/route';
import { writeBackup } from './draft-backup';

function dirty(): boolean {
  const s = useCanvas.getState();
  return s.viewing === null && s.flowId !== null && s.revision !== s.savedRevision;
}

export function useUnsavedGuard(flowId: string, flush: () => Promise<boolean>): void {
  useEffect(() => {
    const removeGuard = setNavigationGuard(async () => {
      if (!dirty()) return true;
      if (await flush()) return true;
      return window.confirm('Your latest changes could not be saved. Leave this flow anyway?');
    });
    const onBeforeUnload = (event: BeforeUnloadEvent) => {
      if (!dirty()) return;
      writeBackup(flowId, currentDefinition());
      event.preventDefault();
    };
    window.addEventListener('beforeunload', onBeforeUnload);
    return () => {
      removeGuard();
      window.removeEventListener('beforeunload', onBeforeUnload);
      // leaving by the browser's back button skips the guard: send what is unsaved on the way out
      const state = useCanvas.getState();
      if (dirty() && state.flowId === flowId) {
        writeBackup(flowId, currentDefinition(state));
        void saveDraft(flowId, currentDefinition(state), true).catch(() => {
          // best effort only; the page is gone and cannot show the error
        });
      }
    };
  }, [flowId, flush]);
}
