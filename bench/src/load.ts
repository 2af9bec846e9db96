// HTTP load with autocannon (as a library): bounded in time or count, loopback only.
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
  timeouts: number;
  statusCodes: Record<string, number>;
  seconds: number;
  /** ms, measured per response (sub-millisecond), all statuses */
  latency: { p50: number; p99: number; max: number };
  offeredRate?: number;
  /** with tagRequests: status of each answered request by its seq (not in the JSON output) */
  statusBySeq?: Map<number, number>;
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
  const body = options.body === undefined ? undefined : JSON.stringify(options.body);
  const statusBySeq = new Map<number, number>();
  let seq = 0;
  const tagged =
    options.tagRequests && body !== undefined
      ? {
          requests: [
            {
              setupRequest: (request: Record<string, unknown>, context: Record<string, unknown>) => {
                const n = ++seq;
                context.seq = n;
                return { ...request, body: JSON.stringify({ ...(options.body as object), seq: n }) };
              },
              onResponse: (status: number, _body: string, context: Record<string, unknown>) => {
                statusBySeq.set(context.seq as number, status);
              },
            },
          ],
        }
      : {};
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: options.url,
        connections: options.connections,
        ...(options.duration !== undefined ? { duration: options.duration } : {}),
        ...(options.amount !== undefined ? { amount: options.amount } : {}),
        ...(options.overallRate !== undefined ? { overallRate: options.overallRate } : {}),
        timeout: 10,
        method: body === undefined ? 'GET' : 'POST',
        headers: {
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
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
          timeouts: result.timeouts,
          statusCodes: Object.fromEntries(
            Object.entries(result.statusCodeStats).map(([k, v]) => [k, v.count]),
          ),
          seconds,
          latency: { p50: round(lat.p50, 2), p99: round(lat.p99, 2), max: round(lat.max, 2) },
          ...(options.overallRate !== undefined ? { offeredRate: options.overallRate } : {}),
          ...(options.tagRequests ? { statusBySeq } : {}),
        });
      },
    );
    instance.on('response', (_client, _status, _bytes, responseTime) => {
      latencies.push(responseTime);
    });
  });
}
