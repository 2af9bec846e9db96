// The users page, for owners: invite someone (a one-time link to pass on, also e-mailed when the server has
// SMTP), change roles, disable and enable users.
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { UserPlus } from 'lucide-react';
import { useState } from 'react';
import { errorMessage } from '../api/client';
import {
  type Invitation,
  inviteUser,
  type Role,
  type User,
  updateUser,
  usersKey,
  useUsers,
} from '../api/users';
import { CopyButton } from '../ui/copy-button';
import { ErrorState, Loading } from '../ui/states';
import { relativeTime } from '../ui/time';
import { toast } from '../ui/toasts';

const ROLES: Role[] = ['owner', 'editor', 'viewer'];

function InvitationLink({ invitation, onDone }: { invitation: Invitation; onDone: () => void }) {
  return (
    <section className="notice notice-success" aria-label="Invitation link">
      <p>
        {invitation.emailed
          ? `An e-mail with this link went to ${invitation.user.email}.`
          : `Send this link to ${invitation.user.email}${invitation.emailError ? ` (the e-mail failed: ${invitation.emailError})` : ''}.`}{' '}
        It works once, until {new Date(invitation.expiresAt).toLocaleString()}.
      </p>
      <div className="webhook-url-row">
        <code data-testid="invitation-link">{invitation.link}</code>
        <CopyButton text={invitation.link} label="Copy the invitation link" />
      </div>
      <button type="button" className="button" onClick={onDone}>
        Done
      </button>
    </section>
  );
}

export function UsersPage() {
  const users = useUsers();
  const queryClient = useQueryClient();
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<Role>('editor');
  const [invitation, setInvitation] = useState<Invitation | null>(null);
  const refresh = () => void queryClient.invalidateQueries({ queryKey: usersKey });

  const invite = useMutation({
    mutationFn: () => inviteUser(email.trim(), role),
    onSuccess: (made) => {
      setInvitation(made);
      setEmail('');
      refresh();
    },
    onError: (err) => toast('error', `Could not invite: ${errorMessage(err)}`),
  });
  const update = useMutation({
    mutationFn: ({ user, change }: { user: User; change: { role?: Role; disabled?: boolean } }) =>
      updateUser(user.id, change),
    onSuccess: (user) => {
      toast(
        'success',
        `${user.email} is now ${user.status === 'disabled' ? 'disabled' : `an active ${user.role}`}.`,
      );
      refresh();
    },
    onError: (err) => toast('error', `Could not change the user: ${errorMessage(err)}`),
  });

  return (
    <div className="page users-page">
      <div className="page-header">
        <h1>Users</h1>
      </div>
      <p className="muted">
        Owners do everything; editors build flows, run and redrive them and use credentials; viewers read.
      </p>
      <form
        className="filters"
        aria-label="Invite a user"
        onSubmit={(e) => {
          e.preventDefault();
          if (email.trim()) invite.mutate();
        }}
      >
        <label htmlFor="invite-email">E-mail</label>
        <input id="invite-email" type="email" value={email} onChange={(e) => setEmail(e.target.value)} />
        <label htmlFor="invite-role">Role</label>
        <select id="invite-role" value={role} onChange={(e) => setRole(e.target.value as Role)}>
          {ROLES.map((r) => (
            <option key={r} value={r}>
              {r}
            </option>
          ))}
        </select>
        <button type="submit" className="button button-primary" disabled={invite.isPending || !email.trim()}>
          <UserPlus size={14} /> Invite
        </button>
      </form>
      {invitation ? <InvitationLink invitation={invitation} onDone={() => setInvitation(null)} /> : null}
      {users.isPending ? <Loading label="Loading users…" /> : null}
      {users.isError ? <ErrorState error={users.error} onRetry={() => void users.refetch()} /> : null}
      {users.data ? (
        <table className="flow-table">
          <thead>
            <tr>
              <th scope="col">E-mail</th>
              <th scope="col">Role</th>
              <th scope="col">Status</th>
              <th scope="col">Since</th>
              <th scope="col">
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {users.data.items.map((user) => (
              <tr key={user.id} data-testid="user-row">
                <td>{user.email}</td>
                <td>
                  <select
                    aria-label={`Role of ${user.email}`}
                    value={user.role}
                    disabled={update.isPending}
                    onChange={(e) => update.mutate({ user, change: { role: e.target.value as Role } })}
                  >
                    {ROLES.map((r) => (
                      <option key={r} value={r}>
                        {r}
                      </option>
                    ))}
                  </select>
                </td>
                <td>
                  <span className={`badge badge-${user.status === 'active' ? 'published' : 'draft'}`}>
                    {user.status}
                  </span>
                </td>
                <td>{relativeTime(user.createdAt)}</td>
                <td className="row-actions">
                  <button
                    type="button"
                    className="button button-quiet"
                    disabled={update.isPending}
                    onClick={() => update.mutate({ user, change: { disabled: user.status !== 'disabled' } })}
                  >
                    {user.status === 'disabled' ? `Enable ${user.email}` : `Disable ${user.email}`}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </div>
  );
}
