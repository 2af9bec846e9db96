// RJSF widget for a config field naming `x-credential-types`: a select of the stored credentials of those
// types, and "Create new…", which opens the credential form inline and selects what it saved.
import type { WidgetProps } from '@rjsf/utils';
import { useState } from 'react';
import { useCredentials, useCredentialTypes } from '../api/credentials';
import type { Credential } from '../api/types';
import { NewCredential } from '../credentials/new-credential';
import { shortId } from '../ui/time';

const CREATE = '__create__';

/** The credential types a config field accepts, from its JSON Schema. */
export function acceptedTypes(schema: Record<string, unknown>): string[] {
  const types = schema['x-credential-types'];
  return Array.isArray(types) ? types.filter((t): t is string => typeof t === 'string') : [];
}

export function CredentialWidget({
  id,
  value,
  schema,
  required,
  disabled,
  readonly,
  rawErrors,
  onChange,
  onBlur,
}: WidgetProps) {
  const credentials = useCredentials();
  const types = useCredentialTypes();
  const [creating, setCreating] = useState(false);
  const accepted = acceptedTypes(schema);
  const typeList = (types.data?.items ?? []).filter((t) => accepted.includes(t.type));
  const title = (type: string) => typeList.find((t) => t.type === type)?.title ?? type;
  const options = (credentials.data?.items ?? [])
    .filter((c) => accepted.includes(c.type))
    .sort((a, b) => a.name.localeCompare(b.name));
  const current = typeof value === 'string' ? value : '';
  const unknown = current !== '' && credentials.data !== undefined && !options.some((c) => c.id === current);
  const locked = disabled || readonly;

  const choose = (next: string) => {
    if (next === CREATE) {
      setCreating(true);
      return;
    }
    setCreating(false);
    onChange(next === '' ? undefined : next);
  };
  const created = (credential: Credential) => {
    setCreating(false);
    onChange(credential.id);
  };

  return (
    <div className="credential-picker">
      <select
        id={id}
        value={creating ? CREATE : current}
        disabled={locked}
        aria-invalid={(rawErrors?.length ?? 0) > 0 || undefined}
        aria-describedby={`${id}__error ${id}__description`}
        onChange={(e) => choose(e.target.value)}
        onBlur={() => onBlur(id, current)}
      >
        {!required || current === '' ? (
          <option value="">{required ? 'Choose a credential…' : 'None'}</option>
        ) : null}
        {unknown ? <option value={current}>Unknown credential ({shortId(current)})</option> : null}
        {options.map((c) => (
          <option key={c.id} value={c.id}>
            {c.name} ({title(c.type)})
          </option>
        ))}
        {!locked && typeList.length > 0 ? <option value={CREATE}>Create new…</option> : null}
      </select>
      {credentials.isError ? <p className="text-danger">Could not load the credentials.</p> : null}
      {creating ? (
        <fieldset className="inline-credential">
          <legend>New credential</legend>
          <NewCredential
            types={typeList}
            idPrefix={`${id}-new`}
            onSaved={created}
            onCancel={() => setCreating(false)}
          />
        </fieldset>
      ) : null}
    </div>
  );
}
