// A copy of unsaved draft changes in localStorage, so a refused save or a closed tab loses nothing.
import type { FlowDefinition } from '../api/types';

const PREFIX = 'tributary.unsaved.';

export interface DraftBackup {
  savedAt: string;
  definition: FlowDefinition;
}

/** Keeps the definition the API has not accepted yet. */
export function writeBackup(flowId: string, definition: FlowDefinition): void {
  try {
    const backup: DraftBackup = { savedAt: new Date().toISOString(), definition };
    localStorage.setItem(PREFIX + flowId, JSON.stringify(backup));
  } catch {
    // storage full or disabled: the backup is a convenience, saving to the API is what counts
  }
}

/** The kept definition, if any. */
export function readBackup(flowId: string): DraftBackup | null {
  try {
    const text = localStorage.getItem(PREFIX + flowId);
    // written by writeBackup above
    return text ? (JSON.parse(text) as DraftBackup) : null;
  } catch {
    // unreadable backups are ignored
    return null;
  }
}

/** Forgets the backup once the API has the changes (or they are discarded). */
export function clearBackup(flowId: string): void {
  try {
    localStorage.removeItem(PREFIX + flowId);
  } catch {
    // nothing to clear when storage is disabled
  }
}

/** The backup when it holds changes newer than, and different from, the draft the API has. */
export function restorableBackup(
  flowId: string,
  updatedAt: string,
  draft: FlowDefinition,
): DraftBackup | null {
  const backup = readBackup(flowId);
  if (!backup) return null;
  const newer = Date.parse(backup.savedAt) > Date.parse(updatedAt);
  if (!newer || JSON.stringify(backup.definition) === JSON.stringify(draft)) {
    clearBackup(flowId);
    return null;
  }
  return backup;
}
