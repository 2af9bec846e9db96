// The credential catalogue: every credential type, looked up by its id.
import { amqp, mqtt, nats } from './broker-types.js';
import type { CredentialType } from './define-credential.js';
import { httpBasic, httpBearer, httpHeader, oauth2ClientCredentials } from './http-types.js';
import { hubspot, pagerduty, slack, smtp } from './service-types.js';
import { webhookBasic, webhookHeader, webhookHmac, webhookSigning } from './webhook-types.js';

/** All credential types, in the order the editor lists them. */
export const credentialTypes: readonly CredentialType[] = [
  httpBearer,
  httpHeader,
  httpBasic,
  oauth2ClientCredentials,
  slack,
  hubspot,
  pagerduty,
  smtp,
  amqp,
  mqtt,
  nats,
  webhookSigning,
  webhookHeader,
  webhookBasic,
  webhookHmac,
] as unknown as readonly CredentialType[];

const byType = new Map(credentialTypes.map((t) => [t.type, t]));

/** Looks a credential type up by its id. */
export function getCredentialType(type: string): CredentialType | undefined {
  return byType.get(type);
}
