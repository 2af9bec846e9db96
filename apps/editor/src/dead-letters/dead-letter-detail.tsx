// One dead letter: its error, attempts and input; edit the input and redrive it.
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { errorMessage } from '../api/client';
import { redriveOne } from '../api/dead-letters';
import { keys } from '../api/query-keys';
import type { DeadLetter } from '../api/types';
import { errorText } from '../canvas/run-status';
import { between, duration, relativeTime } from '../ui/time';
import { toast } from '../ui/toasts';

interface DeadLetterDetailProps {
  letter: DeadLetter;
  onOpenRun: (letter: DeadLetter) => void;
}

export function DeadLetterDetail({ letter, onOpenRun }: DeadLetterDetailProps) {
  const original = JSON.stringify(letter.input, null, 2) ?? '';
  const [input, setInput] = useState(original);
  const [useCurrent, setUseCurrent] = useState(false);
  const [parseError, setParseError] = useState<string | null>(null);
  const queryClient = useQueryClient();
  const redrive = useMutation({
    mutationFn: (options: { input?: unknown; useCurrentVersion: boolean }) => redriveOne(letter.id, options),
    onSuccess: () => {
      toast('success', 'Redriven: the run resumes from this step.');
      void queryClient.invalidateQueries({ queryKey: keys.allDeadLetters });
      void queryClient.invalidateQueries({ queryKey: keys.allDeadLetterGroups });
      void queryClient.invalidateQueries({ queryKey: keys.allRuns });
    },
    onError: (err) => toast('error', `Redrive failed: ${errorMessage(err)}`),
  });
  const edited = input !== original;
  const submit = () => {
    let parsed: unknown;
    if (edited) {
      try {
        parsed = JSON.parse(input);
      } catch (err) {
        setParseError(`The input is not valid JSON: ${err instanceof Error ? err.message : String(err)}`);
        return;
      }
    }
    setParseError(null);
    redrive.mutate(
      edited ? { input: parsed, useCurrentVersion: useCurrent } : { useCurrentVersion: useCurrent },
    );
  };
  const id = `dl-${letter.id}`;
  return (
    <div className="dead-letter-detail" data-testid="dead-letter-detail">
      <div className="step-error" role="note">
        {errorText(letter.error) ?? 'No error recorded'}
      </div>
      <p className="muted">
        Node <code>{letter.nodeId}</code> · version {letter.version} · dead since{' '}
        {relativeTime(letter.createdAt)} ·{' '}
        <button type="button" className="link-button" onClick={() => onOpenRun(letter)}>
          open the run
        </button>
      </p>
      {letter.attempts.length > 0 ? (
        <table className="attempts">
          <caption>Attempts</caption>
          <thead>
            <tr>
              <th scope="col">#</th>
              <th scope="col">Took</th>
              <th scope="col">Error</th>
            </tr>
          </thead>
          <tbody>
            {letter.attempts.map((a) => (
              <tr key={a.n}>
                <td>{a.n}</td>
                <td>{duration(between(a.startedAt, a.finishedAt))}</td>
                <td>{a.error ? `${a.error.code}: ${a.error.message}` : 'ok'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      {letter.status === 'pending' ? (
        <>
          <label htmlFor={`${id}-input`}>Input {edited ? '(edited)' : ''}</label>
          <textarea
            id={`${id}-input`}
            className="json-input"
            rows={Math.min(14, Math.max(4, input.split('\n').length))}
            spellCheck={false}
            value={input}
            aria-invalid={parseError ? true : undefined}
            onChange={(e) => setInput(e.target.value)}
          />
          {parseError ? (
            <p className="text-danger" role="alert">
              {parseError}
            </p>
          ) : null}
          <label className="checkbox">
            <input type="checkbox" checked={useCurrent} onChange={(e) => setUseCurrent(e.target.checked)} />
            Run on the flow's current version (instead of version {letter.version})
          </label>
          <div className="button-row">
            <button
              type="button"
              className="button button-primary"
              disabled={redrive.isPending}
              onClick={submit}
            >
              {edited ? 'Redrive with this input' : 'Redrive'}
            </button>
            {edited ? (
              <button type="button" className="button" onClick={() => setInput(original)}>
                Undo edits
              </button>
            ) : null}
          </div>
        </>
      ) : (
        <p className="muted">
          {letter.status} {relativeTime(letter.redrivenAt)}
        </p>
      )}
    </div>
  );
}
