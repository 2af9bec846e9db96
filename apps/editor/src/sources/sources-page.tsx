// The sources page, for the people who send tracking events: each source with its status, key prefix and
// last event; create one (its write key shown once, with a snippet for Segment's SDKs), rotate a key (the
// new one shown once; the old one stops at once), disable and enable; open a source's tracking plan.
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { ListChecks, Plus, RotateCw } from 'lucide-react';
import { useState } from 'react';
import { errorMessage } from '../api/client';
import { keys } from '../api/query-keys';
import { createSource, rotateSource, setSourceEnabled, useSources } from '../api/sources';
import type { Source, SourceWithWriteKey } from '../api/types';
import { CopyButton } from '../ui/copy-button';
import { EmptyState, ErrorState, Loading } from '../ui/states';
import { relativeTime } from '../ui/time';
import { toast } from '../ui/toasts';
import { TrackingPlan } from './tracking-plan';

/** The write key a create or rotate just answered: shown until dismissed, never fetched again. */
function NewKey({ source, onDone }: { source: SourceWithWriteKey; onDone: () => void }) {
  const host = window.location.origin;
  const snippet = `new Analytics({ writeKey: '${source.writeKey}', host: '${host}' })`;
  return (
    <section
      className="notice notice-success new-write-key"
      aria-label="New write key"
      data-testid="new-write-key"
    >
      <p>
        The write key of <strong>{source.name}</strong>. Copy it now: it is not shown again (rotate to get a
        new one).
      </p>
      <div className="webhook-url-row">
        <code data-testid="write-key">{source.writeKey}</code>
        <CopyButton text={source.writeKey} label="Copy the write key" />
      </div>
      <p className="muted">
        With Segment's Node SDK (<code>@segment/analytics-node</code>), or any Segment SDK pointed at this
        host:
      </p>
      <div className="webhook-url-row">
        <code>{snippet}</code>
        <CopyButton text={snippet} label="Copy the snippet" />
      </div>
      <button type="button" className="button" onClick={onDone}>
        I have copied it
      </button>
    </section>
  );
}

export function SourcesPage() {
  const sources = useSources();
  const queryClient = useQueryClient();
  const [name, setName] = useState('');
  const [shown, setShown] = useState<SourceWithWriteKey | null>(null);
  const [planOf, setPlanOf] = useState<string | null>(null);
  const refresh = () => void queryClient.invalidateQueries({ queryKey: keys.sources });

  const create = useMutation({
    mutationFn: (sourceName: string) => createSource(sourceName),
    onSuccess: (source) => {
      setShown(source);
      setName('');
      refresh();
    },
    onError: (err) => toast('error', `Could not create the source: ${errorMessage(err)}`),
  });
  const rotate = useMutation({
    mutationFn: (source: Source) => rotateSource(source.id),
    onSuccess: (source) => {
      setShown(source);
      refresh();
    },
    onError: (err) => toast('error', `Could not rotate the key: ${errorMessage(err)}`),
  });
  const toggle = useMutation({
    mutationFn: ({ source, enabled }: { source: Source; enabled: boolean }) =>
      setSourceEnabled(source.id, enabled),
    onSuccess: (source) => {
      toast('success', `“${source.name}” is ${source.status === 'active' ? 'enabled' : 'disabled'}.`);
      refresh();
    },
    onError: (err) => toast('error', `Could not change the source: ${errorMessage(err)}`),
  });

  const items = sources.data?.items ?? [];
  const planned = items.find((s) => s.id === planOf);
  return (
    <div className="page sources-page">
      <div className="page-header">
        <h1>Sources</h1>
      </div>
      <p className="muted">
        Where tracking events come from — a website, an app, a backend. Each has a write key that Segment's
        SDKs send; events go to <code>/v1/track</code>, <code>/v1/identify</code>, <code>/v1/batch</code> and
        the rest.
      </p>
      <form
        className="filters"
        aria-label="Create a source"
        onSubmit={(e) => {
          e.preventDefault();
          if (name.trim()) create.mutate(name.trim());
        }}
      >
        <label htmlFor="new-source-name">New source</label>
        <input
          id="new-source-name"
          value={name}
          maxLength={200}
          placeholder="e.g. Marketing site"
          onChange={(e) => setName(e.target.value)}
        />
        <button type="submit" className="button button-primary" disabled={create.isPending || !name.trim()}>
          <Plus size={14} /> Create
        </button>
      </form>
      {shown ? <NewKey source={shown} onDone={() => setShown(null)} /> : null}
      {sources.isPending ? <Loading label="Loading sources…" /> : null}
      {sources.isError ? <ErrorState error={sources.error} onRetry={() => void sources.refetch()} /> : null}
      {sources.data && items.length === 0 ? (
        <EmptyState title="No sources yet">Create one to get a write key for your SDK.</EmptyState>
      ) : null}
      {items.length > 0 ? (
        <table className="flow-table source-table">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Status</th>
              <th scope="col">Write key</th>
              <th scope="col">Last event</th>
              <th scope="col">
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {items.map((source) => (
              <tr key={source.id} data-testid="source-row" data-source-id={source.id}>
                <td>
                  {source.name}
                  <div className="muted">
                    id <code>{source.id}</code>
                  </div>
                </td>
                <td>
                  <span className={`badge badge-${source.status === 'active' ? 'published' : 'draft'}`}>
                    {source.status}
                  </span>
                  {source.planMode !== 'off' ? <div className="muted">plan: {source.planMode}</div> : null}
                </td>
                <td>
                  <code>{source.writeKeyPrefix}…</code>
                  <div className="muted">
                    {source.rotatedAt
                      ? `rotated ${relativeTime(source.rotatedAt)}`
                      : `since ${relativeTime(source.createdAt)}`}
                  </div>
                </td>
                <td data-testid="source-last-event">
                  {source.lastEventAt ? (
                    relativeTime(source.lastEventAt)
                  ) : (
                    <span className="muted">none yet</span>
                  )}
                </td>
                <td className="row-actions">
                  <button
                    type="button"
                    className="button button-quiet"
                    aria-expanded={planOf === source.id}
                    onClick={() => setPlanOf(planOf === source.id ? null : source.id)}
                  >
                    <ListChecks size={14} /> Tracking plan of {source.name}
                  </button>
                  <button
                    type="button"
                    className="button button-quiet"
                    aria-label={`Rotate the write key of ${source.name}`}
                    disabled={rotate.isPending}
                    onClick={() => {
                      const ask = `Rotate the write key of “${source.name}”? The old key stops working at once.`;
                      if (window.confirm(ask)) rotate.mutate(source);
                    }}
                  >
                    <RotateCw size={14} /> Rotate key
                  </button>
                  <button
                    type="button"
                    className="button button-quiet"
                    disabled={toggle.isPending}
                    onClick={() => toggle.mutate({ source, enabled: source.status !== 'active' })}
                  >
                    {source.status === 'active' ? `Disable ${source.name}` : `Enable ${source.name}`}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      {planned ? <TrackingPlan key={planned.id} source={planned} /> : null}
    </div>
  );
}
