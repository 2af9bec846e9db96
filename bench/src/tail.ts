// Where the latency tail comes from, read from the server's own /metrics around a phase: event-loop delay
// (prom-client's monitorEventLoopDelay, reset at each scrape, so the scrape after a phase covers that phase),
// garbage collection, and the ingest phases the engine times (tributary_ingest_phase_seconds: waiting for a
// group commit, a pooled connection and BEGIN, the statements, COMMIT, a batch's one statement without a
// transaction, enqueueing), and the server's own time per webhook request
// (tributary_http_request_duration_seconds): what the client measures beyond it was spent before the server
// read the request (the client's own delay, the kernel's queue, a busy event loop).

/** One scrape: every sample by its name and labels as written (`name{a="b"}`). */
export type Scrape = Map<string, number>;

export async function scrape(baseUrl: string): Promise<Scrape> {
  const text = await (await fetch(`${baseUrl}/metrics`)).text();
  const out: Scrape = new Map();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const space = line.lastIndexOf(' ');
    const value = Number(line.slice(space + 1));
    if (Number.isFinite(value)) out.set(line.slice(0, space), value);
  }
  return out;
}

/** The histogram's samples between two scrapes, for the series whose labels include `labels` (e.g. `phase="wait"`). */
function bucketDelta(before: Scrape, after: Scrape, name: string, labels: string) {
  const buckets: Array<{ le: number; count: number }> = [];
  let sum = 0;
  let count = 0;
  for (const [key, value] of after) {
    if (labels && !key.includes(labels)) continue;
    const delta = value - (before.get(key) ?? 0);
    if (key.startsWith(`${name}_bucket{`)) {
      const le = /le="([^"]+)"/.exec(key)?.[1];
      if (le !== undefined)
        buckets.push({ le: le === '+Inf' ? Number.POSITIVE_INFINITY : Number(le), count: delta });
    } else if (key.startsWith(`${name}_sum`)) sum += delta;
    else if (key.startsWith(`${name}_count`)) count += delta;
  }
  // several series (one per GC kind, say) add up bucket by bucket
  const merged = new Map<number, number>();
  for (const b of buckets) merged.set(b.le, (merged.get(b.le) ?? 0) + b.count);
  return {
    buckets: [...merged].map(([le, n]) => ({ le, count: n })).sort((a, b) => a.le - b.le),
    sum,
    count,
  };
}

/** A quantile from cumulative buckets, interpolated linearly within its bucket (ms). */
function quantileMs(buckets: Array<{ le: number; count: number }>, total: number, q: number): number {
  if (total <= 0) return 0;
  const rank = q * total;
  let lower = 0;
  let below = 0;
  for (const { le, count } of buckets) {
    if (count >= rank) {
      if (!Number.isFinite(le)) return lower * 1000;
      const within = count - below;
      return (lower + (within > 0 ? ((rank - below) / within) * (le - lower) : 0)) * 1000;
    }
    lower = le;
    below = count;
  }
  return lower * 1000;
}

export interface PhaseTiming {
  count: number;
  meanMs: number;
  p50Ms: number;
  p99Ms: number;
}

function timing(before: Scrape, after: Scrape, name: string, labels: string): PhaseTiming {
  const h = bucketDelta(before, after, name, labels);
  const round = (v: number) => Math.round(v * 100) / 100;
  return {
    count: h.count,
    meanMs: h.count > 0 ? round((h.sum / h.count) * 1000) : 0,
    p50Ms: round(quantileMs(h.buckets, h.count, 0.5)),
    p99Ms: round(quantileMs(h.buckets, h.count, 0.99)),
  };
}

/**
 * prom-client's event-loop monitor interval (its `eventLoopMonitoringPrecision`, left at its default by the
 * engine's metrics): Node's monitorEventLoopDelay records the time between the monitor's timer runs, so an
 * idle loop reads this much, not 0.
 */
const EVENT_LOOP_SAMPLE_MS = 10;

export interface TailBreakdown {
  /** event-loop delay over the phase (ms): how late the monitor's timer ran, its interval taken out */
  eventLoop: { p50Ms: number; p99Ms: number; maxMs: number };
  /** garbage collection over the phase: total pause time, pauses by histogram bucket, full (major) collections */
  gc: PhaseTiming & { totalMs: number; major: number };
  /** webhook requests answered 2xx, timed in the server from getting the request to its answer */
  server: PhaseTiming;
  /** the engine's ingest phases (wait per event; the others per commit) */
  ingest: Record<'wait' | 'open' | 'write' | 'commit' | 'statement' | 'enqueue', PhaseTiming>;
}

export function tailBreakdown(before: Scrape, after: Scrape): TailBreakdown {
  // the delay past the monitor's interval: Node's histogram records the whole time between its timer's runs
  const loopDelayMs = (key: string) =>
    Math.round(Math.max(0, (after.get(key) ?? Number.NaN) * 1000 - EVENT_LOOP_SAMPLE_MS) * 100) / 100;
  const gc = timing(before, after, 'tributary_nodejs_gc_duration_seconds', '');
  const gcSum = bucketDelta(before, after, 'tributary_nodejs_gc_duration_seconds', '').sum;
  const phase = (p: string) => timing(before, after, 'tributary_ingest_phase_seconds', `phase="${p}"`);
  return {
    eventLoop: {
      p50Ms: loopDelayMs('tributary_nodejs_eventloop_lag_p50_seconds'),
      p99Ms: loopDelayMs('tributary_nodejs_eventloop_lag_p99_seconds'),
      maxMs: loopDelayMs('tributary_nodejs_eventloop_lag_max_seconds'),
    },
    gc: {
      ...gc,
      totalMs: Math.round(gcSum * 1000),
      major: bucketDelta(before, after, 'tributary_nodejs_gc_duration_seconds', 'kind="major"').count,
    },
    server: timing(before, after, 'tributary_http_request_duration_seconds', 'route="webhook",status="2xx"'),
    ingest: {
      wait: phase('wait'),
      open: phase('open'),
      write: phase('write'),
      commit: phase('commit'),
      statement: phase('statement'),
      enqueue: phase('enqueue'),
    },
  };
}
