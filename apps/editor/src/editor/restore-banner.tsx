// Offers changes that were never saved (refused by the API, or the tab closed first) for restoring.
import { Panel } from '@xyflow/react';
import { useState } from 'react';
import type { FlowView } from '../api/types';
import { useCanvas } from '../canvas/store';
import { clearBackup, restorableBackup } from './draft-backup';

export function RestoreBanner({ flow }: { flow: FlowView }) {
  const [backup, setBackup] = useState(() => restorableBackup(flow.id, flow.updatedAt, flow.draft));
  if (!backup) return null;
  const discard = () => {
    clearBackup(flow.id);
    setBackup(null);
  };
  return (
    <Panel position="top-left" className="canvas-banner restore-banner" data-testid="restore-banner">
      <span>Changes from {new Date(backup.savedAt).toLocaleTimeString()} were not saved.</span>
      <button
        type="button"
        className="button button-primary"
        onClick={() => {
          useCanvas.getState().replaceDefinition(backup.definition);
          setBackup(null);
        }}
      >
        Restore them
      </button>
      <button type="button" className="button" onClick={discard}>
        Discard
      </button>
    </Panel>
  );
}
