// The flow's runs: filter by status, find a person's runs, the runs of a partition key or the run of an event,
// see whose each run is, its key, whether it waits for its turn and where it ended, open one on the canvas.
import { Search } from 'lucide-react';
import { useState } from 'react';
import { useRuns } from '../api/runs';
import { RUN_STATUSES, statusNamed } from '../api/statuses';
import type { RunStatus } from '../api/types';
import { useCanvas } from '../canvas/store';
import { EmptyState, ErrorState, Loading } from '../ui/states';
import { StatusBadge } from '../ui/status-badge';
import { between, duration, relativeTime, shortId } from '../ui/time';
import { RunDetail } from './run-detail';

const FINISHED = new Set<RunStatus>(['succeeded', 'failed', 'canceled']);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function RunsPanel({ flowId, onOpen }: { flowId: string; onOpen: (runId: string) => void }) {
  const [status, setStatus] = useState<RunStatus | ''>('');
  const [search, setSearch] = useState('');
  const [personSearch, setPersonSearch] = useState('');
  const [keySearch, setKeySearch] = useState('');
  const eventId = search.trim();
  const person = personSearch.trim();
  const key = keySearch.trim();
  const validSearch = eventId === '' || UUID.test(eventId);
  const runs = useRuns(
    {
      flowId,
      status,
      eventId: validSearch ? eventId : undefined,
      person: person || undefined,
      key: key || undefined,
    },
    validSearch,
  );
  const openRunId = useCanvas((s) => s.overlay?.runId ?? null);

  return (
    <section className="runs-panel" aria-label="Runs">
      {openRunId ? <RunDetail flowId={flowId} onOpen={onOpen} /> : null}
      <div className="filters">
        <label className="sr-only" htmlFor="run-status-filter">
          Status
        </label>
        <select
          id="run-status-filter"
          value={status}
          onChange={(e) => setStatus(statusNamed(RUN_STATUSES, e.target.value) ?? '')}
        >
          <option value="">All statuses</option>
          {RUN_STATUSES.map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </select>
        <label className="search-input">
          <Search size={14} aria-hidden="true" />
          <input
            type="search"
            placeholder="Event id"
            aria-label="Search by event id"
            value={search}
            onChange={(e) => setSearch(e.target.value)}
          />
        </label>
        <label className="search-input">
          <Search size={14} aria-hidden="true" />
          <input
            type="search"
            placeholder="Person"
            aria-label="Search by person (userId or anonymousId)"
            value={personSearch}
            onChange={(e) => setPersonSearch(e.target.value)}
          />
        </label>
        <label className="search-input">
          <Search size={14} aria-hidden="true" />
          <input
            type="search"
            placeholder="Key"
            aria-label="Search by partition key"
            value={keySearch}
            onChange={(e) => setKeySearch(e.target.value)}
          />
        </label>
      </div>
      {!validSearch ? <p className="text-danger">An event id is a UUID, like 01a2…-…-….</p> : null}
      {runs.isPending && validSearch ? <Loading label="Loading runs…" /> : null}
      {runs.isError ? <ErrorState error={runs.error} onRetry={() => void runs.refetch()} /> : null}
      {runs.data && runs.data.items.length === 0 ? (
        <EmptyState
          title={
            eventId
              ? 'No run for this event'
              : person
                ? `No runs of ${person}`
                : key
                  ? `No runs with key ${key}`
                  : status
                    ? `No ${status} runs`
                    : 'No runs yet'
          }
        >
          {eventId || person || key || status
            ? 'Clear the filters to see every run.'
            : 'Publish the flow and send an event to its trigger, or start a test run.'}
        </EmptyState>
      ) : null}
      {runs.data && runs.data.items.length > 0 ? (
        <ul className="run-list">
          {runs.data.items.map((run) => (
            <li key={run.id}>
              <button
                type="button"
                className={`run-row${run.id === openRunId ? ' is-active' : ''}`}
                data-testid="run-row"
                data-run-id={run.id}
                onClick={() => onOpen(run.id)}
              >
                <StatusBadge status={run.status} />
                <span className="run-row-id">
                  {shortId(run.id)}
                  {run.test ? <span className="tag">test</span> : <span className="tag">v{run.version}</span>}
                  {run.replayOf ? <span className="tag">replay</span> : null}
                  {run.partitionKey !== null ? (
                    <span
                      className="tag"
                      data-testid="run-key"
                      title={run.keyError ?? 'The partition key this run runs under'}
                    >
                      key {run.partitionKey === '' ? '(none)' : run.partitionKey}
                    </span>
                  ) : null}
                  {run.admission === 'waiting' ? (
                    <span className="tag" data-testid="run-waiting">
                      waiting for its turn
                    </span>
                  ) : null}
                  {run.person || run.endedAt ? (
                    <span className="run-row-meta muted" data-testid="run-row-meta">
                      {run.person ? <span data-testid="run-person">{run.person}</span> : null}
                      {run.person && run.endedAt ? ' · ' : null}
                      {run.endedAt ? (
                        <span data-testid="run-ended">
                          {FINISHED.has(run.status) ? 'ended at' : 'last step'} {run.endedAt.name}
                          {run.endedAt.port ? ` (${run.endedAt.port})` : ''}
                        </span>
                      ) : null}
                    </span>
                  ) : null}
                </span>
                <span className="muted">{relativeTime(run.createdAt)}</span>
                <span className="muted">{duration(between(run.startedAt, run.finishedAt))}</span>
              </button>
            </li>
          ))}
        </ul>
      ) : null}
    </section>
  );
}
