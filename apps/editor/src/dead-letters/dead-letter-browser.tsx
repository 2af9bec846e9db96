// Dead letters grouped by error signature: counts, inspect, select, redrive one, a selection or a group.
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { ChevronDown, ChevronRight } from 'lucide-react';
import { useMemo, useState } from 'react';
import { errorMessage } from '../api/client';
import { redriveMany, useDeadLetterGroups, useDeadLetters } from '../api/dead-letters';
import { keys } from '../api/query-keys';
import { DEAD_LETTER_STATUSES, statusNamed } from '../api/statuses';
import type { DeadLetter, DeadLetterGroup, DeadLetterStatus, RedriveResult } from '../api/types';
import { EmptyState, ErrorState, Loading } from '../ui/states';
import { relativeTime, shortId } from '../ui/time';
import { toast } from '../ui/toasts';
import { DeadLetterDetail } from './dead-letter-detail';

interface DeadLetterBrowserProps {
  /** Only this flow's dead letters; all flows when absent. */
  flowId?: string;
  flowName: (flowId: string) => string;
  nodeName: (flowId: string, nodeId: string) => string;
  onOpenRun: (letter: DeadLetter) => void;
}

function ResultSummary({ results }: { results: RedriveResult[] }) {
  const ok = results.filter((r) => r.ok).length;
  const failed = results.filter((r) => !r.ok);
  return (
    <div
      className={failed.length ? 'notice notice-warning' : 'notice notice-success'}
      role="status"
      data-testid="redrive-result"
    >
      {ok} redriven{failed.length ? `, ${failed.length} not redriven` : ''}.
      {failed.length ? (
        <ul>
          {failed.map((r) => (
            <li key={r.id}>
              {shortId(r.id)}: {r.error?.code} {r.error?.message}
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}

export function DeadLetterBrowser({ flowId, flowName, nodeName, onOpenRun }: DeadLetterBrowserProps) {
  const [status, setStatus] = useState<DeadLetterStatus>('pending');
  const filter = flowId ? { flowId, status } : { status };
  const groups = useDeadLetterGroups(filter);
  const letters = useDeadLetters(filter);
  const [open, setOpen] = useState<Set<string>>(new Set());
  const [inspect, setInspect] = useState<string | null>(null);
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [useCurrent, setUseCurrent] = useState(false);
  const [results, setResults] = useState<RedriveResult[] | null>(null);
  const queryClient = useQueryClient();
  const byId = useMemo(() => new Map((letters.data?.items ?? []).map((l) => [l.id, l])), [letters.data]);

  const redrive = useMutation({
    mutationFn: (ids: string[]) => redriveMany(ids, useCurrent),
    onSuccess: ({ results: out }) => {
      setResults(out);
      setSelected(new Set());
      void queryClient.invalidateQueries({ queryKey: keys.allDeadLetters });
      void queryClient.invalidateQueries({ queryKey: keys.allDeadLetterGroups });
      void queryClient.invalidateQueries({ queryKey: keys.allRuns });
    },
    onError: (err) => toast('error', `Redrive failed: ${errorMessage(err)}`),
  });

  const toggle = (set: Set<string>, id: string): Set<string> => {
    const next = new Set(set);
    if (next.has(id)) next.delete(id);
    else next.add(id);
    return next;
  };
  const selectGroup = (group: DeadLetterGroup, on: boolean) => {
    const next = new Set(selected);
    for (const id of group.ids) {
      if (on) next.add(id);
      else next.delete(id);
    }
    setSelected(next);
  };

  const pending = status === 'pending';
  return (
    <section className="dead-letters" aria-label="Dead letters">
      <div className="filters">
        <label htmlFor={`dl-status-${flowId ?? 'all'}`}>Status</label>
        <select
          id={`dl-status-${flowId ?? 'all'}`}
          value={status}
          onChange={(e) => {
            setStatus(statusNamed(DEAD_LETTER_STATUSES, e.target.value) ?? 'pending');
            setSelected(new Set());
            setResults(null);
          }}
        >
          {DEAD_LETTER_STATUSES.map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </select>
        {pending ? (
          <label className="checkbox">
            <input type="checkbox" checked={useCurrent} onChange={(e) => setUseCurrent(e.target.checked)} />
            on the current version
          </label>
        ) : null}
      </div>
      {pending && selected.size > 0 ? (
        <div className="selection-bar">
          <span>{selected.size} selected</span>
          <button
            type="button"
            className="button button-primary"
            disabled={redrive.isPending}
            onClick={() => redrive.mutate([...selected])}
          >
            Redrive selected
          </button>
          <button type="button" className="button" onClick={() => setSelected(new Set())}>
            Clear
          </button>
        </div>
      ) : null}
      {results ? <ResultSummary results={results} /> : null}
      {groups.isPending ? <Loading label="Loading dead letters…" /> : null}
      {groups.isError ? <ErrorState error={groups.error} onRetry={() => void groups.refetch()} /> : null}
      {groups.data && groups.data.items.length === 0 ? (
        <EmptyState title={pending ? 'No dead letters' : `No ${status} dead letters`}>
          {pending
            ? 'Steps that fail after all their retries land here, to inspect and redrive.'
            : 'Switch the status to see others.'}
        </EmptyState>
      ) : null}
      <ul className="group-list">
        {groups.data?.items.map((group) => {
          const expanded = open.has(group.signature);
          const allSelected = group.ids.every((id) => selected.has(id));
          return (
            <li key={group.signature} className="group" data-testid="dead-letter-group">
              <div className="group-header">
                <button
                  type="button"
                  className="icon-button"
                  aria-expanded={expanded}
                  aria-label={`${expanded ? 'Hide' : 'Show'} the dead letters of this group`}
                  onClick={() => setOpen(toggle(open, group.signature))}
                >
                  {expanded ? <ChevronDown size={16} /> : <ChevronRight size={16} />}
                </button>
                {pending ? (
                  <input
                    type="checkbox"
                    aria-label="Select the whole group"
                    checked={allSelected}
                    onChange={(e) => selectGroup(group, e.target.checked)}
                  />
                ) : null}
                <div className="group-text">
                  <div>
                    <span className="count" data-testid="group-count">
                      {group.count}×
                    </span>{' '}
                    <strong>{nodeName(group.flowId, group.nodeId)}</strong>
                    {flowId ? null : <span className="muted"> in {flowName(group.flowId)}</span>}
                  </div>
                  <div className="muted">
                    <code>{group.code}</code> {group.message}
                  </div>
                  <div className="muted">latest {relativeTime(group.latestAt)}</div>
                </div>
                {pending ? (
                  <button
                    type="button"
                    className="button"
                    disabled={redrive.isPending}
                    onClick={() => redrive.mutate(group.ids)}
                  >
                    Redrive all {group.count}
                  </button>
                ) : null}
              </div>
              {expanded ? (
                <ul className="letter-list">
                  {group.ids.map((id) => {
                    const letter = byId.get(id);
                    return (
                      <li key={id} className="letter" data-testid="dead-letter">
                        <div className="letter-row">
                          {pending ? (
                            <input
                              type="checkbox"
                              aria-label={`Select dead letter ${shortId(id)}`}
                              checked={selected.has(id)}
                              onChange={() => setSelected(toggle(selected, id))}
                            />
                          ) : null}
                          <button
                            type="button"
                            className="link-button"
                            aria-expanded={inspect === id}
                            onClick={() => setInspect(inspect === id ? null : id)}
                          >
                            {shortId(id)} · {letter ? relativeTime(letter.createdAt) : 'loading…'}
                          </button>
                        </div>
                        {inspect === id && letter ? (
                          <DeadLetterDetail letter={letter} onOpenRun={onOpenRun} />
                        ) : null}
                      </li>
                    );
                  })}
                </ul>
              ) : null}
            </li>
          );
        })}
      </ul>
    </section>
  );
}
