// Sign-in with an API key: checked against the API before it is kept for this tab.
import { KeyRound } from 'lucide-react';
import { type FormEvent, useState } from 'react';
import { ApiError, request } from '../api/client';
import { signIn, takeSignOutReason } from './session';

export function SignInPage() {
  const [key, setKey] = useState('');
  const [error, setError] = useState<string | null>(() => takeSignOutReason());
  const [checking, setChecking] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const trimmed = key.trim();
    if (!trimmed) {
      setError('Enter an API key.');
      return;
    }
    setChecking(true);
    setError(null);
    try {
      await request('/node-types', { key: trimmed });
      signIn(trimmed);
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) {
        setError('That API key is not valid. Check it, or ask an owner for a new one.');
      } else if (err instanceof ApiError && err.unreachable) {
        setError(`The API cannot be reached (${err.message}). Is the Tributary server running?`);
      } else {
        setError(err instanceof Error ? err.message : String(err));
      }
    } finally {
      setChecking(false);
    }
  };

  return (
    <main className="sign-in">
      <form className="sign-in-card" onSubmit={submit} aria-labelledby="sign-in-title">
        <h1 id="sign-in-title">Tributary</h1>
        <p className="muted">Sign in with an API key to build, test and publish flows.</p>
        <label htmlFor="api-key">API key</label>
        <input
          id="api-key"
          type="password"
          autoComplete="off"
          // biome-ignore lint/a11y/noAutofocus: the only field on the page
          autoFocus
          value={key}
          aria-invalid={error ? true : undefined}
          aria-describedby="sign-in-error sign-in-help"
          onChange={(e) => setKey(e.target.value)}
        />
        {error ? (
          <p className="text-danger" id="sign-in-error" role="alert">
            {error}
          </p>
        ) : null}
        <button type="submit" className="button button-primary" disabled={checking}>
          <KeyRound size={14} /> {checking ? 'Checking…' : 'Sign in'}
        </button>
        <p className="muted" id="sign-in-help">
          The first start of the server prints an owner key (or set <code>TRIBUTARY_API_KEY</code>). The key
          is kept in this tab only.
        </p>
      </form>
    </main>
  );
}
