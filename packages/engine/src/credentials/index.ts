// credentials/: the sealed credential store, where credentials are used, checking a flow's references,
// opening one for a step, and connection tests.

export { testCredential } from './connection-check.js';
export { openCredentialForStep } from './for-step.js';
export { credentialProblems } from './references.js';
export type { CredentialInput, CredentialUpdate, CredentialView } from './store.js';
export {
  CREDENTIAL_MASK,
  createCredential,
  deleteCredential,
  getCredential,
  listCredentials,
  openCredential,
  rotateCredentials,
  updateCredential,
} from './store.js';
export type { CredentialUser } from './usage.js';
export { credentialReferences, credentialUsers } from './usage.js';
