// Backfill: replay the stored events of a time range into a published version, and follow the flow's backfills
// (progress, cancel). The API checks everything; its problems are shown as they come.

import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { cancelBackfill, startBackfill, useBackfills } from '../api/backfills';
import { ApiError, errorMessage } from '../api/client';
import { keys } from '../api/query-keys';
import type { Backfill } from '../api/types';
import { ErrorState } from '../ui/states';
import { relativeTime } from '../ui/time';
import { toast } from '../ui/toasts';

/** A datetime-local value (local time, minutes) for `at`. */
function localInput(at: Date): string {
  const shifted = new Date(at.getTime() - at.getTimezoneOffset() * 60_000);
  return shifted.toISOString().slice(0, 16);
}

/** An error with the problems the API listed, one per line. */
function problemText(err: unknown): string {
  if (err instanceof ApiError && err.problems.length > 0) {
    return `${err.message}: ${err.problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`;
  }
  return errorMessage(err);
}

function progressText(b: Backfill): string {
  const parts = [
    `${b.scanned}/${b.total} events`,
    `${b.started} runs started`,
    `${b.succeeded} succeeded`,
    `${b.failed} failed`,
  ];
  if (b.open > 0) parts.push(`${b.open} open`);
  if (b.skipped > 0) parts.push(`${b.skipped} skipped`);
  return parts.join(' · ');
}

export function BackfillSection({
  flowId,
  versions,
  liveVersion,
}: {
  flowId: string;
  versions: readonly number[];
  liveVersion: number | null;
}) {
  const backfills = useBackfills(flowId);
  const queryClient = useQueryClient();
  const [from, setFrom] = useState(() => localInput(new Date(Date.now() - 24 * 3_600_000)));
  const [to, setTo] = useState('');
  const [version, setVersion] = useState(String(liveVersion ?? versions[0] ?? ''));
  const [condition, setCondition] = useState('');
  const refresh = () => void queryClient.invalidateQueries({ queryKey: keys.backfills(flowId) });

  const start = useMutation({
    mutationFn: () =>
      startBackfill(flowId, {
        from: new Date(from).toISOString(),
        to: to ? new Date(to).toISOString() : new Date().toISOString(),
        version: Number(version),
        ...(condition.trim() ? { filter: { condition: condition.trim() } } : {}),
      }),
    onSuccess: (started) => {
      toast('success', `Backfill started: ${started.total} events to look at.`);
      refresh();
    },
  });
  const cancel = useMutation({
    mutationFn: (id: string) => cancelBackfill(id),
    onSuccess: () => {
      toast('success', 'Backfill canceled: it starts no more runs; runs it started go on.');
      refresh();
    },
    onError: (err) => toast('error', `Could not cancel: ${errorMessage(err)}`),
  });

  return (
    <section className="backfill-section" aria-label="Backfill">
      <h3>Backfill</h3>
      <p className="muted">
        Replay the events received in a time range into a published version, as new runs. Each event the
        version's trigger takes (and the condition lets through) starts one run, paced by the flow's settings.
      </p>
      <form
        aria-label="Start a backfill"
        onSubmit={(e) => {
          e.preventDefault();
          start.mutate();
        }}
      >
        <div className="grid-2">
          <div className="form-group">
            <label htmlFor="backfill-from">From</label>
            <input
              id="backfill-from"
              type="datetime-local"
              required
              value={from}
              onChange={(e) => setFrom(e.target.value)}
            />
          </div>
          <div className="form-group">
            <label htmlFor="backfill-to">To (empty: now)</label>
            <input
              id="backfill-to"
              type="datetime-local"
              value={to}
              onChange={(e) => setTo(e.target.value)}
            />
          </div>
        </div>
        <div className="form-group">
          <label htmlFor="backfill-version">Version</label>
          <select id="backfill-version" value={version} onChange={(e) => setVersion(e.target.value)}>
            {versions.map((v) => (
              <option key={v} value={v}>
                Version {v}
                {v === liveVersion ? ' (live)' : ''}
              </option>
            ))}
          </select>
        </div>
        <div className="form-group">
          <label htmlFor="backfill-condition">Only events where (optional)</label>
          <input
            id="backfill-condition"
            value={condition}
            maxLength={2000}
            placeholder='e.g. {{ $json.body.plan = "pro" }}'
            onChange={(e) => setCondition(e.target.value)}
          />
        </div>
        {start.error ? (
          <p className="text-danger" role="alert">
            {problemText(start.error)}
          </p>
        ) : null}
        <button type="submit" className="button button-primary" disabled={start.isPending || !from}>
          Start backfill
        </button>
      </form>
      {backfills.isError ? (
        <ErrorState error={backfills.error} onRetry={() => void backfills.refetch()} />
      ) : (
        <ul className="version-list" aria-label="Backfills">
          {(backfills.data?.items ?? []).map((b) => (
            <li key={b.id} className="version-row" data-testid="backfill-row" data-status={b.status}>
              <div>
                <strong>Version {b.version}</strong> <span className="badge">{b.status}</span>
                <div className="muted">
                  {relativeTime(b.createdAt)} · {new Date(b.from).toLocaleString()} –{' '}
                  {new Date(b.to).toLocaleString()}
                </div>
                <div data-testid="backfill-progress">{progressText(b)}</div>
                {b.error ? <div className="text-danger">{b.error}</div> : null}
              </div>
              {b.status === 'running' ? (
                <button
                  type="button"
                  className="button"
                  disabled={cancel.isPending}
                  onClick={() => cancel.mutate(b.id)}
                >
                  Cancel
                </button>
              ) : null}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
