// Shown in the side panel when no node is selected: the flow's description, its rules, and a hint about what
// to do.
import { useCanvas } from '../canvas/store';
import { JourneySettings } from './journey-settings';
import { QuietHoursSettings } from './quiet-hours-settings';

export function FlowSettings({ selectedCount }: { selectedCount: number }) {
  const meta = useCanvas((s) => s.meta);
  const nodeCount = useCanvas((s) => s.nodes.length);
  const readOnly = useCanvas((s) => s.viewing !== null);
  const updateMeta = useCanvas((s) => s.updateMeta);
  return (
    <section className="flow-settings" aria-label="Flow settings">
      {nodeCount === 0 ? (
        <div className="notice">
          <strong>Start with a trigger.</strong> Drag “Webhook” from the palette onto the canvas (or select it
          and press Enter), then add logic and actions and connect their ports.
        </div>
      ) : (
        <p className="muted">
          {selectedCount > 1
            ? `${selectedCount} nodes selected. Copy (Ctrl+C), delete (Delete) or move them together.`
            : 'Select a node to configure it.'}
        </p>
      )}
      <div className="form-group">
        <label htmlFor="flow-slug">Slug</label>
        <input id="flow-slug" value={meta.slug} readOnly aria-describedby="flow-slug-help" />
        <p className="muted" id="flow-slug-help">
          The flow's stable id for the CLI and deployments.
        </p>
      </div>
      <div className="form-group">
        <label htmlFor="flow-description">Description</label>
        <textarea
          id="flow-description"
          rows={4}
          readOnly={readOnly}
          value={meta.description}
          onChange={(e) => updateMeta({ description: e.target.value })}
        />
      </div>
      <JourneySettings />
      <QuietHoursSettings />
    </section>
  );
}
