// Maps an HTTP answer's status to the project's errors: 408, 429 and 5xx are retryable, other 4xx fatal.
import { FatalError, RetryableError } from '@tributary/flow';
import type { HttpResponse } from './http-client.js';
import { bodyExcerpt } from './response-body.js';
import { parseRetryAfter } from './retry-after.js';

/** Throws the error a non-success status means; 2xx and unfollowed 3xx answers pass. */
export function throwForStatus(res: HttpResponse, method: string): void {
  const { status } = res;
  if (status < 400) return;
  const origin = new URL(res.url).origin;
  const excerpt = bodyExcerpt(res.body);
  const message = `${method} ${origin} answered ${status}${excerpt === '' ? '' : `: ${excerpt}`}`;
  const retryAfterMs = parseRetryAfter(res.headers['retry-after']);
  if (status === 429) throw new RetryableError(message, { code: 'http_429', retryAfterMs });
  if (status === 408) throw new RetryableError(message, { code: 'http_408', retryAfterMs });
  if (status >= 500) throw new RetryableError(message, { code: 'http_5xx', retryAfterMs });
  throw new FatalError(message, { code: 'http_4xx' });
}
