// The public surface of @tributary/engine, listed name by name: what apps and tools may use. Everything else
// is the engine's own; its stages live in folders named after the pipeline (see README.md).

// access
export type {
  ApiKeyView,
  Invitation,
  LoginClient,
  LoginResult,
  Principal,
  Scope,
  UserView,
} from './access/index.js';
export {
  acceptInvitation,
  actorName,
  bootstrapOwnerKey,
  createApiKey,
  createOwner,
  csrfTokenOf,
  endSession,
  ensureOwner,
  invitationFor,
  inviteUser,
  isScope,
  issueApiKey,
  LOGIN_WINDOW_MS,
  listApiKeys,
  listUsers,
  login,
  MAX_CLIENT_LOGIN_FAILURES,
  MAX_LOGIN_FAILURES,
  MIN_PASSWORD_LENGTH,
  needsOwner,
  ROLE_SCOPES,
  revokeApiKey,
  SCOPES,
  scopesBeyond,
  updateUser,
  verifyApiKey,
  verifySession,
} from './access/index.js';
// backfill
export type { BackfillFilter, BackfillPassOptions, BackfillRequest, BackfillView } from './backfill/index.js';
export {
  advanceBackfills,
  BACKFILL_TRIGGER_KINDS,
  cancelBackfill,
  DEFAULT_BACKFILL_MAX_IN_FLIGHT,
  getBackfill,
  listBackfills,
  MAX_BACKFILL_MAX_IN_FLIGHT,
  startBackfill,
} from './backfill/index.js';
export type { DiscardResult, RedriveOptions } from './control/index.js';
export { discardDeadLetters, redrive, redriveMany, replayRun, startTestRun } from './control/index.js';
export type { EngineContext, EngineSettings, IngestSpan, Logger, RunAnswer, Tracing } from './core/index.js';
export {
  createLogger,
  DEFAULT_SETTINGS,
  endIngestSpan,
  generateEncryptionKey,
  isConnectionError,
  Keyring,
  KeyringError,
  keyIdOf,
  LeanHistogram,
  parseEncryptionKey,
  REDACT_PATHS,
  SPAN_ATTRIBUTES,
  startIngestSpan,
  webhookAnswerOf,
  withTimeout,
} from './core/index.js';
// credentials
export type {
  CredentialInput,
  CredentialUpdate,
  CredentialUser,
  CredentialView,
  WebhookCredentialResult,
} from './credentials/index.js';
export {
  CREDENTIAL_MASK,
  createCredential,
  deleteCredential,
  getCredential,
  listCredentials,
  rotateCredentials,
  testCredential,
  updateCredential,
  webhookCredential,
} from './credentials/index.js';
// the engine and its context
export type { Engine, EngineOptions } from './engine.js';
export { createEngine, redisAnswers, redisConnection } from './engine.js';
// flows
export type { FlowView, MovedSecrets, SaveOptions } from './flows/index.js';
export {
  activateVersion,
  createFlow,
  deactivateFlow,
  deleteFlow,
  getFlow,
  listFlows,
  listVersions,
  moveWebhookSecretsToCredentials,
  publishFlow,
  SECRET_MASK,
  updateDraft,
} from './flows/index.js';
// history and control
export type {
  AuditQuery,
  DeadLetterGroup,
  DeadLetterQuery,
  EventListQuery,
  FlowStats,
  Page,
  PageQuery,
  RunListQuery,
  TestRunFilter,
} from './history/index.js';
export {
  flowStats,
  getDeadLetter,
  getEvent,
  getRun,
  groupDeadLetters,
  listAudit,
  listDeadLetters,
  listEvents,
  listRuns,
  recentEventNames,
} from './history/index.js';
// accepting events
export type { IngestInput, IngestResult, IngestTarget, WebhookTarget } from './ingest/index.js';
export { ingest, routeWebhook, withDatabase } from './ingest/index.js';
export type { ProfileView, ProfileWithEvents } from './profiles/index.js';
export { getProfile, PROFILE_SEARCH_LIMIT, searchProfiles } from './profiles/index.js';
export type { RetentionOptions, RetentionPass } from './retention/index.js';
export { applyRetention } from './retention/index.js';
export { cancelRun } from './runs/index.js';
// sending rules across flows: the instance's frequency caps
export type { FrequencyCapInput, FrequencyCapView } from './sending/index.js';
export {
  createFrequencyCap,
  deleteFrequencyCap,
  getFrequencyCap,
  listFrequencyCaps,
  MAX_CAP_LIMIT,
  MAX_CAP_PERIOD_MS,
  MIN_CAP_PERIOD_MS,
  updateFrequencyCap,
} from './sending/index.js';
export type {
  EventSchemaVersion,
  EventSchemaView,
  PlanBreach,
  PlanCheck,
  SampleEvent,
  SourceView,
  SourceWithKey,
  TrackingMessage,
  TrackingResult,
  WriteKeyResolution,
} from './tracking/index.js';
export {
  checkTrackingPlan,
  createSource,
  deleteEventSchema,
  eventNameOf,
  eventSchemaVersions,
  getSource,
  ingestTracking,
  listEventSchemas,
  listSources,
  lookUpWriteKey,
  putEventSchema,
  resolveWriteKey,
  rotateWriteKey,
  sampleTrackingEvent,
  setSourcePlan,
  setSourceStatus,
} from './tracking/index.js';
// the instance's variables ($vars)
export type { VariableInput, VariableView } from './variables/index.js';
export { deleteVariable, getVariable, listVariables, setVariable } from './variables/index.js';
