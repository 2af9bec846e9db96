// Renames a flow (its slug stays, so deployments keep finding it).
import { type FormEvent, useEffect, useState } from 'react';
import { Dialog } from '../ui/dialog';

interface RenameDialogProps {
  current: string | null;
  busy: boolean;
  error: string | null;
  onClose: () => void;
  onRename: (name: string) => void;
}

export function RenameDialog({ current, busy, error, onClose, onRename }: RenameDialogProps) {
  const [name, setName] = useState(current ?? '');
  useEffect(() => setName(current ?? ''), [current]);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (name.trim()) onRename(name.trim());
  };
  return (
    <Dialog open={current !== null} title="Rename flow" onClose={onClose}>
      <form onSubmit={submit} className="dialog-form">
        <label htmlFor="rename-flow">Name</label>
        <input id="rename-flow" value={name} required onChange={(e) => setName(e.target.value)} />
        {error ? (
          <p className="text-danger" role="alert">
            {error}
          </p>
        ) : null}
        <div className="dialog-actions">
          <button type="button" className="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="button button-primary" disabled={busy || !name.trim()}>
            Rename
          </button>
        </div>
      </form>
    </Dialog>
  );
}
