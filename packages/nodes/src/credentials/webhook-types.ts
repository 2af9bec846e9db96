// Credential types of the webhook trigger and of signed outgoing webhooks.
import { z } from 'zod';
import { headerName } from '../http/header-syntax.js';
import { defineCredentialType, secretString } from './define-credential.js';
import { basicToken, basicUsername } from './http-types.js';

export const webhookSigning = defineCredentialType({
  type: 'webhook.signing',
  title: 'Standard Webhooks signing secret',
  description:
    'A signing secret in the Standard Webhooks form `whsec_<base64>`: signs outgoing webhooks and checks incoming ones.',
  data: z.strictObject({
    secret: secretString('Signing secret, e.g. "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"', 500).regex(
      /^whsec_[A-Za-z0-9+/]{16,}={0,2}$/,
      'use the form whsec_ followed by base64 (at least 12 bytes)',
    ),
  }),
});

export const webhookHeader = defineCredentialType({
  type: 'webhook.header',
  title: 'Webhook header token',
  description: 'Callers of a webhook trigger send this header with this exact value.',
  data: z.strictObject({
    name: headerName.default('x-webhook-token').describe('Header that carries the token'),
    value: secretString('The whole header value the caller must send, e.g. "Bearer <token>"', 1000),
  }),
});

export const webhookBasic = defineCredentialType({
  type: 'webhook.basic',
  title: 'Webhook Basic auth',
  description: 'Callers of a webhook trigger authenticate with HTTP Basic and this user name and password.',
  data: z.strictObject({
    username: basicUsername,
    password: secretString('Password; may contain ":"', 1000),
  }),
  derivedSecrets: (data) => [basicToken(data.username, data.password)],
});

export const webhookHmac = defineCredentialType({
  type: 'webhook.hmac',
  title: 'Webhook HMAC secret',
  description:
    'A shared secret callers sign request bodies with (HMAC; GitHub and Stripe webhook secrets are of this type).',
  data: z.strictObject({
    secret: secretString('Shared secret, used as UTF-8 bytes for the HMAC key', 1000),
  }),
});
