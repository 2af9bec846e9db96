// Accepting an invitation: the link's token (in the URL fragment, never sent to a server's log) and a new
// password make the account, then the user is signed in.
import { Check } from 'lucide-react';
import { type FormEvent, useState } from 'react';
import { acceptInvitation } from '../api/auth';
import { ApiError } from '../api/client';
import { navigate } from '../router/route';
import { signedInAs } from './session';

function tokenOfLocation(): string {
  return new URLSearchParams(window.location.hash.replace(/^#/, '')).get('token') ?? '';
}

export function InvitationPage() {
  const [token] = useState(tokenOfLocation);
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(token ? null : 'This invitation link is incomplete.');
  const [busy, setBusy] = useState(false);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      signedInAs(await acceptInvitation(token, password));
      await navigate('/', { replace: true });
    } catch (err) {
      if (err instanceof ApiError && err.status === 404) {
        setError('This invitation was used, has expired or was replaced. Ask an owner for a new one.');
      } else if (err instanceof ApiError && err.problems.length > 0) {
        setError(err.problems.map((p) => p.message).join('; '));
      } else {
        setError(err instanceof Error ? err.message : String(err));
      }
    } finally {
      setBusy(false);
    }
  };
  return (
    <main className="sign-in">
      <form className="sign-in-card" onSubmit={submit} aria-labelledby="invitation-title">
        <h1 id="invitation-title">Join Tributary</h1>
        <p className="muted">Choose a password for your account.</p>
        <label htmlFor="invitation-password">New password</label>
        <input
          id="invitation-password"
          type="password"
          autoComplete="new-password"
          required
          minLength={10}
          value={password}
          onChange={(e) => setPassword(e.target.value)}
        />
        {error ? (
          <p className="text-danger" role="alert">
            {error}
          </p>
        ) : null}
        <button type="submit" className="button button-primary" disabled={busy || !token}>
          <Check size={14} /> {busy ? 'Saving…' : 'Set password and sign in'}
        </button>
      </form>
    </main>
  );
}
