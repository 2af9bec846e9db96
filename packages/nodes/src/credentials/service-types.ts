// Credential types of fixed services: Slack, HubSpot, PagerDuty, SMTP. Each service's base URL may be changed
// (a proxy, a regional endpoint, a local peer in tests).
import { z } from 'zod';
import { jsonObjectOf } from '../http/response-body.js';
import { ehloName, smtpTarget, verifySmtp } from '../smtp/transport.js';
import { type CredentialTestResult, defineCredentialType, secretString } from './define-credential.js';

/** Public endpoints of the services, the defaults of every `baseUrl`. */
export const SERVICE_URLS = {
  slack: 'https://slack.com/api',
  hubspot: 'https://api.hubapi.com',
  pagerduty: 'https://events.pagerduty.com',
} as const;

function baseUrl(service: keyof typeof SERVICE_URLS) {
  return z
    .url({ protocol: /^https?$/, error: 'must be an http or https URL' })
    .optional()
    .describe(`Base URL of the API; default ${SERVICE_URLS[service]}`);
}

/** `base` + `path` with exactly one "/" between them. */
export function joinUrl(base: string, path: string): string {
  return `${base.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`;
}

export const slack = defineCredentialType({
  type: 'slack',
  title: 'Slack bot token',
  description: 'A bot token (`xoxb-…`) of a Slack app with the `chat:write` scope.',
  data: z.strictObject({
    token: secretString('Bot token, e.g. "xoxb-…"'),
    baseUrl: baseUrl('slack'),
  }),
  test: async (data, ctx): Promise<CredentialTestResult> => {
    const res = await ctx.http.request({
      method: 'POST',
      url: joinUrl(data.baseUrl ?? SERVICE_URLS.slack, 'auth.test'),
      headers: { authorization: `Bearer ${data.token}` },
      signal: ctx.signal,
    });
    const answer = jsonObjectOf(res) ?? {};
    if (res.status === 200 && answer.ok === true) {
      const who = [answer.user, answer.team].filter((v) => typeof v === 'string').join(' in ');
      return { ok: true, message: who ? `authenticated as ${who}` : 'authenticated' };
    }
    const error = typeof answer.error === 'string' ? answer.error : `HTTP ${res.status}`;
    return { ok: false, message: `Slack refused the token: ${error}` };
  },
});

export const hubspot = defineCredentialType({
  type: 'hubspot',
  title: 'HubSpot private app token',
  description: 'The access token of a HubSpot private app with the CRM scopes the flow needs.',
  data: z.strictObject({
    accessToken: secretString('Access token, e.g. "pat-eu1-…"'),
    baseUrl: baseUrl('hubspot'),
  }),
  test: async (data, ctx): Promise<CredentialTestResult> => {
    const res = await ctx.http.request({
      method: 'GET',
      url: joinUrl(data.baseUrl ?? SERVICE_URLS.hubspot, 'crm/v3/objects/contacts?limit=1'),
      headers: { authorization: `Bearer ${data.accessToken}`, accept: 'application/json' },
      signal: ctx.signal,
    });
    if (res.status === 200) return { ok: true, message: 'the token can read contacts' };
    const answer = jsonObjectOf(res) ?? {};
    const reason = typeof answer.category === 'string' ? answer.category : `HTTP ${res.status}`;
    return { ok: false, message: `HubSpot refused the token: ${reason}` };
  },
});

export const pagerduty = defineCredentialType({
  type: 'pagerduty',
  title: 'PagerDuty integration key',
  description:
    'The routing key of an Events API v2 integration on a PagerDuty service. PagerDuty has no way to check it without raising an event, so the test only checks its form.',
  data: z.strictObject({
    routingKey: secretString('Integration (routing) key: 32 characters', 64).regex(
      /^[A-Za-z0-9]{32}$/,
      'a routing key is 32 letters and digits',
    ),
    baseUrl: baseUrl('pagerduty'),
  }),
});

export const smtp = defineCredentialType({
  type: 'smtp',
  title: 'SMTP server',
  description: 'An SMTP server to send e-mail through; the test connects and logs in without sending.',
  data: z.strictObject({
    host: z.string().min(1).max(253).describe('Host name or address of the server'),
    port: z.number().int().min(1).max(65535).default(587).describe('Port: 587 (STARTTLS), 465 (TLS) or 25'),
    secure: z
      .boolean()
      .default(false)
      .describe('TLS from the first byte (port 465); when off, STARTTLS is used if the server offers it'),
    username: z.string().max(500).optional().describe('User name, when the server asks for one'),
    password: secretString('Password').optional(),
    from: z.string().min(3).max(500).describe('Sender address, e.g. "Shop <shop@example.com>"'),
  }),
  test: async (data, ctx): Promise<CredentialTestResult> => {
    const target = smtpTarget(data);
    try {
      const address = await ctx.checkAddress(data.host);
      await verifySmtp(data, { address, clientName: ehloName(data.from) }, ctx.signal);
    } catch (err) {
      // the messages name the server, its reply and error codes, never the password
      return { ok: false, message: err instanceof Error ? err.message : `could not reach ${target}` };
    }
    const login = data.username !== undefined && data.username !== '';
    return { ok: true, message: `connected to ${target}${login ? ' and logged in' : ''}` };
  },
});
