// The flow's rules beside its nodes: an exit goal (runs end when the person does something), how often one
// person may enter, the error flow started when a run fails, the flow's time zone, and how long runs are kept.
// Each edit changes the draft's `settings`.
import { useEffect, useMemo, useState } from 'react';
import { useFlows } from '../api/flows';
import { shownProblems, useCanvas } from '../canvas/store';
import { DurationInput } from '../ui/duration-input';

/** The re-entry choices, as the select offers them; `interval` is `{ minIntervalMs }`. */
type ReentryChoice = 'always' | 'once' | 'one-at-a-time' | 'interval';

/** What a minimum interval starts at when it is chosen: one day. */
const DEFAULT_INTERVAL_MS = 86_400_000;

function reentryChoice(value: unknown): ReentryChoice {
  if (value === 'once' || value === 'one-at-a-time') return value;
  if (value !== null && typeof value === 'object') return 'interval';
  return 'always';
}

function intervalOf(value: unknown): unknown {
  return value !== null && typeof value === 'object' ? Reflect.get(value, 'minIntervalMs') : undefined;
}

/** "Order Completed, Subscribed" → ["Order Completed", "Subscribed"]; one name stays a string. */
function eventsOf(text: string): string | string[] | undefined {
  const names = text
    .split(',')
    .map((n) => n.trim())
    .filter((n) => n.length > 0);
  if (names.length === 0) return undefined;
  return names.length === 1 ? names[0] : names;
}

/** The IANA zones this browser knows, offered while typing a time zone. */
const ZONES: readonly string[] = Intl.supportedValuesOf?.('timeZone') ?? [];

function eventsText(value: unknown): string {
  if (typeof value === 'string') return value;
  return Array.isArray(value) ? value.join(', ') : '';
}

export function JourneySettings() {
  const meta = useCanvas((s) => s.meta);
  const flowId = useCanvas((s) => s.flowId);
  const readOnly = useCanvas((s) => s.viewing !== null);
  const updateMeta = useCanvas((s) => s.updateMeta);
  const allProblems = useCanvas((s) => s.problems);
  const pristine = useCanvas((s) => s.pristine);
  const problems = useMemo(() => shownProblems({ problems: allProblems, pristine }), [allProblems, pristine]);
  const flows = useFlows();
  const settings = meta.settings;
  const exitOn = (settings.exitOn ?? undefined) as { event?: unknown; correlation?: string } | undefined;
  // the names as typed ("Ordered, " on the way to a second name); replaced when the setting changes elsewhere
  const [exitText, setExitText] = useState(() => eventsText(exitOn?.event));
  const exitEvent = exitOn?.event;
  useEffect(() => {
    setExitText((typed) =>
      JSON.stringify(eventsOf(typed)) === JSON.stringify(exitEvent) ? typed : eventsText(exitEvent),
    );
  }, [exitEvent]);

  /** Sets one setting; undefined removes it. */
  const set = (name: string, value: unknown) => {
    const next = { ...settings };
    if (value === undefined) delete next[name];
    else next[name] = value;
    updateMeta({ settings: next });
  };
  const problemsAt = (prefix: string) =>
    problems.filter((p) => p.path === prefix || p.path.startsWith(`${prefix}.`)).map((p) => p.message);

  return (
    <fieldset className="journey-settings">
      <legend>Rules</legend>
      <div className="form-group">
        <label htmlFor="exit-events">Exit when the person does</label>
        <input
          id="exit-events"
          readOnly={readOnly}
          placeholder="event names, e.g. Order Completed"
          value={exitText}
          aria-describedby="exit-events-help"
          onChange={(e) => {
            setExitText(e.target.value);
            const event = eventsOf(e.target.value);
            set('exitOn', event === undefined ? undefined : { ...exitOn, event });
          }}
        />
        <p className="muted" id="exit-events-help">
          A run that is waiting or delayed ends (canceled) when one of these events arrives for its person.
          Separate several names with commas.
        </p>
        <FieldProblems messages={problemsAt('settings.exitOn')} />
      </div>
      <div className="form-group">
        <label htmlFor="reentry">Re-entry per person</label>
        <select
          id="reentry"
          disabled={readOnly}
          value={reentryChoice(settings.reentry)}
          aria-describedby="reentry-help"
          onChange={(e) => {
            const choice = e.target.value as ReentryChoice; // the select's own option values
            if (choice === 'always') set('reentry', undefined);
            else if (choice === 'interval') {
              const kept = intervalOf(settings.reentry);
              set('reentry', { minIntervalMs: typeof kept === 'number' ? kept : DEFAULT_INTERVAL_MS });
            } else set('reentry', choice);
          }}
        >
          <option value="always">always: every matching event starts a run</option>
          <option value="once">once: a person enters only once, ever</option>
          <option value="one-at-a-time">one at a time: not while their run is in progress</option>
          <option value="interval">at most once per minimum interval</option>
        </select>
        {reentryChoice(settings.reentry) === 'interval' ? (
          <>
            <label htmlFor="reentry-interval" className="follow-up-label">
              Minimum interval
            </label>
            <DurationInput
              id="reentry-interval"
              readOnly={readOnly}
              value={intervalOf(settings.reentry)}
              onChange={(ms) => {
                if (typeof ms === 'number') set('reentry', { minIntervalMs: ms });
              }}
            />
          </>
        ) : null}
        <p className="muted" id="reentry-help">
          For tracking event triggers: the person is the event&apos;s userId, else its anonymousId. An event
          kept out starts no run; the event log shows which rule refused it.
        </p>
        <FieldProblems messages={problemsAt('settings.reentry')} />
      </div>
      <div className="form-group">
        <label htmlFor="error-flow">When a run fails, start</label>
        <select
          id="error-flow"
          disabled={readOnly}
          value={typeof settings.errorFlow === 'string' ? settings.errorFlow : ''}
          onChange={(e) => set('errorFlow', e.target.value || undefined)}
        >
          <option value="">no error flow</option>
          {flows.data?.items
            .filter((f) => f.id !== flowId)
            .map((f) => (
              <option key={f.id} value={f.slug}>
                {f.name}
              </option>
            ))}
        </select>
        <FieldProblems messages={problemsAt('settings.errorFlow')} />
      </div>
      <div className="form-group">
        <label htmlFor="flow-timezone">Time zone</label>
        <input
          id="flow-timezone"
          list="flow-timezones"
          readOnly={readOnly}
          placeholder="UTC"
          value={typeof settings.timezone === 'string' ? settings.timezone : ''}
          aria-describedby="flow-timezone-help"
          onChange={(e) => set('timezone', e.target.value.trim() || undefined)}
        />
        <datalist id="flow-timezones">
          {ZONES.map((zone) => (
            <option key={zone} value={zone} />
          ))}
        </datalist>
        <p className="muted" id="flow-timezone-help">
          The zone <code>$now()</code> and <code>$fromMillis()</code> write times in, and a schedule without
          its own time zone runs in.
        </p>
        <FieldProblems messages={problemsAt('settings.timezone')} />
      </div>
      <div className="form-group">
        <label htmlFor="retention-days">Keep finished runs for (days)</label>
        <input
          id="retention-days"
          type="number"
          min={1}
          max={3650}
          readOnly={readOnly}
          placeholder="the server's default"
          value={typeof settings.retentionDays === 'number' ? settings.retentionDays : ''}
          onChange={(e) => set('retentionDays', e.target.value === '' ? undefined : Number(e.target.value))}
        />
        <FieldProblems messages={problemsAt('settings.retentionDays')} />
      </div>
    </fieldset>
  );
}

function FieldProblems({ messages }: { messages: string[] }) {
  if (messages.length === 0) return null;
  return (
    <ul className="error-detail">
      {messages.map((m) => (
        <li key={m} className="text-danger">
          {m}
        </li>
      ))}
    </ul>
  );
}
