// What the chat nodes (Slack, Discord, Teams) share: their secrets kept out of what a step leaves behind, the
// webhook URL field and the post to it, the service's answer read defensively, and what its refusals mean.
import { FatalError, RetryableError } from '@tributary/flow';
import { z } from 'zod';
import { Redactor } from '../credentials/redactor.js';
import type { NodeContext } from '../define-node.js';
import type { HttpResponse } from '../http/http-client.js';
import { bodyExcerpt } from '../http/response-body.js';
import { parseRetryAfter } from '../http/retry-after.js';

/** A webhook URL config field: the URL is the credential (anyone holding it may post), so it is write-only. */
export function webhookUrlField(example: string) {
  return z
    .url({ protocol: /^https?$/, error: 'must be an http or https URL' })
    .max(2048)
    .meta({ writeOnly: true })
    .describe(`The webhook URL, e.g. "${example}"; it is a secret, masked in API answers`);
}

// a token inside a URL: long, and made of the characters tokens, ids and signatures use (not a path like "/a/b")
const TOKEN_LIKE = /^[\w.@=~%-]{20,}$/;

/** The secret parts of a webhook URL: the URL itself and every token-like path segment or query value. */
export function webhookUrlSecrets(url: string): string[] {
  const parsed = new URL(url);
  const found = [url, parsed.href, `${parsed.host}${parsed.pathname}${parsed.search}`];
  for (const segment of parsed.pathname.split('/')) if (TOKEN_LIKE.test(segment)) found.push(segment);
  for (const value of parsed.searchParams.values()) if (TOKEN_LIKE.test(value)) found.push(value);
  return found;
}

/**
 * Marks the secrets for the engine's redaction of the step's output, error and logs, and returns a scrubber for
 * the texts the node itself builds from a service's answer (a service may echo a token back in its error body).
 */
export function guardSecrets(
  ctx: { redact(secret: string): void },
  secrets: readonly string[],
): (text: string) => string {
  const redactor = new Redactor();
  for (const secret of secrets) {
    ctx.redact(secret);
    redactor.add(secret);
  }
  return (text) => redactor.text(text);
}

/**
 * POSTs a JSON message to a webhook URL, never following a redirect (the URL is the secret, and a redirect
 * would carry the message wherever it points); logs the origin only.
 */
export async function postToWebhook(
  ctx: Pick<NodeContext<unknown>, 'http' | 'signal' | 'logger'>,
  url: string,
  message: unknown,
  what: string,
  contentType = 'application/json',
): Promise<HttpResponse> {
  const res = await ctx.http.request({
    method: 'POST',
    url,
    headers: { 'content-type': contentType },
    body: JSON.stringify(message),
    signal: ctx.signal,
    maxRedirects: 0,
  });
  ctx.logger.debug({ origin: new URL(res.url).origin, status: res.status }, what);
  return res;
}

/** The answer's text, short enough for an error message. */
export function textOf(res: HttpResponse, max = 300): string {
  return bodyExcerpt(res.body, max);
}

/** How long the service asked to wait before the next try (its Retry-After header), in milliseconds. */
export function retryAfterOf(res: HttpResponse): number | undefined {
  return parseRetryAfter(res.headers['retry-after']);
}

/** A string field of a JSON object, when it is one. */
export function stringField(obj: Record<string, unknown> | undefined, key: string): string | undefined {
  const value = obj?.[key];
  return typeof value === 'string' ? value : undefined;
}

/** Whether a status says "try again later": rate limited (429), timed out (408) or a server error (5xx). */
export function isTransient(status: number): boolean {
  return status === 429 || status === 408 || status >= 500;
}

/** A service's refusal of a message, as the node read it from the answer. */
export interface Refusal {
  /** The service's name, e.g. "Discord"; in lower case it is the prefix of the error codes. */
  service: string;
  /** The status it refused with: the answer's, or one it reported inside a 200 answer. */
  status: number;
  /** Its reason, scrubbed of secrets; empty when it gave none. */
  reason: string;
  /** The code when no retry can change the answer, e.g. `discord_bad_request`. */
  fatalCode: string;
  /** The wait a 429 asks for, when the answer says it more precisely than its Retry-After header. */
  rateLimitWaitMs?: number | undefined;
}

/**
 * The error a refusal means: `<service>_rate_limited` on 429 and `<service>_unavailable` on 408 and 5xx,
 * retryable after the wait the service asked for; any other status fatal with the refusal's code.
 */
export function refusalError(res: HttpResponse, refusal: Refusal): FatalError | RetryableError {
  const { service, status, reason } = refusal;
  const message = `${service} answered ${status}${reason ? `: ${reason}` : ''}`;
  const prefix = service.toLowerCase();
  if (status === 429) {
    const retryAfterMs = refusal.rateLimitWaitMs ?? retryAfterOf(res);
    return new RetryableError(message, { code: `${prefix}_rate_limited`, retryAfterMs });
  }
  if (isTransient(status)) {
    return new RetryableError(message, { code: `${prefix}_unavailable`, retryAfterMs: retryAfterOf(res) });
  }
  return new FatalError(message, { code: refusal.fatalCode });
}
