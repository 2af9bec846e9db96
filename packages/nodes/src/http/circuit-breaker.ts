// A circuit breaker per target host: after `threshold` consecutive connection failures or 5xx answers, calls
// to that host wait (a retryable error carrying the breaker's delay) instead of hammering it; once the delay
// has passed, one probe goes through and its outcome closes the breaker or opens it again for longer.
import { RetryableError } from '@tributary/flow';
import type { HttpClient, HttpRequest, HttpResponse } from './http-client.js';

/** closed: calls go through; open: calls wait; half-open: one probe is under way. */
export type BreakerState = 'closed' | 'open' | 'half-open';

export interface CircuitBreakerOptions {
  /** Consecutive failures that open the breaker; default 5. */
  threshold?: number;
  /** How long it stays open the first time; default 30 s. Each failed probe doubles it, up to `maxCooldownMs`. */
  cooldownMs?: number;
  /** Default 5 minutes. */
  maxCooldownMs?: number;
  /** Told of every change of state (for metrics and logs). */
  onTransition?: (host: string, from: BreakerState, to: BreakerState) => void;
  /** Hosts tracked at most; the least recently used closed one is forgotten first. Default 10,000. */
  maxHosts?: number;
  now?: () => number;
}

interface Breaker {
  state: BreakerState;
  failures: number;
  openUntil: number;
  cooldownMs: number;
}

/** The breakers of one process, by host (`hostname:port`). */
export class CircuitBreakers {
  readonly #breakers = new Map<string, Breaker>();
  readonly #threshold: number;
  readonly #cooldownMs: number;
  readonly #maxCooldownMs: number;
  readonly #maxHosts: number;
  readonly #onTransition: CircuitBreakerOptions['onTransition'];
  readonly #now: () => number;

  constructor(options: CircuitBreakerOptions = {}) {
    this.#threshold = options.threshold ?? 5;
    this.#cooldownMs = options.cooldownMs ?? 30_000;
    this.#maxCooldownMs = Math.max(options.maxCooldownMs ?? 300_000, this.#cooldownMs);
    this.#maxHosts = options.maxHosts ?? 10_000;
    this.#onTransition = options.onTransition;
    this.#now = options.now ?? Date.now;
  }

  /** The state of a host's breaker (closed when it has none). */
  state(host: string): BreakerState {
    return this.#breakers.get(host)?.state ?? 'closed';
  }

  /** Every host whose breaker is not closed, with its state. */
  notClosed(): Array<{ host: string; state: BreakerState }> {
    return [...this.#breakers]
      .filter(([, b]) => b.state !== 'closed')
      .map(([host, b]) => ({ host, state: b.state }));
  }

  /**
   * Asks to call `host`: returns when the call may go ahead (closed, or this call is the half-open probe);
   * throws RetryableError `circuit_open` with the time left otherwise.
   */
  admit(host: string): void {
    const breaker = this.#breakers.get(host);
    if (!breaker || breaker.state === 'closed') return;
    const now = this.#now();
    if (breaker.state === 'open' && now >= breaker.openUntil) {
      this.#move(host, breaker, 'half-open');
      return;
    }
    const waitMs = Math.max(breaker.openUntil - now, 1000);
    throw new RetryableError(
      `Calls to ${host} are paused after ${breaker.failures} failures in a row; trying again in ${Math.ceil(waitMs / 1000)} s`,
      { code: 'circuit_open', retryAfterMs: waitMs },
    );
  }

  /** Records that a call to `host` reached it and it answered (below 500). */
  succeeded(host: string): void {
    const breaker = this.#breakers.get(host);
    if (!breaker) return;
    breaker.failures = 0;
    breaker.cooldownMs = this.#cooldownMs;
    if (breaker.state !== 'closed') this.#move(host, breaker, 'closed');
  }

  /** Records a connection failure or a 5xx answer from `host`. */
  failed(host: string): void {
    let breaker = this.#breakers.get(host);
    if (!breaker) {
      this.#forgetOldest();
      breaker = { state: 'closed', failures: 0, openUntil: 0, cooldownMs: this.#cooldownMs };
    } else {
      // most recently used last, so the oldest entry is the first one
      this.#breakers.delete(host);
    }
    this.#breakers.set(host, breaker);
    breaker.failures += 1;
    if (breaker.state === 'half-open') {
      breaker.cooldownMs = Math.min(breaker.cooldownMs * 2, this.#maxCooldownMs);
      this.#open(host, breaker);
    } else if (breaker.state === 'closed' && breaker.failures >= this.#threshold) {
      this.#open(host, breaker);
    }
  }

  #open(host: string, breaker: Breaker): void {
    breaker.openUntil = this.#now() + breaker.cooldownMs;
    this.#move(host, breaker, 'open');
  }

  #move(host: string, breaker: Breaker, to: BreakerState): void {
    const from = breaker.state;
    breaker.state = to;
    this.#onTransition?.(host, from, to);
  }

  #forgetOldest(): void {
    if (this.#breakers.size < this.#maxHosts) return;
    for (const [host, breaker] of this.#breakers) {
      if (breaker.state === 'closed') {
        this.#breakers.delete(host);
        return;
      }
    }
  }
}

/** `hostname:port` of a URL, the default port filled in. */
export function breakerKey(url: string): string {
  const parsed = new URL(url);
  const port = parsed.port || (parsed.protocol === 'https:' ? '443' : '80');
  return `${parsed.hostname.toLowerCase()}:${port}`;
}

/**
 * Failures that say the host itself is in trouble: refused or reset connections, timeouts. A bad certificate,
 * a name that does not resolve or a refused address are not the host's trouble and do not count.
 */
const HOST_FAILURE_CODES = new Set(['timeout', 'network_error']);

/** The client with a breaker in front of every host it calls. */
export function withCircuitBreakers(client: HttpClient, breakers: CircuitBreakers): HttpClient {
  return {
    async request(req: HttpRequest): Promise<HttpResponse> {
      let host: string;
      try {
        host = breakerKey(req.url);
      } catch {
        // not a URL: the client answers with its own clear error
        return client.request(req);
      }
      breakers.admit(host);
      let res: HttpResponse;
      try {
        res = await client.request(req);
      } catch (err) {
        const code = (err as { code?: unknown }).code;
        if (typeof code === 'string' && HOST_FAILURE_CODES.has(code) && !req.signal?.aborted) {
          breakers.failed(host);
        }
        throw err;
      }
      if (res.status >= 500) breakers.failed(host);
      else breakers.succeeded(host);
      return res;
    },
  };
}
