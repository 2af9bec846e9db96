// RJSF field for a tracking trigger's `sources` (marked `x-tracking-sources`): the sources by name, to tick,
// instead of ids to type. None ticked means every source. An id that names no source any more stays listed,
// so it can be unticked.
import type { FieldProps } from '@rjsf/utils';
import { useSources } from '../api/sources';
import { Link } from '../router/link';

export function SourcesField(props: FieldProps) {
  const { formData, onChange, fieldPathId, schema, name, disabled, readonly } = props;
  const id = fieldPathId.$id;
  const sources = useSources();
  const chosen = Array.isArray(formData) ? formData.filter((v): v is string => typeof v === 'string') : [];
  const known = sources.data?.items ?? [];
  const gone = sources.data ? chosen.filter((c) => !known.some((s) => s.id === c)) : [];
  const title = typeof schema.title === 'string' ? schema.title : name;
  const locked = disabled || readonly;
  const set = (next: string[]) =>
    onChange(next.length > 0 ? next : undefined, fieldPathId.path, undefined, id);
  const toggle = (sourceId: string, on: boolean) =>
    set(on ? [...chosen, sourceId] : chosen.filter((c) => c !== sourceId));

  return (
    <fieldset className="sources-field" id={id}>
      <legend>{title}</legend>
      <p className="muted">
        {chosen.length === 0 ? 'Every source (tick some to listen to those only).' : null}
      </p>
      {sources.isError ? <p className="text-danger">Could not load the sources.</p> : null}
      {sources.data && known.length === 0 ? (
        <p className="muted">
          No sources yet: <Link href="/sources">create one</Link> to get a write key.
        </p>
      ) : null}
      {known.map((source) => (
        <label key={source.id} className="checkbox">
          <input
            type="checkbox"
            checked={chosen.includes(source.id)}
            disabled={locked}
            onChange={(e) => toggle(source.id, e.target.checked)}
          />
          {source.name}
          {source.status === 'disabled' ? <span className="muted"> (disabled)</span> : null}
        </label>
      ))}
      {gone.map((sourceId) => (
        <label key={sourceId} className="checkbox text-danger">
          <input type="checkbox" checked disabled={locked} onChange={() => toggle(sourceId, false)} />
          an unknown source ({sourceId})
        </label>
      ))}
    </fieldset>
  );
}
