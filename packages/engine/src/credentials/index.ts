// credentials/: the sealed credential store, where credentials are used, checking a flow's references,
// opening one for a step or for a webhook trigger's check, connection tests and key rotation.

export { testCredential } from './connection-check.js';
export { openCredentialForStep } from './for-step.js';
export type { KnownCredentials } from './references.js';
export { credentialProblems, knownCredentials, referenceProblems, takesCredentials } from './references.js';
export { rotateCredentials } from './rotation.js';
export type { CredentialInput, CredentialUpdate, CredentialView } from './store.js';
export {
  CREDENTIAL_MASK,
  createCredential,
  deleteCredential,
  getCredential,
  listCredentials,
  openCredential,
  updateCredential,
} from './store.js';
export type { CredentialUser } from './usage.js';
export { credentialReferences, credentialUsers } from './usage.js';
export type { WebhookCredentialResult } from './webhook-credential.js';
export { webhookCredential } from './webhook-credential.js';
