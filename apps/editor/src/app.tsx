// The app shell: sign-in gate, top navigation and the page for the current route.
import { LogOut } from 'lucide-react';
import { AuditPage } from './audit/audit-page';
import { signOut, useApiKey } from './auth/session';
import { SignInPage } from './auth/sign-in-page';
import { CredentialsPage } from './credentials/credentials-page';
import { DeadLettersPage } from './dead-letters/dead-letters-page';
import { FlowEditorPage } from './editor/flow-editor-page';
import { EventLogPage } from './events/event-log-page';
import { FlowListPage } from './flows/flow-list-page';
import { PeoplePage } from './people/people-page';
import { Link } from './router/link';
import { useRoute } from './router/route';
import { SourcesPage } from './sources/sources-page';
import { Toaster } from './ui/toaster';

function Nav({ current }: { current: string }) {
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
      <span className="nav-spacer" />
      <a href="/docs" target="_blank" rel="noreferrer">
        API docs
      </a>
      <button type="button" className="button button-quiet" onClick={() => signOut()}>
        <LogOut size={14} /> Sign out
      </button>
    </nav>
  );
}

export function App() {
  const key = useApiKey();
  const route = useRoute();
  if (!key) {
    return (
      <>
        <SignInPage />
        <Toaster />
      </>
    );
  }
  return (
    <div className={route.name === 'flow' ? 'app app-editor' : 'app'}>
      {route.name === 'flow' ? null : <Nav current={route.name} />}
      {route.name === 'flows' ? <FlowListPage /> : null}
      {route.name === 'dead-letters' ? <DeadLettersPage /> : null}
      {route.name === 'credentials' ? <CredentialsPage /> : null}
      {route.name === 'sources' ? <SourcesPage /> : null}
      {route.name === 'audit' ? <AuditPage /> : null}
      {route.name === 'people' ? <PeoplePage personId={route.personId} /> : null}
      {route.name === 'events' ? <EventLogPage /> : null}
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
