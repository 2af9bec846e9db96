// The audit log page: every change made through the API — flows, versions, credentials, sources, replays,
// redrives, discards — with who made it and when; filter by action, actor or target.
import { useState } from 'react';
import { useAudit } from '../api/audit';
import { EmptyState, ErrorState, Loading } from '../ui/states';
import { relativeTime } from '../ui/time';

/** A short, readable summary of an entry's details (never secrets: the API records none). */
function summary(details: unknown): string {
  if (details === null || details === undefined) return '';
  if (typeof details !== 'object') return String(details);
  return Object.entries(details as Record<string, unknown>)
    .map(([key, value]) => `${key}: ${typeof value === 'object' ? JSON.stringify(value) : String(value)}`)
    .join(' · ');
}

export function AuditPage() {
  const [action, setAction] = useState('');
  const [actor, setActor] = useState('');
  const [target, setTarget] = useState('');
  const audit = useAudit({ action: action.trim(), actor: actor.trim(), target: target.trim() });
  const items = audit.data?.items ?? [];
  return (
    <div className="page audit-page">
      <div className="page-header">
        <h1>Audit log</h1>
      </div>
      <p className="muted">
        Every change made through the API or the editor, who made it and when, newest first.
      </p>
      <div className="filters">
        <label>
          Action{' '}
          <input value={action} placeholder="e.g. flow.publish" onChange={(e) => setAction(e.target.value)} />
        </label>
        <label>
          Actor{' '}
          <input value={actor} placeholder="e.g. api_key:…" onChange={(e) => setActor(e.target.value)} />
        </label>
        <label>
          Target <input value={target} placeholder="an id" onChange={(e) => setTarget(e.target.value)} />
        </label>
      </div>
      {audit.isPending ? <Loading label="Loading the audit log…" /> : null}
      {audit.isError ? <ErrorState error={audit.error} onRetry={() => void audit.refetch()} /> : null}
      {audit.data && items.length === 0 ? (
        <EmptyState title="Nothing recorded">No change matches these filters.</EmptyState>
      ) : null}
      {items.length > 0 ? (
        <table className="flow-table audit-table">
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Action</th>
              <th scope="col">Target</th>
              <th scope="col">Who</th>
              <th scope="col">Details</th>
            </tr>
          </thead>
          <tbody>
            {items.map((entry) => (
              <tr key={entry.id} data-testid="audit-row">
                <td title={entry.at}>{relativeTime(entry.at)}</td>
                <td>
                  <code>{entry.action}</code>
                </td>
                <td>
                  {entry.targetType}
                  {entry.targetId ? (
                    <div className="muted">
                      <code>{entry.targetId}</code>
                    </div>
                  ) : null}
                </td>
                <td>
                  <code>{entry.actor}</code>
                </td>
                <td className="muted">{summary(entry.details)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </div>
  );
}
