// The API keys page: make a key for CI or a script with the scopes it needs and an optional expiry (the key is
// shown once, with a copy button), list keys by prefix with their last use, revoke.
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { KeyRound, Trash2 } from 'lucide-react';
import { useState } from 'react';
import {
  apiKeysKey,
  createApiKey,
  type NewApiKey,
  revokeApiKey,
  SCOPES,
  type Scope,
  useApiKeys,
} from '../api/api-keys';
import { errorMessage } from '../api/client';
import { CopyButton } from '../ui/copy-button';
import { EmptyState, ErrorState, Loading } from '../ui/states';
import { relativeTime } from '../ui/time';
import { toast } from '../ui/toasts';

const SCOPE_HELP: Record<Scope, string> = {
  'flows:read': 'read flows, versions, sources',
  'flows:write': 'save, publish, deactivate flows',
  'runs:read': 'read runs, events, dead letters',
  'runs:write': 'replay, cancel, redrive, discard',
  'events:write': 'start test runs of drafts',
  'credentials:read': 'list credentials (never secrets)',
  'credentials:write': 'make and change credentials',
  admin: 'users, audit log, every key',
};

function NewKey({ made, onDone }: { made: NewApiKey; onDone: () => void }) {
  return (
    <section className="notice notice-success new-write-key" aria-label="New API key">
      <p>
        The key <strong>{made.name}</strong>. Copy it now: it is not shown again.
      </p>
      <div className="webhook-url-row">
        <code data-testid="new-api-key">{made.key}</code>
        <CopyButton text={made.key} label="Copy the API key" />
      </div>
      <button type="button" className="button" onClick={onDone}>
        I have copied it
      </button>
    </section>
  );
}

export function ApiKeysPage() {
  const list = useApiKeys();
  const queryClient = useQueryClient();
  const [name, setName] = useState('');
  const [scopes, setScopes] = useState<Scope[]>(['flows:read']);
  const [expires, setExpires] = useState('');
  const [made, setMade] = useState<NewApiKey | null>(null);
  const refresh = () => void queryClient.invalidateQueries({ queryKey: apiKeysKey });

  const create = useMutation({
    mutationFn: () =>
      createApiKey({
        name: name.trim(),
        scopes,
        ...(expires ? { expiresAt: new Date(`${expires}T23:59:59`).toISOString() } : {}),
      }),
    onSuccess: (key) => {
      setMade(key);
      setName('');
      refresh();
    },
    onError: (err) => toast('error', `Could not make the key: ${errorMessage(err)}`),
  });
  const revoke = useMutation({
    mutationFn: (id: string) => revokeApiKey(id),
    onSuccess: () => {
      toast('success', 'The key is revoked.');
      refresh();
    },
    onError: (err) => toast('error', `Could not revoke the key: ${errorMessage(err)}`),
  });

  const items = list.data?.items ?? [];
  const toggle = (scope: Scope) =>
    setScopes((current) =>
      current.includes(scope) ? current.filter((s) => s !== scope) : [...current, scope],
    );
  return (
    <div className="page api-keys-page">
      <div className="page-header">
        <h1>API keys</h1>
      </div>
      <p className="muted">
        Keys for CI and scripts (<code>tributary deploy</code>, <code>tributary keys</code>). A key holds only
        the scopes you give it, never more than your own role.
      </p>
      <form
        className="api-key-form"
        aria-label="Make an API key"
        onSubmit={(e) => {
          e.preventDefault();
          if (name.trim() && scopes.length > 0) create.mutate();
        }}
      >
        <label htmlFor="new-key-name">Name</label>
        <input
          id="new-key-name"
          value={name}
          maxLength={200}
          placeholder="e.g. GitHub deploy"
          onChange={(e) => setName(e.target.value)}
        />
        <fieldset>
          <legend>Scopes</legend>
          {SCOPES.map((scope) => (
            <label key={scope} className="checkbox-row">
              <input type="checkbox" checked={scopes.includes(scope)} onChange={() => toggle(scope)} />
              <code>{scope}</code> <span className="muted">{SCOPE_HELP[scope]}</span>
            </label>
          ))}
        </fieldset>
        <label htmlFor="new-key-expires">Expires (optional)</label>
        <input
          id="new-key-expires"
          type="date"
          value={expires}
          onChange={(e) => setExpires(e.target.value)}
        />
        <button
          type="submit"
          className="button button-primary"
          disabled={create.isPending || !name.trim() || scopes.length === 0}
        >
          <KeyRound size={14} /> Make key
        </button>
      </form>
      {made ? <NewKey made={made} onDone={() => setMade(null)} /> : null}
      {list.isPending ? <Loading label="Loading keys…" /> : null}
      {list.isError ? <ErrorState error={list.error} onRetry={() => void list.refetch()} /> : null}
      {list.data && items.length === 0 ? (
        <EmptyState title="No API keys yet">Make one above.</EmptyState>
      ) : null}
      {items.length > 0 ? (
        <table className="flow-table">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Key</th>
              <th scope="col">Scopes</th>
              <th scope="col">Made by</th>
              <th scope="col">Last used</th>
              <th scope="col">Expires</th>
              <th scope="col">
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {items.map((key) => (
              <tr key={key.id} data-testid="api-key-row">
                <td>{key.name}</td>
                <td>
                  <code>{key.prefix}…</code>
                </td>
                <td>{key.scopes.join(', ')}</td>
                <td>{key.createdBy ?? <span className="muted">the instance</span>}</td>
                <td>
                  {key.lastUsedAt ? relativeTime(key.lastUsedAt) : <span className="muted">never</span>}
                </td>
                <td>
                  {key.expiresAt ? (
                    new Date(key.expiresAt).toLocaleDateString()
                  ) : (
                    <span className="muted">never</span>
                  )}
                </td>
                <td className="row-actions">
                  <button
                    type="button"
                    className="button button-quiet"
                    disabled={revoke.isPending}
                    onClick={() => {
                      if (window.confirm(`Revoke “${key.name}”? It stops working at once.`))
                        revoke.mutate(key.id);
                    }}
                  >
                    <Trash2 size={14} /> Revoke {key.name}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </div>
  );
}
