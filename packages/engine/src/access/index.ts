// access/: who may call the API — users with passwords and sessions, API keys with scopes, sign-in throttling.
export type { ApiKeyView, NewKeyOptions } from './api-keys.js';
export {
  bootstrapOwnerKey,
  createApiKey,
  generateApiKey,
  issueApiKey,
  listApiKeys,
  revokeApiKey,
  verifyApiKey,
} from './api-keys.js';
export { LOGIN_WINDOW_MS, MAX_CLIENT_LOGIN_FAILURES, MAX_LOGIN_FAILURES } from './login-failures.js';
export type { Principal } from './principal.js';
export { actorName } from './principal.js';
export { isScope, ROLE_SCOPES, SCOPES, type Scope, scopesBeyond } from './scopes.js';
export type { LoginClient, LoginResult } from './sessions.js';
export { csrfTokenOf, endSession, login, verifySession } from './sessions.js';
export type { Invitation, UserView } from './users.js';
export {
  acceptInvitation,
  createOwner,
  ensureOwner,
  invitationFor,
  inviteUser,
  listUsers,
  MIN_PASSWORD_LENGTH,
  needsOwner,
  normalizeEmail,
  updateUser,
} from './users.js';
