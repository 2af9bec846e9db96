// flows/: flow definitions as people edit them — the draft, numbered immutable versions, publish, rollback,
// deactivate, test snapshots, the webhook routing index, secrets masked in every answer, and the start-up
// migration of secrets once held inline into credentials.
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
export type { MovedSecrets } from './move-inline-secrets.js';
export { moveWebhookSecretsToCredentials } from './move-inline-secrets.js';
export {
  inlineSecretProblems,
  maskedSecretProblems,
  maskSecrets,
  restoreSecrets,
  SECRET_MASK,
} from './secrets.js';
