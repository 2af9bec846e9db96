// The run open on the canvas: summary, every step with its duration and attempts, replay and cancel; for
// sub-flows, the run that called this one and the run each calling step started.
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { X } from 'lucide-react';
import { errorMessage } from '../api/client';
import { keys } from '../api/query-keys';
import { cancelRun, replayRun } from '../api/runs';
import { isFinalRun } from '../api/statuses';
import { latestStepByNode, stepCountsDown, stepFacts, stepStatusLabel } from '../canvas/run-status';
import { useCanvas } from '../canvas/store';
import { Link } from '../router/link';
import { StatusBadge } from '../ui/status-badge';
import { between, duration, relativeTime } from '../ui/time';
import { toast } from '../ui/toasts';
import { useNow } from '../ui/use-now';

export function RunDetail({ flowId, onOpen }: { flowId: string; onOpen: (runId: string) => void }) {
  const overlay = useCanvas((s) => s.overlay);
  const closeRun = useCanvas((s) => s.closeRun);
  const selectOnly = useCanvas((s) => s.selectOnly);
  const queryClient = useQueryClient();
  const now = useNow(overlay ? Object.values(overlay.steps).some(stepCountsDown) : false);
  const replay = useMutation({
    mutationFn: (useCurrentVersion: boolean) => replayRun(overlay?.runId ?? '', useCurrentVersion),
    onSuccess: (started) => {
      toast('success', `Replay started (version ${started.version}).`);
      void queryClient.invalidateQueries({ queryKey: keys.runs({ flowId }) });
      onOpen(started.id);
    },
    onError: (err) => toast('error', `Replay failed: ${errorMessage(err)}`),
  });
  const cancel = useMutation({
    mutationFn: () => cancelRun(overlay?.runId ?? ''),
    onSuccess: () => toast('info', 'Run canceled.'),
    onError: (err) => toast('error', `Cancel failed: ${errorMessage(err)}`),
  });
  if (!overlay) return null;
  const run = overlay.run;
  const steps = [...latestStepByNode(overlay.steps).values()].sort((a, b) =>
    a.createdAt < b.createdAt ? -1 : 1,
  );
  const finished = run && isFinalRun(run.status);
  return (
    <section className="run-detail" aria-label="Open run" data-testid="run-detail">
      <header className="run-detail-header">
        <h3>
          {run?.test ? 'Test run' : 'Run'} <code>{overlay.runId}</code>
        </h3>
        <button type="button" className="icon-button" aria-label="Close the run" onClick={closeRun}>
          <X size={16} />
        </button>
      </header>
      {run ? (
        <div className="run-summary">
          <StatusBadge status={run.status} />
          <span>{run.test ? 'draft snapshot' : `version ${run.version}`}</span>
          <span className="muted">started {relativeTime(run.startedAt ?? run.createdAt)}</span>
          <span className="muted">took {duration(between(run.startedAt, run.finishedAt))}</span>
          <span className="muted">
            event <code>{run.eventId}</code>
          </span>
          {run.parentRunId && run.parentFlowId ? (
            <Link href={`/flows/${run.parentFlowId}?run=${run.parentRunId}`} data-testid="parent-run">
              called by run {run.parentRunId.slice(-8)}
            </Link>
          ) : null}
        </div>
      ) : (
        <p className="muted">Loading the run…</p>
      )}
      <ol className="step-list">
        {steps.map((step) => (
          <li key={step.id}>
            <button type="button" className="step-row" onClick={() => selectOnly([step.nodeId])}>
              <span className={`dot dot-${step.status}`} aria-hidden="true" />
              <span className="step-row-name">{step.name}</span>
              <span className="muted">{stepStatusLabel(step.status)}</span>
              <span className="muted" data-testid="step-facts">
                {stepFacts(step, now).join(' · ')}
              </span>
            </button>
            {(run?.children ?? [])
              .filter((child) => child.parentStepId === step.id)
              .map((child) => (
                <Link
                  key={child.id}
                  className="child-run"
                  href={`/flows/${child.flowId}?run=${child.id}`}
                  data-testid="child-run"
                >
                  ↳ {child.flowName}: run {child.id.slice(-8)} ({child.status})
                </Link>
              ))}
          </li>
        ))}
      </ol>
      <div className="button-row">
        <button
          type="button"
          className="button"
          disabled={!finished || replay.isPending}
          onClick={() => replay.mutate(false)}
        >
          Replay
        </button>
        <button
          type="button"
          className="button"
          disabled={!finished || replay.isPending}
          onClick={() => replay.mutate(true)}
        >
          Replay on the current version
        </button>
        {run && !finished ? (
          <button
            type="button"
            className="button button-danger"
            disabled={cancel.isPending}
            onClick={() => cancel.mutate()}
          >
            Cancel run
          </button>
        ) : null}
      </div>
    </section>
  );
}
