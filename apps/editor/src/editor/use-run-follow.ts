// Keeps the run overlay up to date: follows the open run's stream until it ends.
import { useQueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';
import { keys } from '../api/query-keys';
import { followRun } from '../api/run-stream';
import { useCanvas } from '../canvas/store';
import { toast } from '../ui/toasts';

export function useRunFollow(): void {
  const runId = useCanvas((s) => s.overlay?.runId ?? null);
  const live = useCanvas((s) => s.overlay?.live ?? false);
  const queryClient = useQueryClient();
  useEffect(() => {
    if (!runId || !live) return;
    const canvas = useCanvas.getState();
    let reported = false;
    return followRun(runId, {
      onRun: canvas.setRun,
      onStep: canvas.upsertStep,
      onEnd: () => {
        useCanvas.getState().endRun();
        void queryClient.invalidateQueries({ queryKey: keys.allRuns });
        void queryClient.invalidateQueries({ queryKey: keys.run(runId) });
        void queryClient.invalidateQueries({ queryKey: keys.allDeadLetters });
        void queryClient.invalidateQueries({ queryKey: keys.allDeadLetterGroups });
      },
      onError: (message) => {
        if (reported) return;
        reported = true;
        toast('error', `Lost track of the run: ${message}`);
      },
    });
  }, [runId, live, queryClient]);
}
