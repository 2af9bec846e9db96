// Redrives a dead step from the run overlay: finds its dead letter and runs the step again.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { RotateCcw } from 'lucide-react';
import { errorMessage } from '../api/client';
import { listDeadLetters, redriveOne } from '../api/dead-letters';
import { keys } from '../api/query-keys';
import type { Step } from '../api/types';
import { toast } from '../ui/toasts';

interface StepRedriveProps {
  flowId: string;
  step: Step;
  onRedriven: (runId: string) => void;
}

export function StepRedrive({ flowId, step, onRedriven }: StepRedriveProps) {
  const queryClient = useQueryClient();
  const letters = useQuery({
    queryKey: keys.deadLetters({ flowId, status: 'pending' }),
    queryFn: () => listDeadLetters({ flowId, status: 'pending' }),
  });
  const letter = letters.data?.items.find((l) => l.stepId === step.id);
  const redrive = useMutation({
    mutationFn: (useCurrentVersion: boolean) => redriveOne(letter?.id ?? '', { useCurrentVersion }),
    onSuccess: (result) => {
      toast('success', 'Step redriven: the run resumes from here.');
      void queryClient.invalidateQueries({ queryKey: keys.allDeadLetters });
      void queryClient.invalidateQueries({ queryKey: keys.allDeadLetterGroups });
      onRedriven(result.runId);
    },
    onError: (err) => toast('error', `Redrive failed: ${errorMessage(err)}`),
  });
  if (letters.isPending) return <p className="muted">Looking for the dead letter…</p>;
  if (!letter) return <p className="muted">No pending dead letter for this step (already redriven?).</p>;
  return (
    <div className="button-row">
      <button
        type="button"
        className="button button-primary"
        disabled={redrive.isPending}
        onClick={() => redrive.mutate(false)}
      >
        <RotateCcw size={14} /> Retry this step
      </button>
      <button
        type="button"
        className="button"
        disabled={redrive.isPending}
        onClick={() => redrive.mutate(true)}
      >
        Retry on the current version
      </button>
    </div>
  );
}
