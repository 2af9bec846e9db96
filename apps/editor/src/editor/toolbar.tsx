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
import { useState } from 'react';
import type { FlowView } from '../api/types';
import { useCanvas } from '../canvas/store';
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
  const problems = useCanvas((s) => s.problems);
  const updateMeta = useCanvas((s) => s.updateMeta);
  const undo = useCanvas((s) => s.undo);
  const redo = useCanvas((s) => s.redo);
  const layout = useCanvas((s) => s.layout);
  const selectOnly = useCanvas((s) => s.selectOnly);
  const [showProblems, setShowProblems] = useState(false);

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
          disabled={problems.length === 0}
        >
          <AlertTriangle size={14} />
          {problems.length === 0
            ? 'No problems'
            : `${problems.length} problem${problems.length === 1 ? '' : 's'}`}
        </button>
        {showProblems && problems.length > 0 ? (
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
                  <code>{p.path || 'flow'}</code> {p.message}
                </button>
              </li>
            ))}
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
        className="button button-primary"
        onClick={onPublish}
        disabled={readOnly || publishing}
        title="Publish the draft as a new version"
      >
        <Rocket size={14} /> {publishing ? 'Publishing…' : 'Publish'}
      </button>
    </header>
  );
}
