// The app shell: sign-in gate, top navigation and the page for the current route.
import { useQuery } from '@tanstack/react-query';
import { LogOut } from 'lucide-react';
import { useEffect } from 'react';
import { currentSession, logOut, whoAmI } from './api/auth';
import { ApiKeysPage } from './api-keys/api-keys-page';
import { AuditPage } from './audit/audit-page';
import { InvitationPage } from './auth/invitation-page';
import { signedInAs, signOut, useAuth } from './auth/session';
import { SignInPage } from './auth/sign-in-page';
import { CredentialsPage } from './credentials/credentials-page';
import { DeadLettersPage } from './dead-letters/dead-letters-page';
import { FlowEditorPage } from './editor/flow-editor-page';
import { EventLogPage } from './events/event-log-page';
import { FlowListPage } from './flows/flow-list-page';
import { FrequencyCapsPage } from './frequency-caps/frequency-caps-page';
import { PeoplePage } from './people/people-page';
import { Link } from './router/link';
import { useRoute } from './router/route';
import { SourcesPage } from './sources/sources-page';
import { Loading } from './ui/states';
import { Toaster } from './ui/toaster';
import { UsersPage } from './users/users-page';
import { VariablesPage } from './variables/variables-page';

async function signOutEverywhere(viaSession: boolean): Promise<void> {
  try {
    if (viaSession) await logOut();
  } finally {
    signOut();
  }
}

function Nav({ current, viaSession, identity }: { current: string; viaSession: boolean; identity: string }) {
  // who is signed in decides whether the owners' pages are offered (the API checks again on each call)
  const who = useQuery({ queryKey: ['auth', 'session', identity], queryFn: whoAmI, staleTime: 60_000 });
  const admin = who.data?.scopes.includes('admin') ?? false;
  return (
    <nav className="app-nav" aria-label="Main">
      <Link href="/" className="brand">
        Tributary
      </Link>
      <Link href="/" aria-current={current === 'flows' ? 'page' : undefined}>
        Flows
      </Link>
      <Link href="/dead-letters" aria-current={current === 'dead-letters' ? 'page' : undefined}>
        Dead letters
      </Link>
      <Link href="/credentials" aria-current={current === 'credentials' ? 'page' : undefined}>
        Credentials
      </Link>
      <Link href="/variables" aria-current={current === 'variables' ? 'page' : undefined}>
        Variables
      </Link>
      <Link href="/frequency-caps" aria-current={current === 'frequency-caps' ? 'page' : undefined}>
        Frequency caps
      </Link>
      <Link href="/sources" aria-current={current === 'sources' ? 'page' : undefined}>
        Sources
      </Link>
      <Link href="/people" aria-current={current === 'people' ? 'page' : undefined}>
        People
      </Link>
      <Link href="/events" aria-current={current === 'events' ? 'page' : undefined}>
        Event log
      </Link>
      <Link href="/audit" aria-current={current === 'audit' ? 'page' : undefined}>
        Audit log
      </Link>
      {admin ? (
        <Link href="/users" aria-current={current === 'users' ? 'page' : undefined}>
          Users
        </Link>
      ) : null}
      <Link href="/api-keys" aria-current={current === 'api-keys' ? 'page' : undefined}>
        API keys
      </Link>
      <span className="nav-spacer" />
      {who.data ? <span className="muted nav-who">{who.data.name}</span> : null}
      <a href="/docs" target="_blank" rel="noreferrer">
        API docs
      </a>
      <button
        type="button"
        className="button button-quiet"
        onClick={() => void signOutEverywhere(viaSession)}
      >
        <LogOut size={14} /> Sign out
      </button>
    </nav>
  );
}

export function App() {
  const auth = useAuth();
  const route = useRoute();
  useEffect(() => {
    // a signed-in user's cookie outlives the tab's memory: ask the API who it belongs to
    if (auth.kind === 'checking') void currentSession().then(signedInAs);
  }, [auth.kind]);
  if (route.name === 'invitation') {
    return (
      <>
        <InvitationPage />
        <Toaster />
      </>
    );
  }
  if (auth.kind === 'checking') return <Loading label="Signing in…" />;
  if (auth.kind === 'signed-out') {
    return (
      <>
        <SignInPage />
        <Toaster />
      </>
    );
  }
  return (
    <div className={route.name === 'flow' ? 'app app-editor' : 'app'}>
      {route.name === 'flow' ? null : (
        <Nav
          current={route.name}
          viaSession={auth.kind === 'session'}
          identity={auth.kind === 'key' ? auth.key.slice(0, 12) : auth.session.name}
        />
      )}
      {route.name === 'flows' ? <FlowListPage /> : null}
      {route.name === 'dead-letters' ? <DeadLettersPage /> : null}
      {route.name === 'credentials' ? <CredentialsPage /> : null}
      {route.name === 'variables' ? <VariablesPage /> : null}
      {route.name === 'frequency-caps' ? <FrequencyCapsPage /> : null}
      {route.name === 'sources' ? <SourcesPage /> : null}
      {route.name === 'audit' ? <AuditPage /> : null}
      {route.name === 'people' ? <PeoplePage personId={route.personId} /> : null}
      {route.name === 'events' ? <EventLogPage /> : null}
      {route.name === 'users' ? <UsersPage /> : null}
      {route.name === 'api-keys' ? <ApiKeysPage /> : null}
      {route.name === 'flow' ? <FlowEditorPage flowId={route.flowId} runId={route.runId} /> : null}
      {route.name === 'not-found' ? (
        <div className="page">
          <h1>Not found</h1>
          <p>
            Nothing lives at <code>{route.path}</code>. <Link href="/">Go to the flows</Link>.
          </p>
        </div>
      ) : null}
      <Toaster />
    </div>
  );
}
