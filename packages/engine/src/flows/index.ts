// flows/: flow definitions as people edit them — the draft, numbered immutable versions, publish, rollback,
// deactivate, test snapshots, the webhook routing index, and secrets masked in every answer.
export type { FlowRow, FlowView, SaveOptions } from './definitions.js';
export {
  activateVersion,
  createFlow,
  deactivateFlow,
  deleteFlow,
  getFlow,
  listFlows,
  listVersions,
  publishFlow,
  snapshotDraftForTest,
  updateDraft,
} from './definitions.js';
export { maskedSecretProblems, maskSecrets, restoreSecrets, SECRET_MASK } from './secrets.js';
