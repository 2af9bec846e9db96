// A coloured badge for a run, step, flow or dead-letter status.
export function StatusBadge({ status, label }: { status: string; label?: string }) {
  return (
    <span className={`badge badge-${status}`} data-status={status}>
      {label ?? status}
    </span>
  );
}
