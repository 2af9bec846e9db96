// RJSF widget for a config field marked `x-flow-slug` (the flow a "Call a flow" node calls): a select of the
// flows that start with "Called by a flow", by name, with a link to open the one chosen. A slug that names no
// such flow stays listed as it is, so publish can say what is wrong with it.
import type { WidgetProps } from '@rjsf/utils';
import { useFlows } from '../api/flows';
import { useCanvas } from '../canvas/store';
import { Link } from '../router/link';

export function FlowSlugWidget({ id, value, disabled, readonly, rawErrors, onChange, onBlur }: WidgetProps) {
  const flows = useFlows();
  const catalogue = useCanvas((s) => s.catalogue);
  const callable = (flows.data?.items ?? [])
    .filter((flow) =>
      flow.draft.nodes.some((node) => catalogue.get(node.type)?.traits.trigger === 'sub-flow'),
    )
    .sort((a, b) => a.name.localeCompare(b.name));
  const current = typeof value === 'string' ? value : '';
  const chosen = callable.find((flow) => flow.slug === current);
  const unknown = current !== '' && flows.data !== undefined && !chosen;
  return (
    <div className="flow-slug-picker">
      <select
        id={id}
        value={current}
        disabled={disabled || readonly}
        aria-invalid={(rawErrors?.length ?? 0) > 0 || undefined}
        aria-describedby={`${id}__error ${id}__description`}
        onChange={(e) => onChange(e.target.value === '' ? undefined : e.target.value)}
        onBlur={() => onBlur(id, current)}
      >
        <option value="">Choose a flow…</option>
        {unknown ? <option value={current}>{current} (no callable flow has this slug)</option> : null}
        {callable.map((flow) => (
          <option key={flow.id} value={flow.slug}>
            {flow.name} ({flow.slug}){flow.status === 'published' ? '' : ' — not published'}
          </option>
        ))}
      </select>
      {flows.data && callable.length === 0 ? (
        <p className="muted">No flow starts with “Called by a flow” yet.</p>
      ) : null}
      {chosen ? <Link href={`/flows/${chosen.id}`}>Open {chosen.name}</Link> : null}
    </div>
  );
}
