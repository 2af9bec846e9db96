// Dead letters grouped by error signature: counts, inspect, select, redrive or discard one, a selection or a
// group; failures of draft test runs are left out unless included.
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { ChevronDown, ChevronRight } from 'lucide-react';
import { useMemo, useState } from 'react';
import { errorMessage } from '../api/client';
import { discardMany, redriveMany, useDeadLetterGroups, useDeadLetters } from '../api/dead-letters';
import { keys } from '../api/query-keys';
import { DEAD_LETTER_STATUSES, statusNamed } from '../api/statuses';
import type {
  DeadLetter,
  DeadLetterGroup,
  DeadLetterStatus,
  DiscardResult,
  RedriveResult,
} from '../api/types';
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

/** What a bulk action did: how many it did, and why it could not do the rest. */
interface BulkResult {
  verb: 'redriven' | 'discarded';
  results: Array<RedriveResult | DiscardResult>;
}

function ResultSummary({ verb, results }: BulkResult) {
  const ok = results.filter((r) => r.ok).length;
  const failed = results.filter((r) => !r.ok);
  return (
    <div
      className={failed.length ? 'notice notice-warning' : 'notice notice-success'}
      role="status"
      data-testid={verb === 'redriven' ? 'redrive-result' : 'discard-result'}
    >
      {ok} {verb}
      {failed.length ? `, ${failed.length} not ${verb}` : ''}.
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
  const [withTests, setWithTests] = useState(false);
  const tests = withTests ? ('include' as const) : undefined;
  const filter = flowId ? { flowId, status, tests } : { status, tests };
  const groups = useDeadLetterGroups(filter);
  const letters = useDeadLetters(filter);
  const [open, setOpen] = useState<Set<string>>(new Set());
  const [inspect, setInspect] = useState<string | null>(null);
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [useCurrent, setUseCurrent] = useState(false);
  const [results, setResults] = useState<BulkResult | null>(null);
  /** The dead letters a discard is being confirmed for (it asks for a reason first). */
  const [discarding, setDiscarding] = useState<string[] | null>(null);
  const [reason, setReason] = useState('');
  const queryClient = useQueryClient();
  const byId = useMemo(() => new Map((letters.data?.items ?? []).map((l) => [l.id, l])), [letters.data]);

  const refresh = () => {
    setSelected(new Set());
    void queryClient.invalidateQueries({ queryKey: keys.allDeadLetters });
    void queryClient.invalidateQueries({ queryKey: keys.allDeadLetterGroups });
    void queryClient.invalidateQueries({ queryKey: keys.allRuns });
  };
  const redrive = useMutation({
    mutationFn: (ids: string[]) => redriveMany(ids, useCurrent),
    onSuccess: ({ results: out }) => {
      setResults({ verb: 'redriven', results: out });
      refresh();
    },
    onError: (err) => toast('error', `Redrive failed: ${errorMessage(err)}`),
  });
  const discard = useMutation({
    mutationFn: ({ ids, why }: { ids: string[]; why: string }) => discardMany(ids, why),
    onSuccess: ({ results: out }) => {
      setResults({ verb: 'discarded', results: out });
      setDiscarding(null);
      setReason('');
      refresh();
    },
    onError: (err) => toast('error', `Discard failed: ${errorMessage(err)}`),
  });
  const askDiscard = (ids: string[]) => {
    setDiscarding(ids);
    setResults(null);
  };

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
        <label className="checkbox">
          <input
            type="checkbox"
            checked={withTests}
            onChange={(e) => {
              setWithTests(e.target.checked);
              setSelected(new Set());
            }}
          />
          include test runs
        </label>
      </div>
      {pending && discarding ? (
        <form
          className="selection-bar"
          aria-label="Discard dead letters"
          onSubmit={(e) => {
            e.preventDefault();
            if (reason.trim()) discard.mutate({ ids: discarding, why: reason.trim() });
          }}
        >
          <label htmlFor="discard-reason">
            Discard {discarding.length} dead letter{discarding.length === 1 ? '' : 's'} — why?
          </label>
          <input
            id="discard-reason"
            value={reason}
            maxLength={500}
            placeholder="e.g. a test address, kept in the audit log"
            onChange={(e) => setReason(e.target.value)}
          />
          <button
            type="submit"
            className="button button-danger"
            disabled={discard.isPending || reason.trim() === ''}
          >
            Discard
          </button>
          <button type="button" className="button" onClick={() => setDiscarding(null)}>
            Cancel
          </button>
        </form>
      ) : null}
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
          <button type="button" className="button" onClick={() => askDiscard([...selected])}>
            Discard selected…
          </button>
          <button type="button" className="button" onClick={() => setSelected(new Set())}>
            Clear
          </button>
        </div>
      ) : null}
      {results ? <ResultSummary {...results} /> : null}
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
                    <code>{group.code}</code> {group.example}
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
                {pending ? (
                  <button type="button" className="button" onClick={() => askDiscard(group.ids)}>
                    Discard all {group.count}…
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
                          {letter?.test ? <span className="badge">test run</span> : null}
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
