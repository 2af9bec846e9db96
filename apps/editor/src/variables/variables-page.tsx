// The variables page: the instance's named values that flows read as `$vars.NAME` — endpoints, channel names,
// thresholds that differ between staging and production. Everyone sees them and the flows reading each;
// owners add, change and delete them (deleting one a flow reads asks again, naming the flows).
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Pencil, Plus, Trash2 } from 'lucide-react';
import { useState } from 'react';
import { whoAmI } from '../api/auth';
import { ApiError, errorMessage } from '../api/client';
import { keys } from '../api/query-keys';
import type { Variable } from '../api/types';
import { deleteVariable, setVariable, useVariables } from '../api/variables';
import { Link } from '../router/link';
import { DeleteActions } from '../ui/delete-actions';
import { Dialog } from '../ui/dialog';
import { EmptyState, ErrorState, Loading } from '../ui/states';
import { relativeTime } from '../ui/time';
import { toast } from '../ui/toasts';

const NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

interface Draft {
  name: string;
  value: string;
  description: string;
  /** Changing an existing variable: its name is fixed. */
  existing: boolean;
}

const EMPTY: Draft = { name: '', value: '', description: '', existing: false };

function VariableForm({ initial, onDone }: { initial: Draft; onDone: () => void }) {
  const queryClient = useQueryClient();
  const [draft, setDraft] = useState(initial);
  const save = useMutation({
    mutationFn: (d: Draft) => setVariable(d.name, { value: d.value, description: d.description }),
    onSuccess: (saved) => {
      toast('success', `Saved ${saved.name}.`);
      void queryClient.invalidateQueries({ queryKey: keys.variables });
      onDone();
    },
  });
  const nameProblem =
    draft.name !== '' && !NAME_PATTERN.test(draft.name)
      ? 'A letter or _, then letters, digits or _ (at most 64).'
      : null;
  return (
    <form
      className="variable-form"
      aria-label={initial.existing ? `Change ${initial.name}` : 'New variable'}
      onSubmit={(e) => {
        e.preventDefault();
        if (!nameProblem && draft.name) save.mutate(draft);
      }}
    >
      <label htmlFor="variable-name">Name</label>
      <input
        id="variable-name"
        value={draft.name}
        disabled={initial.existing}
        maxLength={64}
        placeholder="e.g. CRM_BASE_URL"
        aria-invalid={nameProblem !== null}
        aria-describedby="variable-name-hint"
        onChange={(e) => setDraft({ ...draft, name: e.target.value })}
      />
      <p id="variable-name-hint" className={nameProblem ? 'text-danger' : 'muted'}>
        {nameProblem ?? (
          <>
            Flows read it as <code>{`{{ $vars.${draft.name || 'NAME'} }}`}</code>.
          </>
        )}
      </p>
      <label htmlFor="variable-value">Value</label>
      <textarea
        id="variable-value"
        rows={3}
        value={draft.value}
        maxLength={10_000}
        onChange={(e) => setDraft({ ...draft, value: e.target.value })}
      />
      <p className="muted">
        Text; use <code>$number($vars.NAME)</code> for a number. Not for secrets: keep those in credentials.
      </p>
      <label htmlFor="variable-description">Description</label>
      <input
        id="variable-description"
        value={draft.description}
        maxLength={500}
        onChange={(e) => setDraft({ ...draft, description: e.target.value })}
      />
      {save.error ? (
        <p className="text-danger" role="alert">
          {errorMessage(save.error)}
        </p>
      ) : null}
      <div className="dialog-actions">
        <button type="button" className="button" onClick={onDone}>
          Cancel
        </button>
        <button
          type="submit"
          className="button button-primary"
          disabled={save.isPending || !draft.name || nameProblem !== null}
        >
          Save
        </button>
      </div>
    </form>
  );
}

function DeleteVariableDialog({ variable, onClose }: { variable: Variable | null; onClose: () => void }) {
  const queryClient = useQueryClient();
  const remove = useMutation({
    mutationFn: ({ name, force }: { name: string; force: boolean }) => deleteVariable(name, force),
    onSuccess: (_answer, { name }) => {
      toast('success', `Deleted ${name}.`);
      remove.reset();
      onClose();
    },
    onSettled: () => void queryClient.invalidateQueries({ queryKey: keys.variables }),
  });
  const inUse = remove.error instanceof ApiError && remove.error.status === 409 ? remove.error : null;
  const close = () => {
    remove.reset();
    onClose();
  };
  return (
    <Dialog open={variable !== null} title="Delete variable" onClose={close}>
      {inUse ? (
        <div role="alert" data-testid="variable-in-use">
          <p className="text-danger">{inUse.message}</p>
          <p>Deleting it anyway makes their expressions read nothing there.</p>
        </div>
      ) : (
        <p>Delete {variable?.name}?</p>
      )}
      <DeleteActions
        error={remove.error}
        inUse={inUse !== null}
        disabled={remove.isPending || variable === null}
        onCancel={close}
        onDelete={() => variable && remove.mutate({ name: variable.name, force: inUse !== null })}
      />
    </Dialog>
  );
}

export function VariablesPage() {
  const variables = useVariables();
  // owners change variables (the API checks again on each call)
  const who = useQuery({ queryKey: ['auth', 'caller'], queryFn: whoAmI });
  const owner = who.data?.scopes.includes('admin') ?? false;
  const [editing, setEditing] = useState<Draft | null>(null);
  const [deleting, setDeleting] = useState<Variable | null>(null);
  const items = variables.data?.items ?? [];
  return (
    <div className="page variables-page">
      <div className="page-header">
        <h1>Variables</h1>
        {owner ? (
          <button type="button" className="button button-primary" onClick={() => setEditing(EMPTY)}>
            <Plus size={14} /> New variable
          </button>
        ) : null}
      </div>
      <p className="muted">
        Values flows read as <code>$vars.NAME</code> — endpoints, channel names, thresholds — so the same flow
        files run on staging and production, each with its own values. A step reads them when it runs.
        {owner ? null : ' Owners change them.'}
      </p>
      {variables.isPending ? <Loading label="Loading variables…" /> : null}
      {variables.isError ? (
        <ErrorState error={variables.error} onRetry={() => void variables.refetch()} />
      ) : null}
      {variables.data && items.length === 0 ? (
        <EmptyState title="No variables yet">
          {owner ? 'Add one, then read it in any expression.' : 'An owner can add them.'}
        </EmptyState>
      ) : null}
      {items.length > 0 ? (
        <table className="flow-table variable-table">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Value</th>
              <th scope="col">Read by</th>
              <th scope="col">Updated</th>
              {owner ? (
                <th scope="col">
                  <span className="sr-only">Actions</span>
                </th>
              ) : null}
            </tr>
          </thead>
          <tbody>
            {items.map((variable) => (
              <tr key={variable.name} data-testid="variable-row" data-variable={variable.name}>
                <td>
                  <code>{variable.name}</code>
                  {variable.description ? <div className="muted">{variable.description}</div> : null}
                </td>
                <td>
                  <code className="variable-value" data-testid="variable-value">
                    {variable.value}
                  </code>
                </td>
                <td>
                  {variable.usedBy.length === 0 ? (
                    <span className="muted">no flow</span>
                  ) : (
                    <ul className="used-by-list">
                      {variable.usedBy.map((flow) => (
                        <li key={flow.id}>
                          <Link href={`/flows/${flow.id}`}>{flow.name}</Link>
                        </li>
                      ))}
                    </ul>
                  )}
                </td>
                <td title={variable.updatedAt}>{relativeTime(variable.updatedAt)}</td>
                {owner ? (
                  <td className="row-actions">
                    <button
                      type="button"
                      className="button button-quiet"
                      aria-label={`Change ${variable.name}`}
                      title="Change"
                      onClick={() =>
                        setEditing({
                          name: variable.name,
                          value: variable.value,
                          description: variable.description,
                          existing: true,
                        })
                      }
                    >
                      <Pencil size={14} />
                    </button>
                    <button
                      type="button"
                      className="button button-quiet"
                      aria-label={`Delete ${variable.name}`}
                      title="Delete"
                      onClick={() => setDeleting(variable)}
                    >
                      <Trash2 size={14} />
                    </button>
                  </td>
                ) : null}
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      <Dialog
        open={editing !== null}
        title={editing?.existing ? `Change ${editing.name}` : 'New variable'}
        onClose={() => setEditing(null)}
      >
        {editing ? <VariableForm initial={editing} onDone={() => setEditing(null)} /> : null}
      </Dialog>
      <DeleteVariableDialog variable={deleting} onClose={() => setDeleting(null)} />
    </div>
  );
}
