// A strip over the canvas while a run is shown on it: which run, its status, and how to close it.
import { Panel } from '@xyflow/react';
import { X } from 'lucide-react';
import { useCanvas } from '../canvas/store';
import { StatusBadge } from '../ui/status-badge';
import { between, duration, shortId } from '../ui/time';

export function RunBanner() {
  const overlay = useCanvas((s) => s.overlay);
  const closeRun = useCanvas((s) => s.closeRun);
  if (!overlay) return null;
  const run = overlay.run;
  return (
    <Panel position="top-center" className="canvas-banner run-banner" data-testid="run-banner">
      <span>
        {run?.test ? 'Test run' : 'Run'} {shortId(overlay.runId)}
      </span>
      {run ? <StatusBadge status={run.status} /> : <span className="muted">loading…</span>}
      {run?.finishedAt ? (
        <span className="muted">{duration(between(run.startedAt, run.finishedAt))}</span>
      ) : null}
      <button type="button" className="icon-button" aria-label="Close the run view" onClick={closeRun}>
        <X size={14} />
      </button>
    </Panel>
  );
}
