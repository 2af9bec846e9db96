// The editor's top bar: back, name, status, save state, undo/redo, layout, problems, test run and publish.
import {
  AlertTriangle,
  ArrowLeft,
  Download,
  FlaskConical,
  Keyboard,
  LayoutGrid,
  Maximize,
  Redo2,
  Rocket,
  Undo2,
} from 'lucide-react';
import { useEffect, useMemo, useState } from 'react';
import type { FlowView } from '../api/types';
import { shownProblems, useCanvas } from '../canvas/store';
import { unreachableNodes, unreachableWarning } from '../canvas/warnings';
import { Link } from '../router/link';
import { IconButton } from '../ui/icon-button';
import { StatusBadge } from '../ui/status-badge';
import type { SaveState } from './use-autosave';

interface ToolbarProps {
  flow: FlowView;
  save: SaveState;
  publishing: boolean;
  onPublish: () => void;
  onTest: () => void;
  onExport: () => void;
  onFit: () => void;
  onHelp: () => void;
}

function SaveIndicator({ save, dirty }: { save: SaveState; dirty: boolean }) {
  let text = 'All changes saved';
  if (save.kind === 'saving') text = 'Saving…';
  else if (save.kind === 'error') text = `Not saved: ${save.message}`;
  else if (dirty || save.kind === 'pending') text = 'Unsaved changes';
  return (
    <span className={`save-state save-${save.kind}`} role="status" data-testid="save-state" title={text}>
      {text}
    </span>
  );
}

export function flowStatusLabel(flow: Pick<FlowView, 'status' | 'activeVersion'>): string {
  if (flow.status === 'published') return `published v${flow.activeVersion ?? '?'}`;
  return flow.status;
}

export function Toolbar({
  flow,
  save,
  publishing,
  onPublish,
  onTest,
  onExport,
  onFit,
  onHelp,
}: ToolbarProps) {
  const name = useCanvas((s) => s.meta.name);
  const canUndo = useCanvas((s) => s.past.length > 0 && s.viewing === null);
  const canRedo = useCanvas((s) => s.future.length > 0 && s.viewing === null);
  const dirty = useCanvas((s) => s.revision !== s.savedRevision);
  const readOnly = useCanvas((s) => s.viewing !== null);
  const allProblems = useCanvas((s) => s.problems);
  const pristine = useCanvas((s) => s.pristine);
  const problems = useMemo(() => shownProblems({ problems: allProblems, pristine }), [allProblems, pristine]);
  const nodes = useCanvas((s) => s.nodes);
  const edges = useCanvas((s) => s.edges);
  const unreachable = useMemo(() => unreachableNodes(nodes, edges), [nodes, edges]);
  const warning = unreachableWarning(unreachable);
  const revealProblems = useCanvas((s) => s.revealProblems);
  const updateMeta = useCanvas((s) => s.updateMeta);
  const undo = useCanvas((s) => s.undo);
  const redo = useCanvas((s) => s.redo);
  const layout = useCanvas((s) => s.layout);
  const selectOnly = useCanvas((s) => s.selectOnly);
  const [showProblems, setShowProblems] = useState(false);
  const blocking = allProblems.length;
  const listed = problems.length + (warning ? 1 : 0);

  // Escape closes the list, so typing afterwards does not land in a field the popover covered
  useEffect(() => {
    if (!showProblems) return;
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') setShowProblems(false);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [showProblems]);

  return (
    <header className="toolbar">
      <Link href="/" className="icon-button" aria-label="Back to flows" title="Back to flows">
        <ArrowLeft size={18} />
      </Link>
      <input
        className="flow-name-input"
        aria-label="Flow name"
        value={name}
        readOnly={readOnly}
        onChange={(e) => updateMeta({ name: e.target.value })}
      />
      <StatusBadge status={flow.status} label={flowStatusLabel(flow)} />
      <SaveIndicator save={save} dirty={dirty} />
      <div className="toolbar-spacer" />
      <div className="toolbar-group">
        <IconButton label="Undo" title="Undo (Ctrl+Z)" onClick={undo} disabled={!canUndo}>
          <Undo2 size={16} />
        </IconButton>
        <IconButton label="Redo" title="Redo (Ctrl+Shift+Z)" onClick={redo} disabled={!canRedo}>
          <Redo2 size={16} />
        </IconButton>
        <IconButton
          label="Auto-layout"
          title="Auto-layout (Shift+L)"
          onClick={() => {
            layout();
            requestAnimationFrame(onFit);
          }}
          disabled={readOnly}
        >
          <LayoutGrid size={16} />
        </IconButton>
        <IconButton label="Fit view" title="Fit view (Shift+F)" onClick={onFit}>
          <Maximize size={16} />
        </IconButton>
        <IconButton label="Export JSON" onClick={onExport}>
          <Download size={16} />
        </IconButton>
        <IconButton label="Keyboard shortcuts" title="Keyboard shortcuts (?)" onClick={onHelp}>
          <Keyboard size={16} />
        </IconButton>
      </div>
      <div className="problems-menu">
        <button
          type="button"
          className={problems.length > 0 ? 'button button-warning' : 'button'}
          aria-expanded={showProblems}
          aria-controls="problems-popover"
          data-testid="problems-button"
          onClick={() => setShowProblems((v) => !v)}
          disabled={listed === 0}
        >
          <AlertTriangle size={14} />
          {problemsLabel(problems.length, warning ? 1 : 0)}
        </button>
        {showProblems && listed > 0 ? (
          <ul className="popover" id="problems-popover" aria-label="Problems">
            {problems.map((p) => (
              <li key={`${p.path}:${p.message}`}>
                <button
                  type="button"
                  className="link-button"
                  onClick={() => {
                    if (p.nodeId) selectOnly([p.nodeId]);
                    setShowProblems(false);
                  }}
                >
                  {p.message}
                </button>
              </li>
            ))}
            {warning ? (
              <li className="warning-item">
                <button
                  type="button"
                  className="link-button"
                  onClick={() => {
                    selectOnly(unreachable.map((n) => n.id));
                    setShowProblems(false);
                  }}
                >
                  Warning: {warning}
                </button>
              </li>
            ) : null}
          </ul>
        ) : null}
      </div>
      <button
        type="button"
        className="button"
        onClick={onTest}
        disabled={readOnly}
        title="Test run (Ctrl+Enter)"
      >
        <FlaskConical size={14} /> Test run
      </button>
      <button
        type="button"
        className={blocking > 0 ? 'button button-primary is-blocked' : 'button button-primary'}
        // with problems the button stays focusable and, when pressed, lists them instead of publishing
        aria-disabled={blocking > 0 || undefined}
        onClick={() => {
          if (blocking === 0) {
            onPublish();
            return;
          }
          revealProblems();
          setShowProblems(true);
        }}
        disabled={readOnly || publishing}
        title={
          blocking > 0
            ? `Fix ${blocking} problem${blocking === 1 ? '' : 's'} to publish`
            : 'Publish the draft as a new version'
        }
      >
        <Rocket size={14} /> {publishLabel(publishing, blocking)}
      </button>
    </header>
  );
}

function problemsLabel(problems: number, warnings: number): string {
  const parts: string[] = [];
  if (problems > 0) parts.push(`${problems} problem${problems === 1 ? '' : 's'}`);
  if (warnings > 0) parts.push(`${warnings} warning${warnings === 1 ? '' : 's'}`);
  return parts.length === 0 ? 'No problems' : parts.join(' · ');
}

function publishLabel(publishing: boolean, blocking: number): string {
  if (publishing) return 'Publishing…';
  return blocking > 0 ? `Publish (${blocking} to fix)` : 'Publish';
}
