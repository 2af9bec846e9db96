// Loading, empty and error states that say what is happening and what to do next.
import { AlertTriangle, Loader2 } from 'lucide-react';
import type { ReactNode } from 'react';
import { ApiError, errorMessage } from '../api/client';

export function Loading({ label = 'Loading…' }: { label?: string }) {
  return (
    <div className="state state-loading" role="status">
      <Loader2 className="spin" size={18} aria-hidden="true" />
      <span>{label}</span>
    </div>
  );
}

export function EmptyState({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="state state-empty">
      <strong>{title}</strong>
      {children ? <div>{children}</div> : null}
    </div>
  );
}

export function ErrorState({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  const unreachable = error instanceof ApiError && error.unreachable;
  return (
    <div className="state state-error" role="alert">
      <AlertTriangle size={18} aria-hidden="true" />
      <div>
        <strong>{unreachable ? 'The API is unreachable' : 'Something went wrong'}</strong>
        <div>{errorMessage(error)}</div>
        {unreachable ? <div>Check that the Tributary server is running, then try again.</div> : null}
      </div>
      {onRetry ? (
        <button type="button" className="button" onClick={onRetry}>
          Try again
        </button>
      ) : null}
    </div>
  );
}
