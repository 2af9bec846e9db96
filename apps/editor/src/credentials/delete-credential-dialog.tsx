// Deleting a credential: confirm; when flows use it (409), say which and offer to delete it anyway.
import { useMutation } from '@tanstack/react-query';
import { ApiError } from '../api/client';
import { deleteCredential, useCredential } from '../api/credentials';
import type { Credential } from '../api/types';
import { Link } from '../router/link';
import { DeleteActions } from '../ui/delete-actions';
import { Dialog } from '../ui/dialog';

interface DeleteCredentialDialogProps {
  credential: Credential | null;
  onClose: () => void;
  onDeleted: (credential: Credential) => void;
}

export function DeleteCredentialDialog({ credential, onClose, onDeleted }: DeleteCredentialDialogProps) {
  const remove = useMutation({
    mutationFn: ({ target, force }: { target: Credential; force: boolean }) =>
      deleteCredential(target.id, force),
    onSuccess: (_answer, { target }) => {
      remove.reset();
      onDeleted(target);
    },
  });
  const inUse = remove.error instanceof ApiError && remove.error.status === 409 ? remove.error : null;
  // the list may be older than the flows that now use it: ask again once the API says it is in use
  const fresh = useCredential(credential?.id, inUse !== null);
  const users = fresh.data?.usedBy ?? credential?.usedBy ?? [];
  const close = () => {
    remove.reset();
    onClose();
  };
  return (
    <Dialog open={credential !== null} title="Delete credential" onClose={close}>
      {inUse ? (
        <div role="alert" data-testid="credential-in-use">
          <p className="text-danger">{inUse.message}</p>
          {users.length > 0 ? (
            <ul className="used-by-list">
              {users.map((flow) => (
                <li key={flow.id}>
                  <Link href={`/flows/${flow.id}`}>{flow.name}</Link>{' '}
                  <span className="muted">{flow.slug}</span>
                </li>
              ))}
            </ul>
          ) : null}
          <p>
            Deleting it anyway makes the steps of these flows that use it fail with “credential not found”
            until you choose another credential in them.
          </p>
        </div>
      ) : (
        <p>Delete “{credential?.name}”? Its stored values are gone for good.</p>
      )}
      <DeleteActions
        error={remove.error}
        inUse={inUse !== null}
        disabled={remove.isPending || credential === null}
        onCancel={close}
        onDelete={() => credential && remove.mutate({ target: credential, force: inUse !== null })}
      />
    </Dialog>
  );
}
