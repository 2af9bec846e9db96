// The panel of the selected node: config form, its own options, and its step data from the run shown.
import { Trash2 } from 'lucide-react';
import { useMemo, useState } from 'react';
import { useEvent } from '../api/runs';
import type { Step } from '../api/types';
import { useVariables } from '../api/variables';
import type { FlowCanvasNode, NodeData } from '../canvas/node-data';
import { stepsOfNode } from '../canvas/run-status';
import { shownProblems, useCanvas } from '../canvas/store';
import { sampleValue, useDefaultSample, useSampleText } from '../test-run/sample-input';
import { NodeIcon } from '../ui/node-icon';
import { completionsOf } from './completions';
import { ConfigForm } from './config-form';
import { scopeFor } from './expression-scope';
import { NodeConnections } from './node-connections';
import { NodeOptions } from './node-options';
import { nodeProblems } from './problem-paths';
import { StepData } from './step-data';
import { WebhookUrl } from './webhook-url';

type Tab = 'config' | 'options' | 'data';

const NO_STEPS: Readonly<Record<string, Step>> = {};

interface NodePanelProps {
  flowId: string;
  node: FlowCanvasNode;
  published: boolean;
  onFollowRun: (runId: string) => void;
}

export function NodePanel({ flowId, node, published, onFollowRun }: NodePanelProps) {
  const info = useCanvas((s) => s.catalogue.get(node.data.type));
  const allProblems = useCanvas((s) => s.problems);
  const pristine = useCanvas((s) => s.pristine);
  const nodes = useCanvas((s) => s.nodes);
  const edges = useCanvas((s) => s.edges);
  const overlaySteps = useCanvas((s) => s.overlay?.steps);
  const lastSteps = useCanvas((s) => s.lastSteps);
  const lastEventId = useCanvas((s) => s.lastEventId);
  const readOnly = useCanvas((s) => s.viewing !== null);
  const updateNode = useCanvas((s) => s.updateNode);
  const deleteSelection = useCanvas((s) => s.deleteSelection);
  const hasOverlay = overlaySteps !== undefined;
  const [tab, setTab] = useState<Tab>(hasOverlay ? 'data' : 'config');
  const event = useEvent(lastEventId);
  const sampleText = useSampleText(flowId);
  const variables = useVariables();

  const mine = useMemo(
    () => nodeProblems(shownProblems({ problems: allProblems, pristine }), node.id),
    [allProblems, pristine, node.id],
  );
  const steps = useMemo(() => stepsOfNode(overlaySteps, node.id).reverse(), [overlaySteps, node.id]);
  const triggers = useMemo(() => nodes.filter((n) => n.type === 'trigger'), [nodes]);
  const defaultSample = useDefaultSample(triggers[0]);
  const completions = useMemo(() => {
    const scope = scopeFor({
      nodeId: node.id,
      steps: lastSteps,
      event: event.data,
      edges,
      sample: sampleValue(sampleText, defaultSample.item),
      triggerIds: new Set(triggers.map((t) => t.id)),
    });
    const vars = Object.fromEntries((variables.data?.items ?? []).map((v) => [v.name, v.value]));
    return completionsOf({ ...scope, vars });
  }, [node.id, lastSteps, event.data, edges, sampleText, defaultSample.item, triggers, variables.data]);
  const takenNames = useMemo(
    () => nodes.filter((n) => n.id !== node.id).map((n) => n.data.name),
    [nodes, node.id],
  );
  const change = (patch: Partial<NodeData>) => updateNode(node.id, patch);
  const count = mine.configGeneral.length + mine.other.length + Object.keys(mine.fields).length;

  const tabs: { id: Tab; label: string }[] = [
    { id: 'config', label: 'Configure' },
    { id: 'options', label: 'Options' },
    { id: 'data', label: steps.length > 0 ? `Data (${steps.length})` : 'Data' },
  ];

  return (
    <section className="node-panel" aria-label={`Node ${node.data.name}`}>
      <header className="node-panel-header">
        <span className={`flow-node-icon kind-${node.type}`}>
          <NodeIcon name={info?.icon} size={18} />
        </span>
        <div className="node-panel-title">
          <h2>{node.data.name}</h2>
          <span className="muted">{info?.title ?? node.data.type}</span>
        </div>
        {!readOnly ? (
          <button
            type="button"
            className="icon-button"
            aria-label="Delete this node"
            title="Delete this node (Delete)"
            onClick={deleteSelection}
          >
            <Trash2 size={16} />
          </button>
        ) : null}
      </header>
      {info ? <p className="node-panel-description muted">{info.description}</p> : null}
      {count > 0 ? (
        <ul className="problem-list" aria-label="Problems of this node">
          {[...mine.configGeneral, ...mine.other].map((message) => (
            <li key={message}>{message}</li>
          ))}
        </ul>
      ) : null}
      <div className="tabs" role="tablist" aria-label="Node sections">
        {tabs.map((t) => (
          <button
            key={t.id}
            type="button"
            role="tab"
            id={`node-tab-${t.id}`}
            aria-selected={tab === t.id}
            aria-controls={`node-tabpanel-${t.id}`}
            className={tab === t.id ? 'tab is-active' : 'tab'}
            onClick={() => setTab(t.id)}
          >
            {t.label}
          </button>
        ))}
      </div>
      <div
        className="tab-panel"
        role="tabpanel"
        id={`node-tabpanel-${tab}`}
        aria-labelledby={`node-tab-${tab}`}
      >
        {tab === 'config' ? (
          <>
            {info?.traits.trigger === 'webhook' ? (
              <WebhookUrl config={node.data.config} published={published} />
            ) : null}
            {info ? (
              <ConfigForm
                nodeId={node.id}
                info={info}
                config={node.data.config}
                errors={mine.configErrors}
                completions={completions}
                readOnly={readOnly}
                onChange={(config) => updateNode(node.id, { config }, `config:${node.id}`)}
              />
            ) : (
              <p className="text-danger">
                The node type “{node.data.type}” is not in this server's catalogue; its config cannot be
                edited.
              </p>
            )}
            {info?.outputDescription ? (
              <details className="output-description">
                <summary>What it outputs</summary>
                <p>{info.outputDescription}</p>
              </details>
            ) : null}
          </>
        ) : null}
        {tab === 'options' ? (
          <NodeOptions
            nodeId={node.id}
            data={node.data}
            info={info}
            takenNames={takenNames}
            fieldProblems={mine.fields}
            readOnly={readOnly}
            onChange={change}
          />
        ) : null}
        {tab === 'options' ? <NodeConnections node={node} readOnly={readOnly} /> : null}
        {tab === 'data' ? (
          <StepData
            flowId={flowId}
            steps={steps}
            runSteps={overlaySteps ?? NO_STEPS}
            onRedriven={onFollowRun}
          />
        ) : null}
      </div>
    </section>
  );
}
