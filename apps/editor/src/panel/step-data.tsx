// What a node did in the run on the canvas: status, attempts, console lines, input, output per port, error.
import type { Step } from '../api/types';
import { heldWords } from '../canvas/held-words';
import { errorText, stepStatusLabel } from '../canvas/run-status';
import { JsonView } from '../ui/json-view';
import { StatusBadge } from '../ui/status-badge';
import { between, duration, relativeTime } from '../ui/time';
import { StepRedrive } from './step-redrive';

/** The console lines of each attempt that printed any (the code node's), oldest attempt first. */
function StepConsole({ attempts }: { attempts: Step['attempts'] }) {
  const printed = attempts.filter((attempt) => attempt.logs);
  if (printed.length === 0) return null;
  return (
    <>
      <h4>Console</h4>
      {printed.map((attempt) => (
        <div key={attempt.n} className="step-console" data-testid="step-console">
          {attempts.length > 1 ? <div className="muted">attempt {attempt.n}</div> : null}
          <pre>
            {attempt.logs?.lines.map((line, index) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: lines have no id, and a stored attempt's never change
              <div key={index} className={`console-line console-${line.level}`}>
                {line.text}
              </div>
            ))}
          </pre>
          {attempt.logs?.dropped ? (
            <p className="muted">
              {attempt.logs.dropped} more line{attempt.logs.dropped === 1 ? '' : 's'} not kept (at most 100
              lines and 16 KB per attempt)
            </p>
          ) : null}
        </div>
      ))}
    </>
  );
}

/**
 * The config expressions that gave nothing on the last attempt that evaluated any: the field went out as null
 * (or '' inside text), which is rarely what was meant — a misspelt path, data the sample lacks.
 */
function StepEmptyExpressions({ attempts }: { attempts: Step['attempts'] }) {
  const last = [...attempts].reverse().find((attempt) => attempt.emptyExpressions?.length);
  if (!last?.emptyExpressions) return null;
  return (
    <div className="step-warning" role="note" data-testid="step-empty-expressions">
      <h4>Expressions that gave nothing</h4>
      <ul>
        {last.emptyExpressions.map(({ path, expression }) => (
          <li key={`${path} ${expression}`}>
            <code>{path.replace(/^config\.?/, '') || 'config'}</code>: <code>{`{{ ${expression} }}`}</code>{' '}
            gave nothing, so it was sent as empty
          </li>
        ))}
      </ul>
    </div>
  );
}

/** The HTTP request each attempt sent (an HTTP node's), secrets masked as the API keeps them. */
function StepRequests({ attempts }: { attempts: Step['attempts'] }) {
  const sent = attempts.filter((attempt) => attempt.request);
  if (sent.length === 0) return null;
  return (
    <>
      <h4>Request sent</h4>
      {sent.map(({ n, request }) =>
        request ? (
          <div key={n} className="step-request" data-testid="step-request">
            {attempts.length > 1 ? <div className="muted">attempt {n}</div> : null}
            <p>
              <code>
                {request.method} {request.url}
              </code>
            </p>
            <JsonView value={request.headers} label={`Request headers of attempt ${n}`} />
            {request.body !== undefined ? (
              <>
                <pre className="request-body">{request.body}</pre>
                {request.truncated ? (
                  <p className="muted">first 8 KB of {request.bodyBytes} bytes shown</p>
                ) : null}
              </>
            ) : null}
          </div>
        ) : null,
      )}
    </>
  );
}

/** What a Respond to webhook step answered the run's webhook request, or which step had answered first. */
function StepAnswer({ step, runSteps }: { step: Step; runSteps: Readonly<Record<string, Step>> }) {
  const answer = step.response;
  if (!answer) return null;
  if (!answer.sent) {
    const first = runSteps[answer.answeredBy];
    return (
      <>
        <h4>Webhook answer</h4>
        <p className="muted" data-testid="step-answer">
          Not sent: {first ? `“${first.name}”` : 'another step of this run'} had answered the webhook first.
        </p>
      </>
    );
  }
  const size =
    answer.bodyBytes === 0 ? 'no body' : `${answer.bodyBytes} byte${answer.bodyBytes === 1 ? '' : 's'}`;
  return (
    <>
      <h4>Webhook answer</h4>
      <p data-testid="step-answer">
        Sent <code>{answer.status}</code> · {size}
      </p>
      {Object.keys(answer.headers).length > 0 ? (
        <JsonView value={answer.headers} label="Webhook answer headers" />
      ) : null}
    </>
  );
}

interface StepDataProps {
  flowId: string;
  steps: Step[];
  /** Every step of the run shown, by id. */
  runSteps: Readonly<Record<string, Step>>;
  onRedriven: (runId: string) => void;
}

function StepCard({
  flowId,
  step,
  runSteps,
  onRedriven,
}: {
  flowId: string;
  step: Step;
  /** The steps of the run by id, to name the one that answered the webhook first. */
  runSteps: Readonly<Record<string, Step>>;
  onRedriven: (runId: string) => void;
}) {
  const error = errorText(step.error);
  return (
    <article className="step-card" data-testid="step-data" data-step-status={step.status}>
      <header className="step-card-header">
        <StatusBadge status={step.status} label={stepStatusLabel(step.status)} />
        <span className="muted">
          {duration(step.durationMs)} · {step.attempts.length} attempt{step.attempts.length === 1 ? '' : 's'}
        </span>
      </header>
      {step.held ? (
        <p className="notice" data-testid="step-held">
          {heldWords(step.held)}
        </p>
      ) : null}
      {error ? (
        <div className="step-error" role="alert">
          {error}
        </div>
      ) : null}
      {step.status === 'dead' ? <StepRedrive flowId={flowId} step={step} onRedriven={onRedriven} /> : null}
      {step.attempts.length > 0 ? (
        <table className="attempts">
          <caption>Attempts</caption>
          <thead>
            <tr>
              <th scope="col">#</th>
              <th scope="col">Started</th>
              <th scope="col">Took</th>
              <th scope="col">Error</th>
            </tr>
          </thead>
          <tbody>
            {step.attempts.map((attempt) => (
              <tr key={attempt.n}>
                <td>{attempt.n}</td>
                <td>{relativeTime(attempt.startedAt)}</td>
                <td>{duration(between(attempt.startedAt, attempt.finishedAt))}</td>
                <td>{attempt.error ? `${attempt.error.code}: ${attempt.error.message}` : 'ok'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      <StepConsole attempts={step.attempts} />
      <StepEmptyExpressions attempts={step.attempts} />
      <StepRequests attempts={step.attempts} />
      <StepAnswer step={step} runSteps={runSteps} />
      <h4>Input</h4>
      <JsonView value={step.input} label="Step input" />
      <h4>Output</h4>
      {step.output && Object.keys(step.output).length > 0 ? (
        Object.entries(step.output).map(([port, items]) => (
          <div key={port} className="port-output" data-port={port}>
            <div className="muted">
              port <code>{port}</code> · {items.length} item{items.length === 1 ? '' : 's'}
            </div>
            <JsonView value={items} label={`Output on ${port}`} />
          </div>
        ))
      ) : (
        <p className="muted">No output{step.status === 'succeeded' ? ' items' : ' yet'}.</p>
      )}
    </article>
  );
}

export function StepData({ flowId, steps, runSteps, onRedriven }: StepDataProps) {
  if (steps.length === 0) {
    return (
      <p className="muted">
        This node has no step in the run shown. Start a test run, or open a run from the Runs tab, to see its
        input and output here.
      </p>
    );
  }
  return (
    <div className="step-data">
      {steps.map((step) => (
        <StepCard key={step.id} flowId={flowId} step={step} runSteps={runSteps} onRedriven={onRedriven} />
      ))}
    </div>
  );
}
