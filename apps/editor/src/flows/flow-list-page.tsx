// The flow list: status, last run and error rate per flow; create, rename, duplicate, delete, import, export.
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Copy, Download, Pencil, Plus, Trash2, Upload } from 'lucide-react';
import { type ChangeEvent, useRef, useState } from 'react';
import { errorMessage } from '../api/client';
import { createFlow, deleteFlow, getFlow, saveDraft, useFlows } from '../api/flows';
import { keys } from '../api/query-keys';
import type { FlowListItem } from '../api/types';
import { Link } from '../router/link';
import { navigate } from '../router/route';
import { Dialog } from '../ui/dialog';
import { EmptyState, ErrorState, Loading } from '../ui/states';
import { StatusBadge } from '../ui/status-badge';
import { relativeTime } from '../ui/time';
import { toast } from '../ui/toasts';
import { downloadDefinition } from './export-flow';
import { copyOf, freeSlug, parseFlowFile, slugify } from './import-flow';
import { NewFlowDialog } from './new-flow-dialog';
import { RenameDialog } from './rename-dialog';

function statusLabel(flow: FlowListItem): string {
  return flow.status === 'published' ? `published v${flow.activeVersion ?? '?'}` : flow.status;
}

function errorRate(flow: FlowListItem): string {
  const stats = flow.stats;
  if (!stats || stats.runs24h === 0) return '—';
  return `${Math.round((stats.failed24h / stats.runs24h) * 100)} %`;
}

export function FlowListPage() {
  const flows = useFlows();
  const queryClient = useQueryClient();
  const fileInput = useRef<HTMLInputElement>(null);
  const [creating, setCreating] = useState(false);
  const [renaming, setRenaming] = useState<FlowListItem | null>(null);
  const [deleting, setDeleting] = useState<FlowListItem | null>(null);
  const items = flows.data?.items ?? [];
  const refresh = () => queryClient.invalidateQueries({ queryKey: keys.flows, exact: true });

  const create = useMutation({
    mutationFn: ({ name, slug }: { name: string; slug: string }) =>
      createFlow({ name, slug, description: '', nodes: [], edges: [] }),
    onSuccess: (flow) => {
      setCreating(false);
      void refresh();
      void navigate(`/flows/${flow.id}`);
    },
  });

  const rename = useMutation({
    mutationFn: async ({ id, name }: { id: string; name: string }) => {
      const flow = await getFlow(id);
      return saveDraft(id, { ...flow.draft, name });
    },
    onSuccess: (flow) => {
      setRenaming(null);
      toast('success', `Renamed to “${flow.name}”.`);
      void refresh();
    },
  });

  const duplicate = useMutation({
    mutationFn: async (source: FlowListItem) => {
      const flow = await getFlow(source.id);
      return createFlow({ ...flow.draft, ...copyOf(flow.name, flow.slug, items) });
    },
    onSuccess: (flow) => {
      toast('success', `Duplicated as “${flow.name}”.`);
      void refresh();
    },
    onError: (err) => toast('error', `Could not duplicate: ${errorMessage(err)}`),
  });

  const remove = useMutation({
    mutationFn: (id: string) => deleteFlow(id),
    onSuccess: () => {
      setDeleting(null);
      toast('success', 'Flow deleted. Its run history stays.');
      void refresh();
    },
    onError: (err) => toast('error', `Could not delete: ${errorMessage(err)}`),
  });

  const importFile = useMutation({
    mutationFn: async (file: File) => {
      const definition = parseFlowFile(await file.text());
      const name = typeof definition.name === 'string' && definition.name ? definition.name : file.name;
      const slug = typeof definition.slug === 'string' && definition.slug ? definition.slug : slugify(name);
      return createFlow({ ...definition, name, slug: freeSlug(slug, items) });
    },
    onSuccess: (flow) => {
      toast('success', `Imported “${flow.name}” (${flow.slug}).`);
      void refresh();
    },
    onError: (err) => toast('error', `Import failed: ${errorMessage(err)}`),
  });

  const onFile = (event: ChangeEvent<HTMLInputElement>) => {
    const file = event.target.files?.[0];
    event.target.value = '';
    if (file) importFile.mutate(file);
  };

  return (
    <div className="page flow-list-page">
      <div className="page-header">
        <h1>Flows</h1>
        <div className="button-row">
          <button type="button" className="button" onClick={() => fileInput.current?.click()}>
            <Upload size={14} /> Import JSON
          </button>
          <input
            ref={fileInput}
            type="file"
            accept="application/json,.json"
            className="sr-only"
            aria-label="Import a flow from a JSON file"
            data-testid="import-input"
            onChange={onFile}
          />
          <button type="button" className="button button-primary" onClick={() => setCreating(true)}>
            <Plus size={14} /> New flow
          </button>
        </div>
      </div>
      {flows.isPending ? <Loading label="Loading flows…" /> : null}
      {flows.isError ? <ErrorState error={flows.error} onRetry={() => void flows.refetch()} /> : null}
      {flows.data && items.length === 0 ? (
        <EmptyState title="No flows yet">
          Create one with <strong>New flow</strong>, or import a flow exported as JSON.
        </EmptyState>
      ) : null}
      {items.length > 0 ? (
        <table className="flow-table">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Status</th>
              <th scope="col">Last run</th>
              <th scope="col">Runs (24 h)</th>
              <th scope="col">Error rate</th>
              <th scope="col">
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {items.map((flow) => (
              <tr key={flow.id} data-testid="flow-row" data-flow-slug={flow.slug}>
                <td>
                  <Link href={`/flows/${flow.id}`} className="flow-link">
                    {flow.name}
                  </Link>
                  <div className="muted">
                    {flow.slug}
                    {flow.problems.length > 0 ? ` · ${flow.problems.length} problem(s)` : ''}
                  </div>
                </td>
                <td>
                  <StatusBadge status={flow.status} label={statusLabel(flow)} />
                </td>
                <td>
                  {flow.stats?.lastRunStatus ? (
                    <span className="last-run">
                      <span className={`dot dot-${flow.stats.lastRunStatus}`} aria-hidden="true" />
                      {flow.stats.lastRunStatus} · {relativeTime(flow.stats.lastRunAt)}
                    </span>
                  ) : (
                    <span className="muted">never</span>
                  )}
                </td>
                <td>{flow.stats?.runs24h ?? 0}</td>
                <td>{errorRate(flow)}</td>
                <td className="row-actions">
                  <button
                    type="button"
                    className="icon-button"
                    aria-label={`Rename ${flow.name}`}
                    title="Rename"
                    onClick={() => setRenaming(flow)}
                  >
                    <Pencil size={14} />
                  </button>
                  <button
                    type="button"
                    className="icon-button"
                    aria-label={`Duplicate ${flow.name}`}
                    title="Duplicate"
                    disabled={duplicate.isPending}
                    onClick={() => duplicate.mutate(flow)}
                  >
                    <Copy size={14} />
                  </button>
                  <button
                    type="button"
                    className="icon-button"
                    aria-label={`Export ${flow.name}`}
                    title="Export JSON"
                    onClick={() => downloadDefinition(flow.draft)}
                  >
                    <Download size={14} />
                  </button>
                  <button
                    type="button"
                    className="icon-button"
                    aria-label={`Delete ${flow.name}`}
                    title="Delete"
                    onClick={() => setDeleting(flow)}
                  >
                    <Trash2 size={14} />
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      <NewFlowDialog
        open={creating}
        busy={create.isPending}
        error={create.error ? errorMessage(create.error) : null}
        onClose={() => {
          setCreating(false);
          create.reset();
        }}
        onCreate={(name, slug) => create.mutate({ name, slug })}
      />
      <RenameDialog
        current={renaming?.name ?? null}
        busy={rename.isPending}
        error={rename.error ? errorMessage(rename.error) : null}
        onClose={() => {
          setRenaming(null);
          rename.reset();
        }}
        onRename={(name) => renaming && rename.mutate({ id: renaming.id, name })}
      />
      <Dialog open={deleting !== null} title="Delete flow" onClose={() => setDeleting(null)}>
        <p>Delete “{deleting?.name}”? Its trigger stops at once; its runs and events stay in the history.</p>
        <div className="dialog-actions">
          <button type="button" className="button" onClick={() => setDeleting(null)}>
            Cancel
          </button>
          <button
            type="button"
            className="button button-danger"
            disabled={remove.isPending}
            onClick={() => deleting && remove.mutate(deleting.id)}
          >
            Delete
          </button>
        </div>
      </Dialog>
    </div>
  );
}
