// The flow editor: loads the flow into the canvas store and lays out toolbar, palette, canvas and side panel.

import { useMutation, useQueryClient } from '@tanstack/react-query';
import { ReactFlowProvider, useReactFlow } from '@xyflow/react';
import { useEffect, useState } from 'react';
import { ApiError, errorMessage } from '../api/client';
import { publishFlow, startTestRun, useFlow } from '../api/flows';
import { type NodeCatalogue, useNodeTypes } from '../api/node-types';
import { keys } from '../api/query-keys';
import type { DeadLetter, FlowView } from '../api/types';
import { FIT_VIEW } from '../canvas/fit-view';
import { FlowCanvas } from '../canvas/flow-canvas';
import { HelpPanel } from '../canvas/help-panel';
import type { FlowCanvasNode } from '../canvas/node-data';
import { Palette } from '../canvas/palette';
import { useShortcuts } from '../canvas/shortcuts';
import { currentDefinition, useCanvas } from '../canvas/store';
import { unreachableNodes, unreachableWarning } from '../canvas/warnings';
import { DeadLetterBrowser } from '../dead-letters/dead-letter-browser';
import { downloadDefinition } from '../flows/export-flow';
import { NodePanel } from '../panel/node-panel';
import { Link } from '../router/link';
import { RunBanner } from '../runs/run-banner';
import { RunsPanel } from '../runs/runs-panel';
import { readSampleText, sampleValue } from '../test-run/sample-input';
import { TestRunPanel } from '../test-run/test-run-panel';
import { ErrorState, Loading } from '../ui/states';
import { toast } from '../ui/toasts';
import { VersionBanner } from '../versions/version-banner';
import { VersionsPanel } from '../versions/versions-panel';
import { FlowSettings } from './flow-settings';
import { RestoreBanner } from './restore-banner';
import { Sidebar, type SidebarTab } from './sidebar';
import { Toolbar } from './toolbar';
import { useAutosave } from './use-autosave';
import { useRunFollow } from './use-run-follow';
import { useUnsavedGuard } from './use-unsaved-guard';

function selectedNode(nodes: readonly FlowCanvasNode[]): FlowCanvasNode | null {
  let found: FlowCanvasNode | null = null;
  for (const node of nodes) {
    if (!node.selected) continue;
    if (found) return null;
    found = node;
  }
  return found;
}

interface EditorProps {
  flow: FlowView;
  catalogue: NodeCatalogue;
  initialRunId: string | null;
}

function Editor({ flow, catalogue, initialRunId }: EditorProps) {
  const queryClient = useQueryClient();
  const [loaded, setLoaded] = useState(false);
  const node = useCanvas((s) => selectedNode(s.nodes));
  const selectedCount = useCanvas((s) => s.nodes.reduce((n, node) => n + (node.selected ? 1 : 0), 0));
  const readOnly = useCanvas((s) => s.viewing !== null);
  const [tab, setTab] = useState<SidebarTab>(initialRunId ? 'runs' : 'node');
  const [help, setHelp] = useState(false);
  const { fitView, zoomIn, zoomOut, screenToFlowPosition } = useReactFlow();
  const { state: save, flush } = useAutosave(flow.id);
  useUnsavedGuard(flow.id, flush);
  useRunFollow();

  // biome-ignore lint/correctness/useExhaustiveDependencies: loads once per mount (the page keys Editor by flow id); later answers for the same flow come from our own saves
  useEffect(() => {
    const canvas = useCanvas.getState();
    canvas.load(flow.id, flow.draft, flow.problems, catalogue);
    if (initialRunId) canvas.openRun(initialRunId, true);
    setLoaded(true);
  }, []);

  useEffect(() => {
    if (node?.id) setTab('node');
  }, [node?.id]);

  const openRun = (runId: string) => {
    useCanvas.getState().openRun(runId, true);
  };

  const testRun = useMutation({
    mutationFn: async (item: unknown) => {
      if (!(await flush())) throw new Error('the draft could not be saved; see the problems');
      return startTestRun(flow.id, item);
    },
    onSuccess: ({ runId }) => {
      openRun(runId);
      void queryClient.invalidateQueries({ queryKey: keys.events(flow.id) });
    },
    onError: (err) => {
      if (err instanceof ApiError && err.problems.length > 0) useCanvas.getState().setProblems(err.problems);
      toast('error', `Test run not started: ${errorMessage(err)}`);
    },
  });

  const publish = useMutation({
    mutationFn: async () => {
      if (!(await flush())) {
        const count = useCanvas.getState().problems.length;
        throw new Error(
          count > 0
            ? `fix the ${count} problem${count === 1 ? '' : 's'} first`
            : 'the draft could not be saved',
        );
      }
      return publishFlow(flow.id);
    },
    onSuccess: ({ version }) => {
      const { nodes, edges } = useCanvas.getState();
      const warning = unreachableWarning(unreachableNodes(nodes, edges));
      toast(
        'success',
        warning ? `Published version ${version}. Note: ${warning}.` : `Published version ${version}.`,
      );
      void queryClient.invalidateQueries({ queryKey: keys.flow(flow.id) });
      void queryClient.invalidateQueries({ queryKey: keys.versions(flow.id) });
      void queryClient.invalidateQueries({ queryKey: keys.flows, exact: true });
    },
    onError: (err) => {
      if (err instanceof ApiError && err.problems.length > 0) useCanvas.getState().setProblems(err.problems);
      toast('error', `Not published: ${errorMessage(err)}`);
    },
  });

  const addAtCenter = (type: string) => {
    const pane = document.querySelector('.canvas')?.getBoundingClientRect();
    const count = useCanvas.getState().nodes.length;
    const center = pane
      ? screenToFlowPosition({ x: pane.left + pane.width / 2, y: pane.top + pane.height / 2 })
      : { x: 0, y: 0 };
    useCanvas
      .getState()
      .addNode(type, { x: center.x - 110 + (count % 5) * 24, y: center.y - 30 + (count % 5) * 24 });
  };

  const runWithStoredSample = () => {
    const trigger = useCanvas.getState().nodes.find((n) => n.type === 'trigger');
    setTab('test');
    testRun.mutate(sampleValue(readSampleText(flow.id), trigger));
  };

  const fit = () => void fitView({ ...FIT_VIEW, duration: 200 });

  useShortcuts({
    undo: () => useCanvas.getState().undo(),
    redo: () => useCanvas.getState().redo(),
    copy: () => useCanvas.getState().copy(),
    paste: () => useCanvas.getState().paste(),
    duplicate: () => {
      if (useCanvas.getState().copy() > 0) useCanvas.getState().paste();
    },
    delete: () => useCanvas.getState().deleteSelection(),
    selectAll: () => useCanvas.getState().selectAll(),
    deselect: () => useCanvas.getState().selectOnly([]),
    save: () => void flush(),
    layout: () => {
      useCanvas.getState().layout();
      requestAnimationFrame(fit);
    },
    fit,
    zoomIn: () => void zoomIn({ duration: 150 }),
    zoomOut: () => void zoomOut({ duration: 150 }),
    testRun: runWithStoredSample,
    help: () => setHelp(true),
  });

  if (!loaded) return <Loading label="Opening the flow…" />;

  const nodeName = (_flowId: string, nodeId: string) =>
    useCanvas.getState().nodes.find((n) => n.id === nodeId)?.data.name ?? nodeId;
  const openLetterRun = (letter: DeadLetter) => {
    openRun(letter.runId);
    setTab('runs');
  };

  return (
    <div className="editor">
      <Toolbar
        flow={flow}
        save={save}
        publishing={publish.isPending}
        onPublish={() => publish.mutate()}
        onTest={() => setTab('test')}
        onExport={() => downloadDefinition(currentDefinition())}
        onFit={fit}
        onHelp={() => setHelp(true)}
      />
      <div className="editor-body">
        <Palette catalogue={catalogue} disabled={readOnly} onAdd={addAtCenter} />
        <FlowCanvas>
          <RunBanner />
          <VersionBanner />
          <RestoreBanner flow={flow} />
        </FlowCanvas>
        <Sidebar tab={tab} onTab={setTab}>
          {tab === 'node' ? (
            node ? (
              <NodePanel
                key={node.id}
                flowId={flow.id}
                node={node}
                published={flow.status === 'published'}
                onFollowRun={openRun}
              />
            ) : (
              <FlowSettings selectedCount={selectedCount} />
            )
          ) : null}
          {tab === 'test' ? (
            <TestRunPanel
              flowId={flow.id}
              running={testRun.isPending}
              onRun={(item) => testRun.mutate(item)}
            />
          ) : null}
          {tab === 'runs' ? <RunsPanel flowId={flow.id} onOpen={openRun} /> : null}
          {tab === 'versions' ? <VersionsPanel flow={flow} beforeView={flush} /> : null}
          {tab === 'dead-letters' ? (
            <DeadLetterBrowser
              flowId={flow.id}
              flowName={() => flow.name}
              nodeName={nodeName}
              onOpenRun={openLetterRun}
            />
          ) : null}
        </Sidebar>
      </div>
      <HelpPanel open={help} onClose={() => setHelp(false)} />
    </div>
  );
}

/** The editor page for one flow. */
export function FlowEditorPage({ flowId, runId }: { flowId: string; runId: string | null }) {
  const flow = useFlow(flowId);
  const types = useNodeTypes();
  if (flow.isError) {
    const missing = flow.error instanceof ApiError && flow.error.status === 404;
    return (
      <div className="page">
        {missing ? (
          <div className="state state-error" role="alert">
            <strong>This flow does not exist (any more).</strong> <Link href="/">Back to the flows</Link>
          </div>
        ) : (
          <ErrorState error={flow.error} onRetry={() => void flow.refetch()} />
        )}
      </div>
    );
  }
  if (types.isError) return <ErrorState error={types.error} onRetry={() => void types.refetch()} />;
  if (!flow.data || !types.data) return <Loading label="Loading the flow…" />;
  return (
    <ReactFlowProvider>
      <Editor key={flowId} flow={flow.data} catalogue={types.data} initialRunId={runId} />
    </ReactFlowProvider>
  );
}
