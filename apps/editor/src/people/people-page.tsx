// People: find a person by id, e-mail or any trait value, and see what is known about them — traits, the ids
// they are known by, their recent events and the runs they are in, each run one click from its flow.
import { useQueries } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { useFlows } from '../api/flows';
import { useProfile, useProfileSearch } from '../api/profiles';
import { listRuns } from '../api/runs';
import type { ProfileSummary, RunSummary } from '../api/types';
import { Link } from '../router/link';
import { navigate } from '../router/route';
import { EmptyState, ErrorState, Loading } from '../ui/states';
import { StatusBadge } from '../ui/status-badge';
import { relativeTime } from '../ui/time';

/** The id people know someone by: their userId, else an anonymousId. */
function primaryId(profile: Pick<ProfileSummary, 'identities'>): string {
  return (
    profile.identities.find((i) => i.kind === 'userId')?.value ?? profile.identities[0]?.value ?? '(no id)'
  );
}

/** A trait as text for a table cell. */
function traitText(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

const HEADLINE_TRAITS = ['email', 'name', 'firstName', 'lastName', 'plan'];

export function PeoplePage({ personId }: { personId: string | null }) {
  const [typed, setTyped] = useState('');
  const [q, setQ] = useState('');
  // searches as the person types, once they pause
  useEffect(() => {
    const timer = setTimeout(() => setQ(typed.trim()), 250);
    return () => clearTimeout(timer);
  }, [typed]);
  const search = useProfileSearch(q);
  const items = search.data?.items ?? [];

  return (
    <div className="page people-page">
      <div className="page-header">
        <h1>People</h1>
      </div>
      <p className="muted">
        Everyone your sources have told about: search by the start of a userId or anonymousId, or by any trait
        value such as an e-mail address.
      </p>
      <div className="filters">
        <label>
          Search people{' '}
          <input
            type="search"
            value={typed}
            placeholder="e.g. ada@example.com or user-42"
            onChange={(e) => setTyped(e.target.value)}
          />
        </label>
      </div>
      <div className="people-layout">
        <div className="people-list">
          {search.isPending ? <Loading label="Looking…" /> : null}
          {search.isError ? <ErrorState error={search.error} onRetry={() => void search.refetch()} /> : null}
          {search.data && items.length === 0 ? (
            <EmptyState title={q ? `Nobody matches “${q}”` : 'Nobody yet'}>
              {q
                ? 'Try the start of an id, or a word from an e-mail or name.'
                : 'People appear here once a source sends identify, track or page calls.'}
            </EmptyState>
          ) : null}
          {items.length > 0 ? (
            <table className="flow-table people-table">
              <thead>
                <tr>
                  <th scope="col">Person</th>
                  <th scope="col">Traits</th>
                  <th scope="col">Updated</th>
                </tr>
              </thead>
              <tbody>
                {items.map((profile) => (
                  <tr
                    key={profile.id}
                    data-testid="person-row"
                    aria-selected={personId === profile.id}
                    className={personId === profile.id ? 'is-selected' : undefined}
                  >
                    <td>
                      <Link href={`/people?id=${profile.id}`}>{primaryId(profile)}</Link>
                      {profile.identities.length > 1 ? (
                        <span className="muted"> +{profile.identities.length - 1} ids</span>
                      ) : null}
                    </td>
                    <td className="muted">
                      {HEADLINE_TRAITS.filter((t) => profile.traits[t] !== undefined)
                        .map((t) => traitText(profile.traits[t]))
                        .join(' · ')}
                    </td>
                    <td className="muted">{relativeTime(profile.updatedAt)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          ) : null}
        </div>
        {personId ? <PersonDetail id={personId} onClose={() => void navigate('/people')} /> : null}
      </div>
    </div>
  );
}

function PersonDetail({ id, onClose }: { id: string; onClose: () => void }) {
  const profile = useProfile(id);
  const flows = useFlows();
  const ids = (profile.data?.identities ?? []).slice(0, 5).map((i) => i.value);
  // a merged person's runs may be under each of their ids: one query per id, merged newest first
  const runQueries = useQueries({
    queries: ids.map((person) => ({
      queryKey: ['runs', { person }] as const,
      queryFn: () => listRuns({ person }),
    })),
  });
  const runs: RunSummary[] = runQueries
    .flatMap((r) => r.data?.items ?? [])
    .sort((a, b) => (a.createdAt < b.createdAt ? 1 : -1));
  const flowName = (flowId: string) =>
    flows.data?.items.find((f) => f.id === flowId)?.name ?? 'a deleted flow';

  if (profile.isPending) return <Loading label="Loading the person…" />;
  if (profile.isError) return <ErrorState error={profile.error} />;
  const person = profile.data;
  return (
    <section className="person-detail" aria-label={`Person ${primaryId(person)}`}>
      <header className="person-header">
        <h2>{primaryId(person)}</h2>
        <button type="button" className="button button-quiet" onClick={onClose}>
          Close
        </button>
      </header>
      <p className="muted">
        Known since {relativeTime(person.createdAt)}, last updated {relativeTime(person.updatedAt)}.
      </p>
      <h3>Ids</h3>
      <ul className="identity-list" data-testid="person-ids">
        {person.identities.map((i) => (
          <li key={`${i.kind}:${i.value}`}>
            <span className="muted">{i.kind}</span> <code>{i.value}</code>
          </li>
        ))}
      </ul>
      <h3>Traits</h3>
      {Object.keys(person.traits).length === 0 ? (
        <p className="muted">No traits yet: identify calls set them.</p>
      ) : (
        <table className="flow-table trait-table" data-testid="person-traits">
          <tbody>
            {Object.entries(person.traits).map(([name, value]) => (
              <tr key={name}>
                <th scope="row">{name}</th>
                <td>{traitText(value)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <h3>Runs</h3>
      {runs.length === 0 ? (
        <p className="muted">Not in any run yet.</p>
      ) : (
        <ul className="person-runs" data-testid="person-runs">
          {runs.map((run) => (
            <li key={run.id}>
              <StatusBadge status={run.status} />{' '}
              <Link href={`/flows/${run.flowId}?run=${run.id}`}>{flowName(run.flowId)}</Link>
              {run.endedAt ? (
                <span className="muted">
                  {' '}
                  · ended at {run.endedAt.name}
                  {run.endedAt.port ? ` (${run.endedAt.port})` : ''}
                </span>
              ) : null}
              <span className="muted"> · {relativeTime(run.createdAt)}</span>
            </li>
          ))}
        </ul>
      )}
      <h3>Recent events</h3>
      {person.recentEvents.length === 0 ? (
        <p className="muted">No events yet.</p>
      ) : (
        <ul className="person-events" data-testid="person-events">
          {person.recentEvents.map((event) => (
            <li key={event.id}>
              <span className="muted">{relativeTime(event.receivedAt)}</span> · {event.name ?? event.type}
              <span className="muted"> · {event.type}</span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
