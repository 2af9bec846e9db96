// What the chat nodes (Slack, Discord, Teams) share: their secrets kept out of what a step leaves behind, the
// webhook URL field, and the service's answer read defensively.
import { z } from 'zod';
import { Redactor } from '../credentials/redactor.js';
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

/** The answer's body as a JSON object, or undefined when it is not one. */
export function jsonObjectOf(res: HttpResponse): Record<string, unknown> | undefined {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(res.body).toString('utf8'));
    // a JSON object (not an array): the services' answers are objects, and only their fields are read
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : undefined;
  } catch {
    // not JSON (an HTML error page of a proxy, a plain-text answer): the caller falls back to the status
    return undefined;
  }
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
