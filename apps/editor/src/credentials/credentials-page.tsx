// The credentials page: every stored credential with its type, allowed hosts and the flows using it; create,
// change, test and delete. Values are never shown: the API only says which fields are set.
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Pencil, Plug, Plus, Trash2 } from 'lucide-react';
import { useState } from 'react';
import { errorMessage } from '../api/client';
import { testCredential, useCredentials, useCredentialTypes } from '../api/credentials';
import { keys } from '../api/query-keys';
import type { Credential, CredentialTestResult } from '../api/types';
import { Link } from '../router/link';
import { Dialog } from '../ui/dialog';
import { EmptyState, ErrorState, Loading } from '../ui/states';
import { relativeTime } from '../ui/time';
import { toast } from '../ui/toasts';
import { CredentialForm } from './credential-form';
import { DeleteCredentialDialog } from './delete-credential-dialog';
import { NewCredential } from './new-credential';

function UsedBy({ credential }: { credential: Credential }) {
  if (credential.usedBy.length === 0) return <span className="muted">—</span>;
  return (
    <ul className="used-by">
      {credential.usedBy.map((flow) => (
        <li key={flow.id}>
          <Link href={`/flows/${flow.id}`}>{flow.name}</Link>
        </li>
      ))}
    </ul>
  );
}

function TestVerdict({ result }: { result: CredentialTestResult | undefined }) {
  if (!result) return null;
  return (
    <div
      className={result.ok ? 'test-verdict test-ok' : 'test-verdict test-failed'}
      role="status"
      data-testid="credential-test-result"
    >
      <strong>{result.ok ? 'Test passed' : 'Test failed'}</strong>: {result.message}
    </div>
  );
}

export function CredentialsPage() {
  const credentials = useCredentials();
  const types = useCredentialTypes();
  const queryClient = useQueryClient();
  const [creating, setCreating] = useState(false);
  const [editing, setEditing] = useState<Credential | null>(null);
  const [deleting, setDeleting] = useState<Credential | null>(null);
  const [verdicts, setVerdicts] = useState<Record<string, CredentialTestResult>>({});
  const items = [...(credentials.data?.items ?? [])].sort((a, b) => a.name.localeCompare(b.name));
  const typeList = types.data?.items ?? [];
  const typeOf = (type: string) => typeList.find((t) => t.type === type);

  const test = useMutation({
    mutationFn: (id: string) => testCredential(id),
    onSuccess: (result, id) => setVerdicts((all) => ({ ...all, [id]: result })),
    onError: (err) => toast('error', `Could not test: ${errorMessage(err)}`),
  });

  const saved = (credential: Credential, verb: string) => {
    setCreating(false);
    setEditing(null);
    setVerdicts(({ [credential.id]: _old, ...rest }) => rest);
    toast('success', `${verb} “${credential.name}”.`);
  };

  const editingType = editing ? typeOf(editing.type) : undefined;
  return (
    <div className="page credentials-page">
      <div className="page-header">
        <h1>Credentials</h1>
        <button
          type="button"
          className="button button-primary"
          disabled={typeList.length === 0}
          onClick={() => setCreating(true)}
        >
          <Plus size={14} /> New credential
        </button>
      </div>
      <p className="muted">
        Tokens, keys and passwords that nodes use, stored encrypted. Once saved, a secret is never shown
        again; to change it, type a new one.
      </p>
      {credentials.isPending ? <Loading label="Loading credentials…" /> : null}
      {credentials.isError ? (
        <ErrorState error={credentials.error} onRetry={() => void credentials.refetch()} />
      ) : null}
      {types.isError ? <ErrorState error={types.error} onRetry={() => void types.refetch()} /> : null}
      {credentials.data && items.length === 0 ? (
        <EmptyState title="No credentials yet">
          Create one with <strong>New credential</strong>, or from a node's form when a node asks for one.
        </EmptyState>
      ) : null}
      {items.length > 0 ? (
        <table className="flow-table credential-table">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Type</th>
              <th scope="col">Allowed hosts</th>
              <th scope="col">Used by</th>
              <th scope="col">Updated</th>
              <th scope="col">
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {items.map((credential) => (
              <tr key={credential.id} data-testid="credential-row" data-credential-id={credential.id}>
                <td>
                  <span className="credential-name">{credential.name}</span>
                  <div className="muted">
                    {credential.fields.length > 0 ? `set: ${credential.fields.join(', ')}` : 'no fields set'}
                  </div>
                  <TestVerdict result={verdicts[credential.id]} />
                </td>
                <td>
                  {typeOf(credential.type)?.title ?? credential.type}
                  <div className="muted">{credential.type}</div>
                </td>
                <td>
                  {credential.allowedHosts.length > 0 ? (
                    credential.allowedHosts.join(', ')
                  ) : (
                    <span className="muted">any</span>
                  )}
                </td>
                <td>
                  <UsedBy credential={credential} />
                </td>
                <td className="credential-updated">{relativeTime(credential.updatedAt)}</td>
                <td className="row-actions">
                  <button
                    type="button"
                    className="button button-quiet"
                    aria-label={`Test ${credential.name}`}
                    title={
                      typeOf(credential.type)?.testable === false
                        ? 'Check that the stored data is well-formed (this type has no connection check)'
                        : 'Check the stored credential against its service'
                    }
                    disabled={test.isPending && test.variables === credential.id}
                    onClick={() => test.mutate(credential.id)}
                  >
                    <Plug size={14} /> Test
                  </button>
                  <button
                    type="button"
                    className="icon-button"
                    aria-label={`Edit ${credential.name}`}
                    title="Edit"
                    disabled={!typeOf(credential.type)}
                    onClick={() => setEditing(credential)}
                  >
                    <Pencil size={14} />
                  </button>
                  <button
                    type="button"
                    className="icon-button"
                    aria-label={`Delete ${credential.name}`}
                    title="Delete"
                    onClick={() => setDeleting(credential)}
                  >
                    <Trash2 size={14} />
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      <Dialog open={creating} title="New credential" wide onClose={() => setCreating(false)}>
        <NewCredential
          types={typeList}
          idPrefix="new-credential"
          onSaved={(credential) => saved(credential, 'Saved')}
          onCancel={() => setCreating(false)}
        />
      </Dialog>
      <Dialog
        open={editing !== null && editingType !== undefined}
        title={`Edit ${editing?.name ?? 'credential'}`}
        wide
        onClose={() => setEditing(null)}
      >
        {editing && editingType ? (
          <>
            <p className="muted">
              {editingType.title}. Stored values are not shown: leave a field empty to keep it, or type a new
              value to replace it.
            </p>
            <CredentialForm
              key={editing.id}
              type={editingType}
              credential={editing}
              idPrefix="edit-credential"
              onSaved={(credential) => saved(credential, 'Saved')}
              onCancel={() => setEditing(null)}
            />
          </>
        ) : null}
      </Dialog>
      <DeleteCredentialDialog
        credential={deleting}
        onClose={() => setDeleting(null)}
        onDeleted={(credential) => {
          setDeleting(null);
          toast('success', `Deleted “${credential.name}”.`);
          void queryClient.invalidateQueries({ queryKey: keys.credentials });
        }}
      />
    </div>
  );
}
