// How an event breaks its source's tracking plan: a badge for lists, the messages for a detail view.
import type { PlanViolation } from '../api/types';

/** "breaks plan" beside an event flagged by its source's tracking plan; nothing for others. */
export function PlanViolationBadge({ violations }: { violations: readonly PlanViolation[] | null }) {
  if (!violations?.length) return null;
  const count = violations.length === 1 ? '1 problem' : `${violations.length} problems`;
  return (
    <span className="badge badge-failed" title={count} data-testid="plan-violation-badge">
      breaks plan
    </span>
  );
}

/** The messages of a flagged event, each with the schema version it was checked against. */
export function PlanViolationList({ violations }: { violations: readonly PlanViolation[] | null }) {
  if (!violations?.length) return null;
  return (
    <section
      className="notice notice-warning"
      aria-label="Tracking plan violations"
      data-testid="plan-violations"
    >
      <p>This event breaks its source's tracking plan (it was accepted and flagged):</p>
      <ul className="error-detail">
        {violations.map((v) => (
          <li key={`${v.path} ${v.message}`}>
            {v.message}
            <span className="muted">
              {v.schemaVersion === null ? ' · not in the plan' : ` · schema version ${v.schemaVersion}`}
            </span>
          </li>
        ))}
      </ul>
    </section>
  );
}
