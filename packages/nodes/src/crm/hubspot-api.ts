// HubSpot's CRM v3 API as the CRM node calls it: the token from the credential, JSON in and out, and
// HubSpot's error answers turned into FatalError or RetryableError with HubSpot's own message.
import { FatalError, RetryableError } from '@tributary/flow';
import { z } from 'zod';
import { boundTo, type NodeCredential, requestWithCredential } from '../credentials/http-auth.js';
import { joinUrl, SERVICE_URLS } from '../credentials/service-types.js';
import type { NodeContext } from '../define-node.js';
import type { HttpRequest, HttpResponse } from '../http/http-client.js';
import { parseRetryAfter } from '../http/retry-after.js';

const REQUEST_TIMEOUT_MS = 30_000;
// HubSpot's burst limit is a ten-second rolling window: a whole window is always long enough to wait
const RATE_LIMIT_WAIT_MS = 10_000;
const MAX_DETAIL = 500;

/** One answer from HubSpot, its body parsed when it is JSON. */
export interface HubSpotAnswer {
  status: number;
  headers: Record<string, string>;
  json: unknown;
  text: string;
}

/** A CRM record as HubSpot answers with it; every property value is a string or null. */
export interface CrmRecord {
  id: string;
  properties: Record<string, string | null>;
}

const crmRecord = z.looseObject({
  id: z.string().min(1),
  properties: z.record(z.string(), z.string().nullable()).default({}),
});

const errorBody = z.looseObject({
  message: z.string().optional(),
  category: z.string().optional(),
  policyName: z.string().optional(),
});

/** What the CRM node's config says about where and how to reach HubSpot. */
export interface HubSpotTarget {
  baseUrl?: string | undefined;
}

type Sender = (req: HttpRequest) => Promise<HttpResponse>;

function stringField(data: unknown, key: string): string | undefined {
  const value =
    typeof data === 'object' && data !== null ? (data as Record<string, unknown>)[key] : undefined;
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function missing(key: string): FatalError {
  return new FatalError(`credential is missing "${key}"`, { code: 'invalid_credential' });
}

function positiveMs(value: string | undefined): number | undefined {
  const n = Number(value);
  return value !== undefined && Number.isInteger(n) && n > 0 ? n : undefined;
}

/** A client for one step: every request goes out bound to the credential's allowedHosts. */
export class HubSpotApi {
  private constructor(
    private readonly sender: Sender,
    private readonly baseUrl: string,
    private readonly secret: string,
    private readonly signal: AbortSignal,
  ) {}

  /** The client for the credential the step's config names. */
  static async forStep(ctx: NodeContext<HubSpotTarget>): Promise<HubSpotApi> {
    const credential: NodeCredential = await ctx.credential();
    const { data } = credential;
    if (credential.type === 'hubspot') {
      const token = stringField(data, 'accessToken');
      if (token === undefined) throw missing('accessToken');
      const base = ctx.config.baseUrl ?? stringField(data, 'baseUrl') ?? SERVICE_URLS.hubspot;
      const sender: Sender = (req) =>
        ctx.http.request(
          boundTo(credential, { ...req, headers: { ...req.headers, authorization: `Bearer ${token}` } }),
        );
      return new HubSpotApi(sender, base, token, ctx.signal);
    }
    const token = stringField(data, 'token');
    if (token === undefined) throw missing('token');
    const sender: Sender = (req) => requestWithCredential(ctx, credential, req);
    return new HubSpotApi(sender, ctx.config.baseUrl ?? SERVICE_URLS.hubspot, token, ctx.signal);
  }

  /** Sends one request; any HTTP answer comes back, only transport failures throw. */
  async send(method: 'GET' | 'POST' | 'PATCH', path: string, body?: unknown): Promise<HubSpotAnswer> {
    const res = await this.sender({
      method,
      url: joinUrl(this.baseUrl, path),
      headers: {
        accept: 'application/json',
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      timeoutMs: REQUEST_TIMEOUT_MS,
      signal: this.signal,
      // an API answers where it was asked; a redirected POST could be sent twice or turned into a GET
      maxRedirects: 0,
    });
    const text = new TextDecoder('utf-8').decode(res.body);
    let json: unknown;
    try {
      json = text === '' ? undefined : JSON.parse(text);
    } catch {
      // a gateway's HTML error page: the status and the text say what happened
      json = undefined;
    }
    return { status: res.status, headers: res.headers, json, text };
  }

  /** Sends a request whose answer must be a CRM record; any other answer throws. */
  async record(
    method: 'GET' | 'POST' | 'PATCH',
    path: string,
    action: string,
    body?: unknown,
  ): Promise<CrmRecord> {
    const answer = await this.send(method, path, body);
    if (answer.status < 200 || answer.status > 299) this.fail(answer, action);
    return this.recordOf(answer, action);
  }

  /** The CRM record in a 2xx answer. */
  recordOf(answer: HubSpotAnswer, action: string): CrmRecord {
    const parsed = crmRecord.safeParse(answer.json);
    if (!parsed.success) {
      // not retryable: HubSpot may well have done what was asked, and a retry would do it again
      throw new FatalError(`HubSpot's answer to ${action} is not a CRM record (HTTP ${answer.status})`, {
        code: 'hubspot_bad_answer',
      });
    }
    return { id: parsed.data.id, properties: parsed.data.properties };
  }

  /** HubSpot's error message of an answer, if it sent one. */
  messageOf(answer: HubSpotAnswer): string | undefined {
    const parsed = errorBody.safeParse(answer.json);
    return parsed.success ? parsed.data.message : undefined;
  }

  /** Throws the error a non-2xx answer means, with HubSpot's message and category (never the token). */
  fail(answer: HubSpotAnswer, action: string): never {
    const { status, headers } = answer;
    const parsed = errorBody.safeParse(answer.json);
    const info = parsed.success ? parsed.data : {};
    const label = info.category ?? info.policyName;
    const detail = this.scrub(info.message ?? answer.text.trim());
    const short = detail.length > MAX_DETAIL ? `${detail.slice(0, MAX_DETAIL - 1)}…` : detail;
    // scrubbed again whole: a peer may echo the token in its category as well as in its message
    const message = this.scrub(
      `HubSpot answered ${status} to ${action}${label ? ` (${label})` : ''}${short ? `: ${short}` : ''}`,
    );
    const retryAfterMs = parseRetryAfter(headers['retry-after']);
    if (status === 429) {
      // the daily allowance comes back at midnight in the account's time zone, long after any retry
      if (info.policyName === 'DAILY') throw new FatalError(message, { code: 'hubspot_daily_limit' });
      throw new RetryableError(message, {
        code: 'hubspot_rate_limited',
        retryAfterMs:
          retryAfterMs ??
          positiveMs(headers['x-hubspot-ratelimit-interval-milliseconds']) ??
          RATE_LIMIT_WAIT_MS,
      });
    }
    if (status >= 500 || status === 408) {
      throw new RetryableError(message, { code: 'hubspot_unavailable', retryAfterMs });
    }
    throw new FatalError(message, { code: FATAL_CODES.get(status) ?? 'hubspot_rejected' });
  }

  private scrub(text: string): string {
    return text.replaceAll(this.secret, '[redacted]');
  }
}

const FATAL_CODES: ReadonlyMap<number, string> = new Map([
  [400, 'hubspot_invalid'],
  [401, 'hubspot_unauthorized'],
  [403, 'hubspot_forbidden'],
  [404, 'hubspot_not_found'],
  [409, 'hubspot_conflict'],
  [422, 'hubspot_invalid'],
]);
