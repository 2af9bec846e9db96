// HTTP load: autocannon (as a library) for saturation, a paced sender for a fixed offered load; bounded in
// time or count, loopback only.
import http from 'node:http';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import autocannon from 'autocannon';
import { round, Samples, summarize } from './util.js';

export interface LoadOptions {
  url: string;
  connections: number;
  /** seconds */
  duration?: number;
  /** total requests (instead of duration) */
  amount?: number;
  /** requests per second over all connections */
  overallRate?: number;
  body?: unknown;
  headers?: Record<string, string>;
  /**
   * Give every request's JSON body a unique `seq` and keep each answer's status by seq, so what the server
   * answered can be matched with what it stored.
   */
  tagRequests?: boolean;
  /**
   * Builds each request's body from a unique seq (1, 2, …) instead of sending `body`; answers are kept by
   * seq as with `tagRequests`.
   */
  bodyFor?: (seq: number) => string;
  /** Every answer's status and body, by the seq of its request (with `bodyFor` or `tagRequests`). */
  onAnswer?: (seq: number, status: number, body: string) => void;
}

export interface LoadResult {
  /** completed requests per second (all statuses) */
  requestsPerSecond: number;
  /** 2xx per second */
  okPerSecond: number;
  requests: number;
  ok: number;
  non2xx: number;
  errors: number;
  /** the errors by their code (ECONNRESET, …), or by name when they have none */
  errorCodes: Record<string, number>;
  timeouts: number;
  statusCodes: Record<string, number>;
  seconds: number;
  /** ms, measured per response (sub-millisecond), all statuses */
  latency: { p50: number; p99: number; max: number };
  offeredRate?: number;
  /**
   * Paced loads: the load generator's own delays, part of every latency above (ms). `sentLate`: how long
   * after its due time each request was handed to the socket; `eventLoop`: the generator's event-loop delay
   * (`monitorEventLoopDelay`, 10 ms resolution taken out), which also delays reading the answers.
   */
  generator?: {
    sentLate: { p50: number; p99: number; max: number };
    eventLoop: { p99: number; max: number };
  };
  /** with tagRequests: status of each answered request by its seq (not in the JSON output) */
  statusBySeq?: Map<number, number>;
}

function countError(counts: Record<string, number>, err: Error): void {
  const code = (err as { code?: unknown }).code;
  const key = typeof code === 'string' ? code : err.name;
  counts[key] = (counts[key] ?? 0) + 1;
}

export function assertLoopback(url: string) {
  const host = new URL(url).hostname;
  if (host !== '127.0.0.1' && host !== 'localhost' && host !== '[::1]') {
    throw new Error(`refusing to send load to ${host}: loopback only`);
  }
}

export function runLoad(options: LoadOptions): Promise<LoadResult> {
  assertLoopback(options.url);
  if (options.duration === undefined && options.amount === undefined) {
    throw new Error('a load needs a duration or an amount');
  }
  const latencies = new Samples();
  const errorCodes: Record<string, number> = {};
  const body = options.body === undefined ? undefined : JSON.stringify(options.body);
  const statusBySeq = new Map<number, number>();
  let seq = 0;
  const bodyFor =
    options.bodyFor ??
    (options.tagRequests && body !== undefined
      ? (n: number) => JSON.stringify({ ...(options.body as object), seq: n })
      : undefined);
  const tagged = bodyFor
    ? {
        requests: [
          {
            setupRequest: (request: Record<string, unknown>, context: Record<string, unknown>) => {
              const n = ++seq;
              context.seq = n;
              return { ...request, body: bodyFor(n) };
            },
            onResponse: (status: number, answer: string, context: Record<string, unknown>) => {
              statusBySeq.set(context.seq as number, status);
              options.onAnswer?.(context.seq as number, status, answer);
            },
          },
        ],
      }
    : {};
  const posts = body !== undefined || bodyFor !== undefined;
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: options.url,
        connections: options.connections,
        ...(options.duration !== undefined ? { duration: options.duration } : {}),
        ...(options.amount !== undefined ? { amount: options.amount } : {}),
        ...(options.overallRate !== undefined ? { overallRate: options.overallRate } : {}),
        timeout: 10,
        method: posts ? 'POST' : 'GET',
        headers: {
          ...(posts ? { 'content-type': 'application/json' } : {}),
          ...options.headers,
        },
        ...(body === undefined ? {} : { body }),
        ...tagged,
      },
      (err, result) => {
        if (err) {
          reject(err);
          return;
        }
        const seconds = result.duration;
        const requests = latencies.length;
        const ok = result['2xx'];
        const lat = summarize(latencies.values());
        resolve({
          requestsPerSecond: round(requests / seconds, 1),
          okPerSecond: round(ok / seconds, 1),
          requests,
          ok,
          non2xx: result.non2xx,
          errors: result.errors,
          errorCodes,
          timeouts: result.timeouts,
          statusCodes: Object.fromEntries(
            Object.entries(result.statusCodeStats).map(([k, v]) => [k, v.count]),
          ),
          seconds,
          latency: { p50: round(lat.p50, 2), p99: round(lat.p99, 2), max: round(lat.max, 2) },
          ...(options.overallRate !== undefined ? { offeredRate: options.overallRate } : {}),
          ...(bodyFor ? { statusBySeq } : {}),
        });
      },
    );
    instance.on('response', (_client, _status, _bytes, responseTime) => {
      latencies.push(responseTime);
    });
    instance.on('reqError', (err) =>
      countError(errorCodes, err instanceof Error ? err : new Error(String(err))),
    );
  });
}

/** The paced generator's event-loop monitor interval (ms): Node records the whole time between its runs. */
const LOOP_RESOLUTION_MS = 10;

export interface PacedLoadOptions {
  url: string;
  /** requests per second, sent evenly (not in bursts) */
  rate: number;
  /** seconds */
  duration: number;
  /** most requests in flight (sockets); beyond it requests wait for a socket, and that wait counts */
  connections: number;
  body: unknown;
  headers?: Record<string, string>;
}

/**
 * A fixed offered load, open loop: request i is due at start + i / rate and its latency runs from that
 * moment, so time spent waiting for a socket behind slow answers counts (no coordinated omission). A request
 * due within the next millisecond is sent at once (timers are no finer); its latency then runs from its
 * sending, so that an answer before the due moment is not a negative latency.
 * autocannon's `overallRate` is not used for this: it lets each connection send its share of a second as
 * fast as it can and then idle, so a "50 %" load is a saturated burst every second. Every request's body
 * carries a unique `seq`, as with `tagRequests`.
 */
export async function runPacedLoad(options: PacedLoadOptions): Promise<LoadResult> {
  assertLoopback(options.url);
  const url = new URL(options.url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: options.connections });
  const latencies = new Samples();
  const sentLate = new Samples();
  const loop = monitorEventLoopDelay({ resolution: LOOP_RESOLUTION_MS });
  const statusBySeq = new Map<number, number>();
  const statusCodes: Record<string, number> = {};
  let errors = 0;
  const errorCodes: Record<string, number> = {};
  let timeouts = 0;
  const send = (seq: number, due: number) =>
    new Promise<void>((resolve) => {
      const from = Math.min(due, performance.now());
      const req = http.request(
        {
          host: url.hostname,
          port: url.port,
          path: `${url.pathname}${url.search}`,
          method: 'POST',
          agent,
          timeout: 10_000,
          headers: { 'content-type': 'application/json', ...options.headers },
        },
        (res) => {
          res.resume();
          res.on('end', () => {
            const status = res.statusCode ?? 0;
            latencies.push(performance.now() - from);
            statusBySeq.set(seq, status);
            statusCodes[status] = (statusCodes[status] ?? 0) + 1;
            resolve();
          });
        },
      );
      req.on('timeout', () => {
        timeouts++;
        req.destroy();
      });
      req.on('error', (err) => {
        errors++;
        countError(errorCodes, err);
        resolve();
      });
      req.end(JSON.stringify({ ...(options.body as object), seq }));
      sentLate.push(performance.now() - due);
    });
  const total = Math.round(options.rate * options.duration);
  loop.enable();
  const start = performance.now();
  const sent: Array<Promise<void>> = [];
  for (let i = 0; i < total; i++) {
    const due = start + (i * 1000) / options.rate;
    const wait = due - performance.now();
    if (wait >= 1) await new Promise((resolve) => setTimeout(resolve, wait));
    sent.push(send(i + 1, due));
  }
  await Promise.all(sent);
  loop.disable();
  agent.destroy();
  const seconds = (performance.now() - start) / 1000;
  const ok = Object.entries(statusCodes)
    .filter(([code]) => code.startsWith('2'))
    .reduce((n, [, count]) => n + count, 0);
  const lat = summarize(latencies.values());
  const late = summarize(sentLate.values());
  const loopMs = (ns: number) => round(Math.max(0, ns / 1e6 - LOOP_RESOLUTION_MS), 2);
  return {
    requestsPerSecond: round(latencies.length / seconds, 1),
    okPerSecond: round(ok / seconds, 1),
    requests: latencies.length,
    ok,
    non2xx: latencies.length - ok,
    errors,
    errorCodes,
    timeouts,
    statusCodes,
    seconds: round(seconds, 2),
    latency: { p50: round(lat.p50, 2), p99: round(lat.p99, 2), max: round(lat.max, 2) },
    offeredRate: options.rate,
    generator: {
      sentLate: { p50: round(late.p50, 2), p99: round(late.p99, 2), max: round(late.max, 2) },
      eventLoop: { p99: loopMs(loop.percentile(99)), max: loopMs(loop.max) },
    },
    statusBySeq,
  };
}
