// Published versions: who published each and when, view one read-only, roll back to it, backfill into one.

import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useReactFlow } from '@xyflow/react';
import { errorMessage } from '../api/client';
import { deactivateFlow, rollback, useVersions } from '../api/flows';
import { keys } from '../api/query-keys';
import type { FlowView } from '../api/types';
import { FIT_VIEW } from '../canvas/fit-view';
import { useCanvas } from '../canvas/store';
import { EmptyState, ErrorState, Loading } from '../ui/states';
import { relativeTime } from '../ui/time';
import { toast } from '../ui/toasts';
import { BackfillSection } from './backfill-section';

export function VersionsPanel({ flow, beforeView }: { flow: FlowView; beforeView: () => Promise<boolean> }) {
  const versions = useVersions(flow.id);
  const viewing = useCanvas((s) => s.viewing?.version ?? null);
  const viewVersion = useCanvas((s) => s.viewVersion);
  const leaveCanvasVersion = useCanvas((s) => s.leaveVersion);
  const { fitView } = useReactFlow();
  const fit = () => void fitView(FIT_VIEW);
  const leaveVersion = () => {
    leaveCanvasVersion();
    fit();
  };
  const queryClient = useQueryClient();
  const rollBack = useMutation({
    mutationFn: (version: number) => rollback(flow.id, version),
    onSuccess: (live) => {
      toast('success', `Version ${live.version} is live again.`);
      void queryClient.invalidateQueries({ queryKey: keys.flow(flow.id) });
      void queryClient.invalidateQueries({ queryKey: keys.flows, exact: true });
    },
    onError: (err) => toast('error', `Rollback failed: ${errorMessage(err)}`),
  });

  const deactivate = useMutation({
    mutationFn: () => deactivateFlow(flow.id),
    onSuccess: () => {
      toast(
        'success',
        'Deactivated: the trigger no longer starts runs. Publish or roll back to go live again.',
      );
      void queryClient.invalidateQueries({ queryKey: keys.flow(flow.id) });
      void queryClient.invalidateQueries({ queryKey: keys.flows, exact: true });
    },
    onError: (err) => toast('error', `Could not deactivate: ${errorMessage(err)}`),
  });

  if (versions.isPending) return <Loading label="Loading versions…" />;
  if (versions.isError) return <ErrorState error={versions.error} onRetry={() => void versions.refetch()} />;
  const items = [...versions.data.items].sort((a, b) => b.version - a.version);
  if (items.length === 0) {
    return (
      <EmptyState title="Not published yet">
        Publish the draft to create version 1; its trigger then goes live.
      </EmptyState>
    );
  }
  const view = async (version: number) => {
    const found = items.find((v) => v.version === version);
    if (!found || !(await beforeView())) return;
    viewVersion(version, found.definition);
    fit();
  };
  return (
    <section className="versions-panel" aria-label="Versions">
      {flow.status === 'published' ? (
        <div className="notice version-live">
          <span>Version {flow.activeVersion} is live: its trigger starts runs.</span>
          <button
            type="button"
            className="button button-danger"
            disabled={deactivate.isPending}
            onClick={() => deactivate.mutate()}
          >
            Deactivate
          </button>
        </div>
      ) : (
        <p className="muted">
          {flow.status === 'inactive'
            ? 'The flow is inactive: nothing starts runs. Roll back to a version, or publish, to go live again.'
            : 'Nothing is live yet.'}
        </p>
      )}
      <ul className="version-list">
        {items.map((v) => {
          const live = flow.status === 'published' && flow.activeVersion === v.version;
          return (
            <li key={v.version} className="version-row" data-testid="version-row" data-version={v.version}>
              <div>
                <strong>Version {v.version}</strong>{' '}
                {live ? <span className="badge badge-published">live</span> : null}
                {viewing === v.version ? <span className="badge">viewing</span> : null}
                <div className="muted">
                  {relativeTime(v.createdAt)} · {v.createdBy ?? 'unknown'}
                </div>
              </div>
              <div className="button-row">
                {viewing === v.version ? (
                  <button type="button" className="button" onClick={leaveVersion}>
                    Back to the draft
                  </button>
                ) : (
                  <button type="button" className="button" onClick={() => void view(v.version)}>
                    View
                  </button>
                )}
                <button
                  type="button"
                  className="button"
                  disabled={live || rollBack.isPending}
                  onClick={() => rollBack.mutate(v.version)}
                >
                  {live ? 'Live' : 'Roll back'}
                </button>
              </div>
            </li>
          );
        })}
      </ul>
      <BackfillSection
        flowId={flow.id}
        versions={items.map((v) => v.version)}
        liveVersion={flow.status === 'published' ? flow.activeVersion : null}
      />
    </section>
  );
}
