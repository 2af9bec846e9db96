// Creating a credential: pick one of the allowed types (title and description), then fill in its form.
import { useState } from 'react';
import type { Credential, CredentialType } from '../api/types';
import { CredentialForm } from './credential-form';

/** Text with `code` spans, as credential type descriptions are written. */
export function WithCode({ text }: { text: string }) {
  const parts = text.split('`');
  // odd parts were between backticks
  return <>{parts.map((part, index) => (index % 2 === 1 ? <code key={part}>{part}</code> : part))}</>;
}

interface NewCredentialProps {
  /** The types one may choose from; with one, the form opens at once. */
  types: readonly CredentialType[];
  idPrefix: string;
  onSaved: (credential: Credential) => void;
  onCancel: () => void;
}

export function NewCredential({ types, idPrefix, onSaved, onCancel }: NewCredentialProps) {
  const [chosen, setChosen] = useState<CredentialType | null>(types.length === 1 ? (types[0] ?? null) : null);
  if (chosen === null) {
    return (
      <div className="credential-types">
        <p className="muted">What kind of credential?</p>
        <ul className="type-options">
          {types.map((type) => (
            <li key={type.type}>
              <button
                type="button"
                className="type-option"
                data-credential-type={type.type}
                onClick={() => setChosen(type)}
              >
                <strong>{type.title}</strong>
                <span className="muted">
                  <WithCode text={type.description} />
                </span>
              </button>
            </li>
          ))}
        </ul>
        <div className="dialog-actions">
          <button type="button" className="button" onClick={onCancel}>
            Cancel
          </button>
        </div>
      </div>
    );
  }
  return (
    <div className="new-credential">
      <p className="credential-type-line">
        <strong>{chosen.title}</strong>{' '}
        {types.length > 1 ? (
          <button type="button" className="link-button" onClick={() => setChosen(null)}>
            Change type
          </button>
        ) : null}
        <br />
        <span className="muted">
          <WithCode text={chosen.description} />
        </span>
      </p>
      <CredentialForm
        type={chosen}
        credential={null}
        idPrefix={idPrefix}
        onSaved={onSaved}
        onCancel={onCancel}
      />
    </div>
  );
}
