// A strip over the canvas while a published version is shown read-only.

import { Panel, useReactFlow } from '@xyflow/react';
import { FIT_VIEW } from '../canvas/fit-view';
import { useCanvas } from '../canvas/store';

export function VersionBanner() {
  const viewing = useCanvas((s) => s.viewing);
  const leaveVersion = useCanvas((s) => s.leaveVersion);
  const { fitView } = useReactFlow();
  if (!viewing) return null;
  return (
    <Panel position="top-left" className="canvas-banner version-banner" data-testid="version-banner">
      <span>Viewing version {viewing.version} — read-only</span>
      <button
        type="button"
        className="button"
        onClick={() => {
          leaveVersion();
          void fitView(FIT_VIEW);
        }}
      >
        Back to the draft
      </button>
    </Panel>
  );
}
