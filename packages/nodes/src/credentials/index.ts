// Credentials as nodes see them: the types, sending HTTP with one, OAuth2 tokens, the redaction of secrets.
export { checkAllowedHost } from './allowed-hosts.js';
export { amqp as amqpCredential, mqtt as mqttCredential, nats as natsCredential } from './broker-types.js';
export { credentialTypes, getCredentialType } from './catalogue.js';
export type {
  CredentialTestContext,
  CredentialTestResult,
  CredentialType,
  CredentialTypeDefinition,
} from './define-credential.js';
export { credentialField, defineCredentialType, secretString } from './define-credential.js';
export type { CredentialRequestContext, NodeCredential } from './http-auth.js';
export { boundTo, HTTP_AUTH_TYPES, requestWithCredential } from './http-auth.js';
export { basicToken } from './http-types.js';
export type { AccessToken, ClientCredentials } from './oauth2.js';
export { fetchClientCredentialsToken, sharedTokens, TokenCache } from './oauth2.js';
export { Redactor } from './redactor.js';
export { joinUrl, SERVICE_URLS } from './service-types.js';
