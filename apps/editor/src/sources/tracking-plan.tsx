// A source's tracking plan on the sources page: what happens to events that break it (off, flag, reject),
// whether unplanned event names break it, and a JSON Schema per track event name — listed with its version,
// added or changed in a JSON editor whose problems are the API's own.
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Pencil, Trash2 } from 'lucide-react';
import { useState } from 'react';
import { ApiError, errorMessage } from '../api/client';
import { keys } from '../api/query-keys';
import { deleteEventSchema, putEventSchema, setSourcePlan, useEventSchemas } from '../api/sources';
import type { PlanMode, Source, UnplannedEvents } from '../api/types';
import { EmptyState, ErrorState, Loading } from '../ui/states';
import { relativeTime } from '../ui/time';
import { toast } from '../ui/toasts';

const MODES: Array<{ value: PlanMode; label: string }> = [
  { value: 'off', label: 'Off — nothing is checked' },
  { value: 'flag', label: 'Flag — accept and mark them in the event log' },
  { value: 'reject', label: 'Reject — refuse the request (400), store nothing' },
];

const EXAMPLE = JSON.stringify(
  { type: 'object', required: ['total'], properties: { total: { type: 'number', minimum: 0 } } },
  null,
  2,
);

/** The problems to show under the schema editor: the API's list, or its one message. */
function problemsOf(err: unknown): string[] {
  if (err instanceof ApiError && err.problems.length > 0) {
    return err.problems.map((p) => (p.path ? `${p.path}: ${p.message}` : p.message));
  }
  return [errorMessage(err)];
}

export function TrackingPlan({ source }: { source: Source }) {
  const queryClient = useQueryClient();
  const schemas = useEventSchemas(source.id);
  const [event, setEvent] = useState('');
  const [text, setText] = useState(EXAMPLE);
  const [problems, setProblems] = useState<string[]>([]);
  const refresh = () => {
    void queryClient.invalidateQueries({ queryKey: keys.eventSchemas(source.id) });
    void queryClient.invalidateQueries({ queryKey: keys.sources });
  };

  const plan = useMutation({
    mutationFn: (next: { planMode: PlanMode; unplannedEvents: UnplannedEvents }) =>
      setSourcePlan(source.id, next),
    onSuccess: () => refresh(),
    onError: (err) => toast('error', `Could not change the tracking plan: ${errorMessage(err)}`),
  });
  const save = useMutation({
    mutationFn: (input: { event: string; schema: Record<string, unknown> }) =>
      putEventSchema(source.id, input.event, input.schema),
    onSuccess: (saved) => {
      setProblems([]);
      toast('success', `“${saved.event}” is at schema version ${saved.version}.`);
      refresh();
    },
    onError: (err) => setProblems(problemsOf(err)),
  });
  const remove = useMutation({
    mutationFn: (name: string) => deleteEventSchema(source.id, name),
    onSuccess: () => refresh(),
    onError: (err) => toast('error', `Could not remove the schema: ${errorMessage(err)}`),
  });

  const submit = () => {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (err) {
      setProblems([`The schema is not valid JSON: ${err instanceof Error ? err.message : String(err)}`]);
      return;
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      setProblems(['The schema must be a JSON object.']);
      return;
    }
    // checked just above: a non-null object that is not an array
    save.mutate({ event: event.trim(), schema: parsed as Record<string, unknown> });
  };

  const items = schemas.data?.items ?? [];
  return (
    <section className="tracking-plan" aria-label={`Tracking plan of ${source.name}`}>
      <h2>Tracking plan of {source.name}</h2>
      <p className="muted">
        A JSON Schema per track event name (draft 2020-12, or draft-07 when its <code>$schema</code> says so)
        for the event's <code>properties</code>. The newest version of a name is in force.
      </p>
      <div className="filters">
        <label>
          When an event breaks the plan{' '}
          <select
            value={source.planMode}
            disabled={plan.isPending}
            onChange={(e) =>
              plan.mutate({ planMode: e.target.value as PlanMode, unplannedEvents: source.unplannedEvents })
            }
          >
            {MODES.map((m) => (
              <option key={m.value} value={m.value}>
                {m.label}
              </option>
            ))}
          </select>
        </label>
        <label>
          Names not in the plan{' '}
          <select
            value={source.unplannedEvents}
            disabled={plan.isPending}
            onChange={(e) =>
              plan.mutate({
                planMode: source.planMode,
                unplannedEvents: e.target.value as UnplannedEvents,
              })
            }
          >
            <option value="allow">are fine</option>
            <option value="violation">break the plan</option>
          </select>
        </label>
      </div>
      {schemas.isPending ? <Loading label="Loading the plan…" /> : null}
      {schemas.isError ? <ErrorState error={schemas.error} onRetry={() => void schemas.refetch()} /> : null}
      {schemas.data && items.length === 0 ? (
        <EmptyState title="No event schemas yet">Add one below.</EmptyState>
      ) : null}
      {items.length > 0 ? (
        <table className="flow-table">
          <thead>
            <tr>
              <th scope="col">Event</th>
              <th scope="col">Version</th>
              <th scope="col">Changed</th>
              <th scope="col">
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {items.map((item) => (
              <tr key={item.event} data-testid="event-schema-row">
                <td>{item.event}</td>
                <td>v{item.version}</td>
                <td className="muted">
                  {relativeTime(item.createdAt)} by {item.createdBy}
                </td>
                <td className="row-actions">
                  <button
                    type="button"
                    className="button button-quiet"
                    onClick={() => {
                      setEvent(item.event);
                      setText(JSON.stringify(item.schema, null, 2));
                      setProblems([]);
                    }}
                  >
                    <Pencil size={14} /> Edit {item.event}
                  </button>
                  <button
                    type="button"
                    className="button button-quiet"
                    disabled={remove.isPending}
                    onClick={() => {
                      if (window.confirm(`Take “${item.event}” out of the tracking plan?`)) {
                        remove.mutate(item.event);
                      }
                    }}
                  >
                    <Trash2 size={14} /> Remove {item.event}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      <form
        aria-label="Event schema"
        onSubmit={(e) => {
          e.preventDefault();
          submit();
        }}
      >
        <div className="form-group">
          <label htmlFor={`plan-event-${source.id}`}>Event name</label>
          <input
            id={`plan-event-${source.id}`}
            value={event}
            maxLength={512}
            placeholder="e.g. Checkout Started"
            onChange={(e) => setEvent(e.target.value)}
          />
        </div>
        <div className="form-group">
          <label htmlFor={`plan-schema-${source.id}`}>JSON Schema of its properties</label>
          <textarea
            id={`plan-schema-${source.id}`}
            className="json-input"
            rows={10}
            spellCheck={false}
            value={text}
            aria-invalid={problems.length > 0 ? true : undefined}
            aria-describedby={`plan-problems-${source.id}`}
            onChange={(e) => {
              setText(e.target.value);
              setProblems([]);
            }}
          />
          {problems.length > 0 ? (
            <ul className="error-detail" id={`plan-problems-${source.id}`} role="alert">
              {problems.map((p) => (
                <li key={p} className="text-danger">
                  {p}
                </li>
              ))}
            </ul>
          ) : null}
        </div>
        <button type="submit" className="button button-primary" disabled={save.isPending || !event.trim()}>
          Save schema
        </button>
      </form>
    </section>
  );
}
