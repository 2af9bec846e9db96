// Credential types that authorize plain HTTP calls: bearer token, a header, Basic, OAuth2 client credentials.
import { z } from 'zod';
import { headerName, headerValue } from '../http/header-syntax.js';
import { defineCredentialType, secretString } from './define-credential.js';
import { fetchClientCredentialsToken } from './oauth2.js';

/** A Basic credential's user name: the first ":" ends it (RFC 7617), so only the password may hold one. */
export const basicUsername = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[^:]*$/, 'must not contain ":"')
  .describe('User name');

export const httpBearer = defineCredentialType({
  type: 'http.bearer',
  title: 'Bearer token',
  description: 'Sends `Authorization: Bearer <token>`.',
  data: z.strictObject({ token: secretString('The token') }),
});

export const httpHeader = defineCredentialType({
  type: 'http.header',
  title: 'Header',
  description: 'Sends one header with a secret value, e.g. `X-Api-Key`.',
  data: z.strictObject({
    name: headerName.describe('Header name, e.g. "x-api-key"'),
    value: headerValue.min(1).meta({ writeOnly: true }).describe('Header value'),
  }),
});

export const httpBasic = defineCredentialType({
  type: 'http.basic',
  title: 'Basic auth',
  description: 'Sends `Authorization: Basic` with a user name and password.',
  data: z.strictObject({ username: basicUsername, password: secretString('Password') }),
  derivedSecrets: (data) => [basicToken(data.username, data.password)],
});

export const oauth2ClientCredentials = defineCredentialType({
  type: 'oauth2.client-credentials',
  title: 'OAuth2 client credentials',
  description:
    'Fetches an access token from the token URL with the client id and secret (RFC 6749 §4.4), keeps it until it expires and fetches a new one once when an API answers 401.',
  data: z.strictObject({
    tokenUrl: z
      .url({ protocol: /^https?$/, error: 'must be an http or https URL' })
      .describe('Token endpoint'),
    clientId: z.string().min(1).max(1000).describe('Client id'),
    clientSecret: secretString('Client secret'),
    scope: z.string().max(2000).optional().describe('Scopes to ask for, separated by spaces'),
  }),
  derivedSecrets: (data) => [basicToken(data.clientId, data.clientSecret)],
  test: async (data, ctx) => {
    const token = await fetchClientCredentialsToken(ctx.http, data, ctx.signal);
    return { ok: true, message: `got an access token valid for ${Math.round(token.lifetimeMs / 1000)} s` };
  },
});

/** The base64 of `user:password`, as the Basic scheme sends it. */
export function basicToken(username: string, password: string): string {
  return Buffer.from(`${username}:${password}`, 'utf8').toString('base64');
}
