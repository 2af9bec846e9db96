// RJSF field for a tracking trigger's `events` (marked `x-event-names`): the names chosen, as chips, and an
// input that suggests the names seen lately in the event log — so "Checkout Started" is picked, not misspelt.
import type { FieldProps } from '@rjsf/utils';
import { useQuery } from '@tanstack/react-query';
import { X } from 'lucide-react';
import { useState } from 'react';
import { request } from '../api/client';

interface EventName {
  name: string;
  count: number;
  lastAt: string;
}

function useRecentEventNames() {
  return useQuery({
    queryKey: ['event-names'] as const,
    queryFn: (): Promise<{ items: EventName[] }> => request('/event-names?limit=100'),
    staleTime: 30_000,
  });
}

export function EventNamesField(props: FieldProps) {
  const { formData, onChange, fieldPathId, schema, name, disabled, readonly } = props;
  const id = fieldPathId.$id;
  const [typed, setTyped] = useState('');
  const recent = useRecentEventNames();
  const chosen = Array.isArray(formData) ? formData.filter((v): v is string => typeof v === 'string') : [];
  const title = typeof schema.title === 'string' ? schema.title : name;
  const locked = disabled || readonly;
  const suggestions = (recent.data?.items ?? []).filter((n) => !chosen.includes(n.name));
  const set = (next: string[]) =>
    onChange(next.length > 0 ? next : undefined, fieldPathId.path, undefined, id);
  const add = () => {
    const value = typed.trim();
    if (value && !chosen.includes(value)) set([...chosen, value]);
    setTyped('');
  };

  return (
    <fieldset className="event-names-field" id={id}>
      <legend>{title}</legend>
      {chosen.length === 0 ? (
        <p className="muted">Every event name (add some to listen to those only).</p>
      ) : null}
      <ul className="chips" aria-label={`${title}: chosen`}>
        {chosen.map((event) => (
          <li key={event} className="chip">
            {event}
            {locked ? null : (
              <button
                type="button"
                className="icon-button"
                aria-label={`Remove ${event}`}
                onClick={() => set(chosen.filter((c) => c !== event))}
              >
                <X size={12} />
              </button>
            )}
          </li>
        ))}
      </ul>
      {locked ? null : (
        <div className="chip-input">
          <input
            aria-label="Add an event name"
            list={`${id}-suggestions`}
            value={typed}
            placeholder={suggestions[0] ? `e.g. ${suggestions[0].name}` : 'an event name'}
            onChange={(e) => setTyped(e.target.value)}
            onKeyDown={(e) => {
              if (e.key === 'Enter') {
                e.preventDefault();
                add();
              }
            }}
          />
          <button type="button" className="button" onClick={add} disabled={typed.trim() === ''}>
            Add
          </button>
          <datalist id={`${id}-suggestions`}>
            {suggestions.map((n) => (
              <option key={n.name} value={n.name}>
                {`${n.count} recently`}
              </option>
            ))}
          </datalist>
        </div>
      )}
    </fieldset>
  );
}
