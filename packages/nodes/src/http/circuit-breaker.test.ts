// Circuit breakers: the state machine on a controlled clock, and in front of the real guarded client and a
// real local peer — an open breaker lets no request reach the host until its probe.
import { RetryableError } from '@tributary/flow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type HttpPeer, startHttpPeer } from '../../test/peers/http-peer.js';
import { parseAllowList } from './address-policy.js';
import { type BreakerState, breakerKey, CircuitBreakers, withCircuitBreakers } from './circuit-breaker.js';
import { createGuardedHttpClient } from './guarded-http-client.js';

function clockedBreakers(threshold = 3, cooldownMs = 1000) {
  let now = 0;
  const transitions: string[] = [];
  const breakers = new CircuitBreakers({
    threshold,
    cooldownMs,
    maxCooldownMs: 4000,
    now: () => now,
    onTransition: (host, from: BreakerState, to: BreakerState) => transitions.push(`${host} ${from}→${to}`),
  });
  return { breakers, transitions, advance: (ms: number) => (now += ms) };
}

function refusal(breakers: CircuitBreakers, host: string): RetryableError {
  try {
    breakers.admit(host);
  } catch (err) {
    if (err instanceof RetryableError) return err;
  }
  throw new Error('expected the breaker to refuse');
}

describe('CircuitBreakers', () => {
  it('opens after the threshold of consecutive failures; a success in between starts the count again', () => {
    const { breakers } = clockedBreakers(3);
    breakers.failed('a:443');
    breakers.failed('a:443');
    breakers.succeeded('a:443');
    breakers.failed('a:443');
    breakers.failed('a:443');
    expect(breakers.state('a:443')).toBe('closed');
    breakers.failed('a:443');
    expect(breakers.state('a:443')).toBe('open');
    expect(breakers.state('b:443')).toBe('closed');
  });

  it('while open, calls wait with the time left; after the cooldown one probe goes, the rest still wait', () => {
    const { breakers, advance } = clockedBreakers(1, 5000);
    breakers.failed('a:443');
    const err = refusal(breakers, 'a:443');
    expect(err.code).toBe('circuit_open');
    expect(err.retryAfterMs).toBe(5000);
    advance(5000);
    expect(() => breakers.admit('a:443')).not.toThrow();
    expect(breakers.state('a:443')).toBe('half-open');
    expect(refusal(breakers, 'a:443').code).toBe('circuit_open');
  });

  it('a failed probe opens it again for twice as long (capped); a good probe closes it', () => {
    const { breakers, transitions, advance } = clockedBreakers(1, 1000);
    breakers.failed('a:443');
    for (const expected of [2000, 4000, 4000]) {
      advance(10_000);
      breakers.admit('a:443');
      breakers.failed('a:443');
      expect(refusal(breakers, 'a:443').retryAfterMs).toBe(expected);
    }
    advance(10_000);
    breakers.admit('a:443');
    breakers.succeeded('a:443');
    expect(breakers.state('a:443')).toBe('closed');
    expect(transitions.slice(0, 3)).toEqual([
      'a:443 closed→open',
      'a:443 open→half-open',
      'a:443 half-open→open',
    ]);
    expect(transitions.at(-1)).toBe('a:443 half-open→closed');
  });

  it('keys hosts by name and port, default ports filled in', () => {
    expect(breakerKey('https://API.example.com/x')).toBe('api.example.com:443');
    expect(breakerKey('http://example.com:8080/')).toBe('example.com:8080');
  });
});

describe('withCircuitBreakers over the guarded client', () => {
  const guarded = createGuardedHttpClient({ allow: parseAllowList('127.0.0.1') });
  let peer: HttpPeer;
  let status = 503;
  beforeAll(async () => {
    peer = await startHttpPeer({
      handler: (_req, res) => {
        res.statusCode = status;
        res.end('x');
      },
    });
  });
  afterAll(async () => {
    await Promise.all([peer.close(), guarded.close()]);
  });

  it('after N 5xx answers the host gets no request until the probe; 4xx and 429 never count', async () => {
    const { breakers, advance } = clockedBreakers(3, 1000);
    const http = withCircuitBreakers(guarded, breakers);
    const call = () => http.request({ method: 'GET', url: `${peer.url}/` });
    status = 404;
    for (let i = 0; i < 5; i++) expect((await call()).status).toBe(404);
    status = 429;
    for (let i = 0; i < 5; i++) expect((await call()).status).toBe(429);
    expect(breakers.state(breakerKey(peer.url))).toBe('closed');
    status = 503;
    for (let i = 0; i < 3; i++) expect((await call()).status).toBe(503);
    const seen = peer.requests.length;
    await expect(call()).rejects.toMatchObject({ code: 'circuit_open' });
    expect(peer.requests.length).toBe(seen);
    advance(1000);
    status = 200;
    expect((await call()).status).toBe(200);
    expect(peer.requests.length).toBe(seen + 1);
    expect(breakers.state(breakerKey(peer.url))).toBe('closed');
  });

  it('refused connections count; a refused address (the SSRF policy) does not', async () => {
    const { breakers } = clockedBreakers(2, 1000);
    const http = withCircuitBreakers(guarded, breakers);
    // a port nothing listens on: connection refused
    const closed = await startHttpPeer();
    const url = `${closed.url}/`;
    await closed.close();
    await expect(http.request({ method: 'GET', url })).rejects.toMatchObject({ code: 'network_error' });
    await expect(http.request({ method: 'GET', url })).rejects.toMatchObject({ code: 'network_error' });
    await expect(http.request({ method: 'GET', url })).rejects.toMatchObject({ code: 'circuit_open' });
    for (let i = 0; i < 3; i++) {
      await expect(http.request({ method: 'GET', url: 'http://10.1.2.3/' })).rejects.toMatchObject({
        code: 'ssrf_blocked',
      });
    }
    expect(breakers.state('10.1.2.3:80')).toBe('closed');
  });
});
