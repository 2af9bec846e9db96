// The event log: every event received, newest first — filter by event name, person, source and whether it
// breaks its source's tracking plan, and open one to read it as it arrived, see the runs it started and the
// flows whose re-entry rule kept its person out.
import { useEffect, useState } from 'react';
import { type EventLogFilter, useEventLog, useEventRecord } from '../api/event-log';
import { useFlows } from '../api/flows';
import { useSources } from '../api/sources';
import type { EventRecord } from '../api/types';
import { Link } from '../router/link';
import { JsonView } from '../ui/json-view';
import { PlanViolationBadge, PlanViolationList } from '../ui/plan-violations';
import { EmptyState, ErrorState, Loading } from '../ui/states';
import { StatusBadge } from '../ui/status-badge';
import { relativeTime } from '../ui/time';

/** A re-entry rule in the words the flow settings panel uses. */
const RULE_WORDS: Record<EventRecord['refusals'][number]['rule'], string> = {
  once: 'once',
  'one-at-a-time': 'one at a time',
  'min-interval': 'minimum interval',
};

/** Text filters apply once typing pauses, so each keystroke does not send a request. */
function useSettled(value: string, ms = 300): string {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setSettled(value.trim()), ms);
    return () => clearTimeout(timer);
  }, [value, ms]);
  return settled;
}

export function EventLogPage() {
  const [name, setName] = useState('');
  const [person, setPerson] = useState('');
  const [source, setSource] = useState('');
  const [flaggedOnly, setFlaggedOnly] = useState(false);
  const [open, setOpen] = useState<string | null>(null);
  const sources = useSources();
  const filter: EventLogFilter = {
    name: useSettled(name),
    person: useSettled(person),
    source,
    violations: flaggedOnly ? 'only' : '',
  };
  const log = useEventLog(filter);
  const items = log.data?.pages.flatMap((p) => p.items) ?? [];
  const sourceName = (id: string) => {
    if (id.startsWith('tracking:')) {
      const found = sources.data?.items.find((s) => `tracking:${s.id}` === id);
      return found ? found.name : 'a deleted source';
    }
    return id.startsWith('webhook:') ? `webhook ${id.slice('webhook:'.length)}` : id;
  };

  return (
    <div className="page event-log-page">
      <div className="page-header">
        <h1>Event log</h1>
      </div>
      <p className="muted">Every event received — tracking calls, webhooks, schedules — newest first.</p>
      <div className="filters">
        <label>
          Event name{' '}
          <input value={name} placeholder="e.g. Checkout Started" onChange={(e) => setName(e.target.value)} />
        </label>
        <label>
          Person{' '}
          <input
            value={person}
            placeholder="a userId or anonymousId"
            onChange={(e) => setPerson(e.target.value)}
          />
        </label>
        <label>
          Source{' '}
          <select value={source} onChange={(e) => setSource(e.target.value)}>
            <option value="">any</option>
            {sources.data?.items.map((s) => (
              <option key={s.id} value={`tracking:${s.id}`}>
                {s.name}
              </option>
            ))}
          </select>
        </label>
        <label>
          <input type="checkbox" checked={flaggedOnly} onChange={(e) => setFlaggedOnly(e.target.checked)} />{' '}
          Only events that break a tracking plan
        </label>
      </div>
      {log.isPending ? <Loading label="Loading events…" /> : null}
      {log.isError ? <ErrorState error={log.error} onRetry={() => void log.refetch()} /> : null}
      {log.data && items.length === 0 ? (
        <EmptyState title="No events">No event matches these filters.</EmptyState>
      ) : null}
      {items.length > 0 ? (
        <table className="flow-table event-table">
          <thead>
            <tr>
              <th scope="col">Received</th>
              <th scope="col">Event</th>
              <th scope="col">Person</th>
              <th scope="col">Source</th>
            </tr>
          </thead>
          <tbody>
            {items.map((event) => (
              <EventRow
                key={event.id}
                event={event}
                source={sourceName(event.source)}
                open={open === event.id}
                onToggle={() => setOpen(open === event.id ? null : event.id)}
              />
            ))}
          </tbody>
        </table>
      ) : null}
      {log.hasNextPage ? (
        <button
          type="button"
          className="button"
          disabled={log.isFetchingNextPage}
          onClick={() => void log.fetchNextPage()}
        >
          {log.isFetchingNextPage ? 'Loading…' : 'Older events'}
        </button>
      ) : null}
    </div>
  );
}

function EventRow({
  event,
  source,
  open,
  onToggle,
}: {
  event: Omit<EventRecord, 'runs' | 'payload'>;
  source: string;
  open: boolean;
  onToggle: () => void;
}) {
  return (
    <>
      <tr data-testid="event-row">
        <td title={event.receivedAt}>{relativeTime(event.receivedAt)}</td>
        <td>
          <button type="button" className="link-button" aria-expanded={open} onClick={onToggle}>
            {event.name ?? event.type}
          </button>
          {event.name ? <span className="muted"> · {event.type}</span> : null}
          {event.refusals.length > 0 ? (
            <span className="tag" title="A flow's re-entry rule kept this person out">
              not entered: {event.refusals.map((r) => r.flowName).join(', ')}
            </span>
          ) : null}{' '}
          <PlanViolationBadge violations={event.planViolations} />
        </td>
        <td>
          {(event.userId ?? event.anonymousId) ? (
            <Link href={`/people?id=${encodeURIComponent(event.userId ?? event.anonymousId ?? '')}`}>
              {event.userId ?? event.anonymousId}
            </Link>
          ) : (
            <span className="muted">—</span>
          )}
        </td>
        <td className="muted">{source}</td>
      </tr>
      {open ? (
        <tr className="event-detail-row">
          <td colSpan={4}>
            <EventDetail id={event.id} />
          </td>
        </tr>
      ) : null}
    </>
  );
}

function EventDetail({ id }: { id: string }) {
  const event = useEventRecord(id);
  const flows = useFlows();
  if (event.isPending) return <Loading label="Loading the event…" />;
  if (event.isError) return <ErrorState error={event.error} />;
  const flowName = (flowId: string) =>
    flows.data?.items.find((f) => f.id === flowId)?.name ?? 'a deleted flow';
  return (
    <div className="event-detail" data-testid="event-detail">
      {event.data.runs.length > 0 ? (
        <ul className="person-runs">
          {event.data.runs.map((run) => (
            <li key={run.id}>
              <StatusBadge status={run.status} />{' '}
              <Link href={`/flows/${run.flowId}?run=${run.id}`}>{flowName(run.flowId)}</Link>
            </li>
          ))}
        </ul>
      ) : (
        <p className="muted">This event started no run.</p>
      )}
      <PlanViolationList violations={event.data.planViolations} />
      {event.data.refusals.length > 0 ? (
        <ul className="entry-refusals" aria-label="Entries refused">
          {event.data.refusals.map((refusal) => (
            <li key={refusal.flowId}>
              <Link href={`/flows/${refusal.flowId}`}>{refusal.flowName}</Link> did not start a run: its
              re-entry rule “{RULE_WORDS[refusal.rule]}” kept this person out
              {refusal.heldBy ? (
                <>
                  {' '}
                  (
                  <Link href={`/flows/${refusal.flowId}?run=${refusal.heldBy}`}>
                    {refusal.rule === 'one-at-a-time' ? 'their run in progress' : 'their earlier run'}
                  </Link>
                  )
                </>
              ) : null}
              .
            </li>
          ))}
        </ul>
      ) : null}
      <JsonView value={event.data.payload} label="The event as received" />
    </div>
  );
}
