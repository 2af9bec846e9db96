// Signing in: on the first start, making the owner account; then e-mail and password, or an API key (checked
// against the API before it is kept for this tab).
import { KeyRound, LogIn, UserPlus } from 'lucide-react';
import { type FormEvent, useEffect, useState } from 'react';
import { createOwner, logIn, setupState } from '../api/auth';
import { ApiError, request } from '../api/client';
import { Loading } from '../ui/states';
import { signedInAs, signIn, takeSignOutReason } from './session';

function problemText(err: unknown): string {
  if (err instanceof ApiError && err.unreachable) {
    return `The API cannot be reached (${err.message}). Is the Tributary server running?`;
  }
  if (err instanceof ApiError && err.problems.length > 0)
    return err.problems.map((p) => p.message).join('; ');
  return err instanceof Error ? err.message : String(err);
}

/** The first start: nobody can sign in yet, so the first visitor makes the owner account. */
function OwnerSetup({ onError }: { onError: (text: string | null) => void }) {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    onError(null);
    try {
      signedInAs(await createOwner(email.trim(), password));
    } catch (err) {
      onError(problemText(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="sign-in-card" onSubmit={submit} aria-labelledby="owner-title">
      <h1 id="owner-title">Create the owner account</h1>
      <p className="muted">
        This Tributary has no users yet. The owner can do everything and invites the others.
      </p>
      <label htmlFor="owner-email">E-mail</label>
      <input
        id="owner-email"
        type="email"
        autoComplete="username"
        required
        value={email}
        onChange={(e) => setEmail(e.target.value)}
      />
      <label htmlFor="owner-password">Password</label>
      <input
        id="owner-password"
        type="password"
        autoComplete="new-password"
        required
        minLength={10}
        value={password}
        onChange={(e) => setPassword(e.target.value)}
      />
      <p className="muted">At least 10 characters.</p>
      <button type="submit" className="button button-primary" disabled={busy}>
        <UserPlus size={14} /> {busy ? 'Creating…' : 'Create owner account'}
      </button>
    </form>
  );
}

function PasswordSignIn({ onError }: { onError: (text: string | null) => void }) {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    onError(null);
    try {
      signedInAs(await logIn(email.trim(), password));
    } catch (err) {
      if (err instanceof ApiError && err.status === 401)
        onError('The e-mail address or the password is not right.');
      else onError(problemText(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="sign-in-card" onSubmit={submit} aria-labelledby="sign-in-title">
      <h1 id="sign-in-title">Tributary</h1>
      <p className="muted">Sign in to build, test and publish flows.</p>
      <label htmlFor="sign-in-email">E-mail</label>
      <input
        id="sign-in-email"
        type="email"
        autoComplete="username"
        // biome-ignore lint/a11y/noAutofocus: the first field of the page
        autoFocus
        required
        value={email}
        onChange={(e) => setEmail(e.target.value)}
      />
      <label htmlFor="sign-in-password">Password</label>
      <input
        id="sign-in-password"
        type="password"
        autoComplete="current-password"
        required
        value={password}
        onChange={(e) => setPassword(e.target.value)}
      />
      <button type="submit" className="button button-primary" disabled={busy}>
        <LogIn size={14} /> {busy ? 'Signing in…' : 'Sign in'}
      </button>
    </form>
  );
}

function KeySignIn({ onError }: { onError: (text: string | null) => void }) {
  const [key, setKey] = useState('');
  const [checking, setChecking] = useState(false);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const trimmed = key.trim();
    if (!trimmed) {
      onError('Enter an API key.');
      return;
    }
    setChecking(true);
    onError(null);
    try {
      await request('/node-types', { key: trimmed });
      signIn(trimmed);
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) {
        onError('That API key is not valid. Check it, or ask an owner for a new one.');
      } else {
        onError(problemText(err));
      }
    } finally {
      setChecking(false);
    }
  };
  return (
    <form className="sign-in-card" onSubmit={submit} aria-labelledby="key-title">
      <h2 id="key-title">Or use an API key</h2>
      <label htmlFor="api-key">API key</label>
      <input
        id="api-key"
        type="password"
        autoComplete="off"
        value={key}
        aria-describedby="sign-in-help"
        onChange={(e) => setKey(e.target.value)}
      />
      <button type="submit" className="button" disabled={checking}>
        <KeyRound size={14} /> {checking ? 'Checking…' : 'Sign in with API key'}
      </button>
      <p className="muted" id="sign-in-help">
        For automation: a key from the API keys page, or <code>TRIBUTARY_API_KEY</code>. It is kept in this
        tab only.
      </p>
    </form>
  );
}

export function SignInPage() {
  const [error, setError] = useState<string | null>(() => takeSignOutReason());
  const [needsOwner, setNeedsOwner] = useState<boolean | null>(null);
  useEffect(() => {
    setupState()
      .then((state) => setNeedsOwner(state.needsOwner))
      .catch((err: unknown) => {
        setNeedsOwner(false);
        setError(problemText(err));
      });
  }, []);
  if (needsOwner === null) return <Loading label="Loading…" />;
  return (
    <main className="sign-in">
      {needsOwner ? <OwnerSetup onError={setError} /> : <PasswordSignIn onError={setError} />}
      {error ? (
        <p className="text-danger sign-in-error" role="alert">
          {error}
        </p>
      ) : null}
      <KeySignIn onError={setError} />
    </main>
  );
}
