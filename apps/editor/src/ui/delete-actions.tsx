// The foot of a delete dialog for things flows may use (credentials, variables): the error of a failed attempt
// other than "in use", Cancel, and Delete — "Delete anyway" once the API said flows use it.
import { errorMessage } from '../api/client';

interface DeleteActionsProps {
  error: unknown;
  /** The API answered 409: flows use it, and the next delete forces. */
  inUse: boolean;
  /** Nothing to delete, or a delete under way. */
  disabled: boolean;
  onCancel: () => void;
  onDelete: () => void;
}

export function DeleteActions({ error, inUse, disabled, onCancel, onDelete }: DeleteActionsProps) {
  return (
    <>
      {error && !inUse ? (
        <p className="text-danger" role="alert">
          {errorMessage(error)}
        </p>
      ) : null}
      <div className="dialog-actions">
        <button type="button" className="button" onClick={onCancel}>
          Cancel
        </button>
        <button type="button" className="button button-danger" disabled={disabled} onClick={onDelete}>
          {inUse ? 'Delete anyway' : 'Delete'}
        </button>
      </div>
    </>
  );
}
