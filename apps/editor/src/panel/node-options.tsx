// A node's own settings: name, disabled, channel tag (sending nodes), retry policy, timeout and notes.
import type { NodeTypeInfo, RetryPolicyInput } from '../api/types';
import type { NodeData } from '../canvas/node-data';
import { DurationInput } from '../ui/duration-input';

interface NodeOptionsProps {
  nodeId: string;
  data: NodeData;
  info: NodeTypeInfo | undefined;
  takenNames: readonly string[];
  fieldProblems: Record<string, string[]>;
  readOnly: boolean;
  onChange: (patch: Partial<NodeData>) => void;
}

/** Channel tags offered while typing one (any short tag is allowed). */
const CHANNELS = ['email', 'sms', 'push', 'slack', 'webhook'];

function numberOrUndefined(text: string): number | undefined {
  if (text.trim() === '') return undefined;
  const n = Number(text);
  return Number.isFinite(n) ? Math.round(n) : undefined;
}

function Problems({ id, messages }: { id: string; messages: string[] | undefined }) {
  if (!messages || messages.length === 0) return null;
  return (
    <ul className="error-detail" id={id}>
      {messages.map((m) => (
        <li key={m} className="text-danger">
          {m}
        </li>
      ))}
    </ul>
  );
}

export function NodeOptions({
  nodeId,
  data,
  info,
  takenNames,
  fieldProblems,
  readOnly,
  onChange,
}: NodeOptionsProps) {
  const retry = data.retry ?? {};
  const defaults = info?.retry;
  const setRetry = (patch: Partial<RetryPolicyInput>) => {
    const next: RetryPolicyInput = { ...retry, ...patch };
    // Object.keys loses the key type of a plain object literal
    for (const key of Object.keys(next) as (keyof RetryPolicyInput)[]) {
      if (next[key] === undefined) delete next[key];
    }
    onChange({ retry: Object.keys(next).length > 0 ? next : undefined });
  };
  const id = (name: string) => `opt-${nodeId}-${name}`;
  const duplicateName = takenNames.includes(data.name.trim());
  const nameProblems = [
    ...(data.name.trim() === '' ? ['A node needs a name.'] : []),
    ...(duplicateName ? ['Another node already has this name; expressions refer to steps by name.'] : []),
    ...(fieldProblems.name ?? []),
  ];
  const canRetry = info?.category !== 'trigger';
  const sends = info?.category === 'action';

  return (
    <div className="node-options">
      <div className="form-group">
        <label htmlFor={id('name')}>Name</label>
        <input
          id={id('name')}
          value={data.name}
          readOnly={readOnly}
          aria-invalid={nameProblems.length > 0 || undefined}
          aria-describedby={id('name-error')}
          onChange={(e) => onChange({ name: e.target.value })}
        />
        <Problems id={id('name-error')} messages={nameProblems} />
      </div>
      <div className="form-group checkbox">
        <label>
          <input
            type="checkbox"
            checked={data.disabled ?? false}
            disabled={readOnly}
            onChange={(e) => onChange({ disabled: e.target.checked || undefined })}
          />
          Disabled (skipped when the flow runs)
        </label>
      </div>
      {sends ? (
        <fieldset className="sending-options">
          <legend>Channel</legend>
          <div className="form-group">
            <label htmlFor={id('channel')}>Channel tag</label>
            <input
              id={id('channel')}
              list={id('channels')}
              readOnly={readOnly}
              placeholder="none: not counted, not delayed"
              value={data.channel ?? ''}
              aria-invalid={(fieldProblems.channel?.length ?? 0) > 0 || undefined}
              aria-describedby={id('channel-help')}
              onChange={(e) => {
                const channel = e.target.value.trim() || undefined;
                onChange({ channel, ...(channel ? {} : { onCap: undefined }) });
              }}
            />
            <datalist id={id('channels')}>
              {CHANNELS.map((c) => (
                <option key={c} value={c} />
              ))}
            </datalist>
            <p className="muted" id={id('channel-help')}>
              Frequency caps count this node's sends on the channel across all flows; the flow's quiet hours
              delay them.
            </p>
            <Problems id={id('channel-error')} messages={fieldProblems.channel} />
          </div>
          {data.channel ? (
            <div className="form-group">
              <label htmlFor={id('on-cap')}>At the frequency cap</label>
              <select
                id={id('on-cap')}
                disabled={readOnly}
                value={data.onCap ?? 'port'}
                onChange={(e) => onChange({ onCap: e.target.value === 'wait' ? 'wait' : undefined })}
              >
                <option value="port">do not send; take the “capped” port</option>
                <option value="wait">wait until the cap allows it</option>
              </select>
              <Problems id={id('on-cap-error')} messages={fieldProblems.onCap} />
            </div>
          ) : null}
        </fieldset>
      ) : null}
      {canRetry ? (
        <fieldset className="retry-policy">
          <legend>Retry policy</legend>
          <p className="muted">Empty fields use the node type's defaults.</p>
          <div className="grid-2">
            <div className="form-group">
              <label htmlFor={id('attempts')}>Attempts</label>
              <input
                id={id('attempts')}
                type="number"
                min={1}
                max={50}
                readOnly={readOnly}
                placeholder={String(defaults?.attempts ?? '')}
                value={retry.attempts ?? ''}
                onChange={(e) => setRetry({ attempts: numberOrUndefined(e.target.value) })}
              />
            </div>
            <div className="form-group">
              <label htmlFor={id('backoff')}>Backoff</label>
              <select
                id={id('backoff')}
                disabled={readOnly}
                value={retry.backoff ?? ''}
                onChange={(e) =>
                  setRetry({
                    // the options are '' and the two backoff kinds
                    backoff: e.target.value === '' ? undefined : (e.target.value as 'fixed' | 'exponential'),
                  })
                }
              >
                <option value="">default ({defaults?.backoff ?? '—'})</option>
                <option value="exponential">exponential</option>
                <option value="fixed">fixed</option>
              </select>
            </div>
            <div className="form-group">
              <label htmlFor={id('delay')}>First delay</label>
              <DurationInput
                id={id('delay')}
                readOnly={readOnly}
                placeholder={defaults?.delayMs}
                value={retry.delayMs}
                onChange={(ms) => setRetry({ delayMs: typeof ms === 'number' ? ms : undefined })}
              />
            </div>
            <div className="form-group">
              <label htmlFor={id('max-delay')}>Max delay</label>
              <DurationInput
                id={id('max-delay')}
                readOnly={readOnly}
                placeholder={defaults?.maxDelayMs}
                value={retry.maxDelayMs}
                onChange={(ms) => setRetry({ maxDelayMs: typeof ms === 'number' ? ms : undefined })}
              />
            </div>
          </div>
          <div className="form-group">
            <label htmlFor={id('jitter')}>Jitter</label>
            <select
              id={id('jitter')}
              disabled={readOnly}
              value={retry.jitter === undefined ? '' : String(retry.jitter)}
              onChange={(e) =>
                setRetry({ jitter: e.target.value === '' ? undefined : e.target.value === 'true' })
              }
            >
              <option value="">default ({defaults?.jitter ? 'on' : 'off'})</option>
              <option value="true">on</option>
              <option value="false">off</option>
            </select>
          </div>
          <Problems id={id('retry-error')} messages={fieldProblems.retry} />
          <div className="form-group">
            <label htmlFor={id('timeout')}>Timeout per attempt</label>
            <DurationInput
              id={id('timeout')}
              readOnly={readOnly}
              placeholder="server default"
              invalid={(fieldProblems.timeoutMs?.length ?? 0) > 0}
              describedBy={id('timeout-error')}
              value={data.timeoutMs}
              onChange={(ms) => onChange({ timeoutMs: typeof ms === 'number' ? ms : undefined })}
            />
            <Problems id={id('timeout-error')} messages={fieldProblems.timeoutMs} />
          </div>
        </fieldset>
      ) : null}
      <div className="form-group">
        <label htmlFor={id('notes')}>Notes</label>
        <textarea
          id={id('notes')}
          rows={4}
          readOnly={readOnly}
          value={data.notes ?? ''}
          placeholder="What this node is for, who owns the API it calls…"
          onChange={(e) => onChange({ notes: e.target.value === '' ? undefined : e.target.value })}
        />
      </div>
    </div>
  );
}
