// The node on the canvas: icon, name, type, ports, problems and (during a run) its step's status.
import { Handle, type NodeProps, Position, useUpdateNodeInternals } from '@xyflow/react';
import { AlertTriangle, Ban } from 'lucide-react';
import { memo, useEffect, useMemo, useRef } from 'react';
import { NodeIcon } from '../ui/node-icon';
import { useNow } from '../ui/use-now';
import type { FlowCanvasNode, NodeKind } from './node-data';
import { DEFAULT_PORT, ERROR_PORT, portsOf } from './ports';
import { latestStepByNode, stepCountsDown, stepFacts, stepStatusLabel } from './run-status';
import { shownProblems, useCanvas } from './store';

function offset(index: number, count: number): string {
  return `${((index + 1) / (count + 1)) * 100}%`;
}

const FlowNodeCard = memo(function FlowNodeCard({ id, data, selected, type }: NodeProps<FlowCanvasNode>) {
  const info = useCanvas((s) => s.catalogue.get(data.type));
  const allProblems = useCanvas((s) => s.problems);
  const pristine = useCanvas((s) => s.pristine);
  const steps = useCanvas((s) => s.overlay?.steps);
  const ports = useMemo(
    () => portsOf(info, { config: data.config, channel: data.channel, onCap: data.onCap }),
    [info, data.config, data.channel, data.onCap],
  );
  const problems = useMemo(
    () => shownProblems({ problems: allProblems, pristine }).filter((p) => p.nodeId === id),
    [allProblems, pristine, id],
  );
  const step = useMemo(() => latestStepByNode(steps).get(id), [steps, id]);
  const now = useNow(step ? stepCountsDown(step) : false);
  const updateNodeInternals = useUpdateNodeInternals();
  const portKey = `${ports.inputs.join(',')}|${ports.outputs.join(',')}`;
  const measuredPorts = useRef(portKey);
  useEffect(() => {
    // a switch's ports follow its rules: React Flow must re-measure the handles when they change (not on mount,
    // where React Flow measures by itself and an early update would fit the view to half-measured nodes)
    if (measuredPorts.current === portKey) return;
    measuredPorts.current = portKey;
    updateNodeInternals(id);
  }, [id, portKey, updateNodeInternals]);
  const labelled = ports.outputs.length > 1 || ports.outputs.some((p) => p !== DEFAULT_PORT);

  const classes = [
    'flow-node',
    `kind-${type}`,
    selected ? 'is-selected' : '',
    data.disabled ? 'is-disabled' : '',
    problems.length > 0 ? 'has-problems' : '',
    step ? `step-${step.status}` : '',
  ];
  return (
    <div
      className={classes.filter(Boolean).join(' ')}
      style={{ minHeight: Math.max(ports.outputs.length, ports.inputs.length) * 20 + 16 }}
      data-testid="flow-node"
      data-node-name={data.name}
      data-step-status={step?.status ?? ''}
    >
      {ports.inputs.map((port, index) => (
        <Handle
          key={`in-${port}`}
          type="target"
          position={Position.Left}
          id={port}
          style={{ top: offset(index, ports.inputs.length) }}
          aria-label={`${data.name} input ${port}`}
        />
      ))}
      <div className="flow-node-header">
        <span className="flow-node-icon">
          <NodeIcon name={info?.icon} />
        </span>
        <span className="flow-node-name">{data.name}</span>
        {data.disabled ? <Ban size={14} aria-label="disabled" /> : null}
      </div>
      <div className="flow-node-type">
        {info?.title ?? `unknown type ${data.type}`}
        {data.channel ? (
          <span className="flow-node-channel" title="Channel tag: frequency caps and quiet hours apply">
            {data.channel}
          </span>
        ) : null}
      </div>
      {step ? (
        <div className="flow-node-step" data-testid="node-step">
          <span className={`dot dot-${step.status}`} aria-hidden="true" />
          {[stepStatusLabel(step.status), ...stepFacts(step, now)].join(' · ')}
        </div>
      ) : null}
      {problems.length > 0 ? (
        <div className="flow-node-problem" data-testid="node-problem">
          <AlertTriangle size={12} aria-hidden="true" />
          <span>
            {problems[0]?.message}
            {problems.length > 1 ? ` (+${problems.length - 1})` : ''}
          </span>
        </div>
      ) : null}
      {ports.outputs.map((port, index) => (
        <Handle
          key={`out-${port}`}
          type="source"
          position={Position.Right}
          id={port}
          className={port === ERROR_PORT ? 'handle-error' : undefined}
          style={{ top: offset(index, ports.outputs.length) }}
          aria-label={`${data.name} output ${port}`}
        >
          {labelled ? <span className="port-label">{port}</span> : null}
        </Handle>
      ))}
    </div>
  );
});

/** Node components by kind, at module scope so React Flow never sees a new object. */
export const nodeTypes: Record<NodeKind, typeof FlowNodeCard> = {
  trigger: FlowNodeCard,
  logic: FlowNodeCard,
  action: FlowNodeCard,
};
