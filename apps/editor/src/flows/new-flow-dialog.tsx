// Creates a flow from a name: the slug follows the name until edited.
import { type FormEvent, useState } from 'react';
import { Dialog } from '../ui/dialog';
import { slugify } from './import-flow';

interface NewFlowDialogProps {
  open: boolean;
  busy: boolean;
  error: string | null;
  onClose: () => void;
  onCreate: (name: string, slug: string) => void;
}

export function NewFlowDialog({ open, busy, error, onClose, onCreate }: NewFlowDialogProps) {
  const [name, setName] = useState('');
  const [slug, setSlug] = useState('');
  const [slugEdited, setSlugEdited] = useState(false);
  const effectiveSlug = slugEdited ? slug : slugify(name);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (name.trim()) onCreate(name.trim(), effectiveSlug);
  };
  return (
    <Dialog open={open} title="New flow" onClose={onClose}>
      <form onSubmit={submit} className="dialog-form">
        <label htmlFor="new-flow-name">Name</label>
        <input
          id="new-flow-name"
          value={name}
          required
          placeholder="New signups"
          onChange={(e) => setName(e.target.value)}
        />
        <label htmlFor="new-flow-slug">Slug</label>
        <input
          id="new-flow-slug"
          value={effectiveSlug}
          pattern="[a-z0-9]+(-[a-z0-9]+)*"
          onChange={(e) => {
            setSlug(e.target.value);
            setSlugEdited(true);
          }}
        />
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
            {busy ? 'Creating…' : 'Create flow'}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
