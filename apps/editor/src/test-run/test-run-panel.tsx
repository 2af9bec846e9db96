// Test runs of the draft: edit the trigger's sample item (or pin a past event), run it, watch it on the canvas.
import { Play } from 'lucide-react';
import { useMemo, useState } from 'react';
import { useEvents } from '../api/runs';
import { isDoneStep } from '../api/statuses';
import type { PlanViolation } from '../api/types';
import { useCanvas } from '../canvas/store';
import { PlanViolationList } from '../ui/plan-violations';
import { StatusBadge } from '../ui/status-badge';
import { relativeTime } from '../ui/time';
import { eventLabel } from './event-label';
import { type DefaultSample, saveSampleText, useDefaultSample, useSampleText } from './sample-input';

/** "Checkout Started, 2 min ago" for the logged event an example was taken from. */
function sampleLabel(from: NonNullable<DefaultSample['from']>): string {
  return `${from.name ?? from.type}, ${relativeTime(from.receivedAt)}`;
}

interface TestRunPanelProps {
  flowId: string;
  running: boolean;
  onRun: (item: unknown) => void;
}

export function TestRunPanel({ flowId, running, onRun }: TestRunPanelProps) {
  const nodes = useCanvas((s) => s.nodes);
  const overlay = useCanvas((s) => s.overlay);
  const trigger = useMemo(() => nodes.find((n) => n.type === 'trigger'), [nodes]);
  const triggerInfo = useCanvas((s) => (trigger ? s.catalogue.get(trigger.data.type) : undefined));
  const defaultSample = useDefaultSample(trigger);
  const stored = useSampleText(flowId);
  const defaultText = JSON.stringify(defaultSample.item, null, 2);
  const text = stored ?? defaultText;
  // until the trigger's example has arrived, running would start the flow with a stand-in
  const waiting = stored === null && !defaultSample.ready;
  const [error, setError] = useState<string | null>(null);
  // how the pinned past event broke its source's tracking plan, shown until the input is changed
  const [pinnedViolations, setPinnedViolations] = useState<PlanViolation[] | null>(null);
  const events = useEvents(flowId);

  const setText = (next: string) => {
    saveSampleText(flowId, next);
    setError(null);
    setPinnedViolations(null);
  };

  const run = () => {
    let item: unknown;
    try {
      item = JSON.parse(text);
    } catch (err) {
      setError(`The test input is not valid JSON: ${err instanceof Error ? err.message : String(err)}`);
      return;
    }
    onRun(item);
  };

  const pin = (eventId: string) => {
    const event = events.data?.items.find((e) => e.id === eventId);
    if (!event) return;
    setText(JSON.stringify(event.payload, null, 2));
    setPinnedViolations(event.planViolations);
  };

  const steps = overlay ? Object.values(overlay.steps) : [];
  const done = steps.filter((s) => isDoneStep(s.status));

  return (
    <section className="test-run-panel" aria-label="Test run">
      <p className="muted">
        Runs the current draft once, without publishing. The trigger outputs the item below.
      </p>
      {triggerInfo?.outputDescription ? (
        <details className="output-description">
          <summary>What the trigger outputs</summary>
          <p>{triggerInfo.outputDescription}</p>
        </details>
      ) : null}
      <div className="form-group">
        <label htmlFor="pin-event">Use a past event</label>
        <select
          id="pin-event"
          value=""
          onChange={(e) => pin(e.target.value)}
          disabled={!events.data || events.data.items.length === 0}
        >
          <option value="">
            {events.isPending
              ? 'Loading events…'
              : events.data?.items.length
                ? 'Choose an event to copy its payload'
                : 'No events for this flow yet'}
          </option>
          {events.data?.items.map((event) => (
            <option key={event.id} value={event.id}>
              {eventLabel(event)}
              {event.planViolations?.length ? ' · breaks the tracking plan' : ''}
            </option>
          ))}
        </select>
      </div>
      <div className="form-group">
        <div className="label-row">
          <label htmlFor="test-input">Test input (JSON)</label>
          <button type="button" className="link-button" onClick={() => setText(defaultText)}>
            Reset to the example
          </button>
        </div>
        <p className="muted" data-testid="sample-origin">
          {defaultSample.from
            ? `The example is the newest logged event the trigger lets through: ${sampleLabel(defaultSample.from)}.`
            : triggerInfo?.traits.trigger === 'tracking'
              ? 'The example is made up from the trigger’s settings: no logged event matches them yet.'
              : 'The example is made up from the trigger’s settings.'}
        </p>
        <textarea
          id="test-input"
          className="json-input"
          rows={12}
          spellCheck={false}
          value={text}
          aria-invalid={error ? true : undefined}
          aria-describedby="test-input-error"
          onChange={(e) => setText(e.target.value)}
        />
        <PlanViolationList violations={pinnedViolations} />
        {error ? (
          <p className="text-danger" id="test-input-error" role="alert">
            {error}
          </p>
        ) : null}
      </div>
      <button
        type="button"
        className="button button-primary"
        onClick={run}
        disabled={running || waiting || !trigger}
      >
        <Play size={14} /> {running ? 'Starting…' : 'Run test'}
      </button>
      {!trigger ? <p className="muted">Add a trigger node first.</p> : null}
      {overlay?.run ? (
        <div className="test-run-status" data-testid="test-run-status">
          <StatusBadge status={overlay.run.status} />
          <span>
            {done.length}/{steps.length} steps finished
          </span>
        </div>
      ) : null}
    </section>
  );
}
