// The form of one credential of a known type: name, the type's data (from its JSON Schema) and allowed hosts.
// Typed secrets live only in this component's state: they are sent once and dropped on save, never cached.
import Form, { type IChangeEvent } from '@rjsf/core';
import validator from '@rjsf/validator-ajv8';
import { useQueryClient } from '@tanstack/react-query';
import { useMemo, useState } from 'react';
import { ApiError, errorMessage } from '../api/client';
import { createCredential, updateCredential } from '../api/credentials';
import { keys } from '../api/query-keys';
import type { Credential, CredentialType } from '../api/types';
import { formButtons } from '../panel/form-buttons';
import { createBody, hostsText, splitHosts, updateBody } from './credential-body';
import { type CredentialProblems, credentialProblems } from './credential-problems';
import { dataFormSchema } from './data-form-schema';

const NO_PROBLEMS: CredentialProblems = { name: [], allowedHosts: [], data: {}, general: [] };
const templates = { ButtonTemplates: formButtons };

interface CredentialFormProps {
  type: CredentialType;
  /** The credential being changed; null for a new one. */
  credential: Credential | null;
  /** Prefix of the form's element ids (the editor may show a second form inside a node's form). */
  idPrefix: string;
  onSaved: (credential: Credential) => void;
  onCancel: () => void;
}

function FieldErrors({ id, messages }: { id: string; messages: readonly string[] }) {
  if (messages.length === 0) return null;
  return (
    <ul className="error-detail" id={id}>
      {messages.map((message) => (
        <li key={message} className="text-danger">
          {message}
        </li>
      ))}
    </ul>
  );
}

/** The credential form; it renders no <form> element, so it may sit inside a node's config form. */
export function CredentialForm({ type, credential, idPrefix, onSaved, onCancel }: CredentialFormProps) {
  const queryClient = useQueryClient();
  const [name, setName] = useState(credential?.name ?? '');
  const [hosts, setHosts] = useState(hostsText(credential?.allowedHosts ?? []));
  const [data, setData] = useState<Record<string, unknown>>({});
  const [busy, setBusy] = useState(false);
  const [problems, setProblems] = useState<CredentialProblems>(NO_PROBLEMS);
  const [error, setError] = useState<string | null>(null);
  const stored = credential?.fields ?? null;
  const { schema, uiSchema } = useMemo(() => dataFormSchema(type, stored), [type, stored]);

  const save = async () => {
    const draft = { name, hostsText: hosts, data };
    setBusy(true);
    setError(null);
    setProblems(NO_PROBLEMS);
    try {
      // no mutation cache here: its variables would keep the typed secrets for minutes after the save
      const saved = credential
        ? await updateCredential(credential.id, updateBody(credential, draft))
        : await createCredential(createBody(type.type, draft));
      setData({});
      queryClient.setQueryData<{ items: Credential[] }>(keys.credentials, (list) =>
        list ? { items: [...list.items.filter((c) => c.id !== saved.id), saved] } : list,
      );
      void queryClient.invalidateQueries({ queryKey: keys.credentials });
      onSaved(saved);
    } catch (err) {
      if (err instanceof ApiError && err.problems.length > 0) {
        const sorted = credentialProblems(err.problems, splitHosts(hosts));
        setProblems(sorted);
        if (sorted.general.length === 0) setError(err.message);
      } else if (err instanceof ApiError && err.code === 'name_taken') {
        setProblems({ ...NO_PROBLEMS, name: [err.message] });
      } else {
        setError(errorMessage(err));
      }
    } finally {
      setBusy(false);
    }
  };

  const nameId = `${idPrefix}-name`;
  const hostsId = `${idPrefix}-hosts`;
  return (
    <div className="credential-form" data-testid="credential-form">
      <div className="form-group">
        <label htmlFor={nameId}>
          Credential name
          <span className="required" aria-hidden="true">
            *
          </span>
        </label>
        <input
          id={nameId}
          value={name}
          placeholder="CRM API token"
          autoComplete="off"
          aria-invalid={problems.name.length > 0 || undefined}
          aria-describedby={`${nameId}__error`}
          onChange={(e) => setName(e.target.value)}
        />
        <FieldErrors id={`${nameId}__error`} messages={problems.name} />
      </div>
      <Form<Record<string, unknown>>
        tagName="div"
        className="config-form credential-data"
        schema={schema}
        uiSchema={uiSchema}
        validator={validator}
        formData={data}
        templates={templates}
        extraErrors={problems.data}
        idPrefix={`${idPrefix}-data`}
        showErrorList={false}
        noHtml5Validate
        disabled={busy}
        onChange={(event: IChangeEvent<Record<string, unknown>>) => setData(event.formData ?? {})}
        onSubmit={() => undefined}
      />
      <div className="form-group">
        <label htmlFor={hostsId}>Allowed hosts</label>
        <p className="field-description" id={`${hostsId}__description`}>
          Hosts this credential may be sent to, separated by commas (“api.example.com, *.example.com”). Empty:
          any host the server's address policy allows.
        </p>
        <input
          id={hostsId}
          value={hosts}
          placeholder="api.example.com"
          autoComplete="off"
          aria-invalid={problems.allowedHosts.length > 0 || undefined}
          aria-describedby={`${hostsId}__error ${hostsId}__description`}
          onChange={(e) => setHosts(e.target.value)}
        />
        <FieldErrors id={`${hostsId}__error`} messages={problems.allowedHosts} />
      </div>
      {problems.general.length > 0 || error ? (
        <div className="text-danger" role="alert">
          {error ? <p>{error}</p> : null}
          <FieldErrors id={`${idPrefix}__error`} messages={problems.general} />
        </div>
      ) : null}
      <div className="dialog-actions">
        <button type="button" className="button" onClick={onCancel}>
          Cancel
        </button>
        <button
          type="button"
          className="button button-primary"
          disabled={busy || name.trim() === ''}
          onClick={() => void save()}
        >
          {busy ? 'Saving…' : credential ? 'Save changes' : 'Save credential'}
        </button>
      </div>
    </div>
  );
}
