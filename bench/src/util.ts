// Small helpers: time, ports, percentiles, child processes and RSS sampling.
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Milliseconds since an arbitrary start, sub-millisecond resolution. */
export const now = () => performance.now();

/** A TCP port on 127.0.0.1 that was free a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Percentile (0..100) of numbers by nearest rank; NaN for no values. */
export function percentile(values: ArrayLike<number>, p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = Float64Array.from(values).sort();
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] ?? Number.NaN;
}

export interface LatencySummary {
  count: number;
  p50: number;
  p99: number;
  max: number;
}

export function summarize(values: ArrayLike<number>): LatencySummary {
  let max = Number.NaN;
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    if (!(v <= max)) max = v;
  }
  return { count: values.length, p50: percentile(values, 50), p99: percentile(values, 99), max };
}

/** A growable buffer of numbers (latencies) without per-item allocation. */
export class Samples {
  private data = new Float64Array(4096);
  length = 0;
  push(v: number) {
    if (this.length === this.data.length) {
      const bigger = new Float64Array(this.data.length * 2);
      bigger.set(this.data);
      this.data = bigger;
    }
    this.data[this.length++] = v;
  }
  values(): Float64Array {
    return this.data.subarray(0, this.length);
  }
}

/** Resident set size of a process in bytes (Linux /proc), or undefined if it is gone. */
export function rssOf(pid: number): number | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
    return match ? Number(match[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

/** CPU time (user + system) a process has used so far, ms (Linux /proc, 10 ms resolution). */
export function cpuMsOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // fields after the command name, which is in parentheses and may contain spaces
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const utime = Number(fields[11]);
    const stime = Number(fields[12]);
    return ((utime + stime) * 1000) / TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
}

/**
 * How long the process's main thread has waited for a CPU while runnable, ms (the second field of
 * `/proc/<pid>/schedstat`, ns); undefined when the kernel does not keep schedstats or the process is gone.
 */
export function runQueueMsOf(pid: number): number | undefined {
  try {
    const waited = Number(readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ')[1]);
    return Number.isFinite(waited) ? waited / 1e6 : undefined;
  } catch {
    return undefined;
  }
}

export type CpuSnapshot = Map<number, number>;

/** Each process's CPU ms (or another per-process counter in ms, e.g. `runQueueMsOf`), by pid. */
export function cpuSnapshot(
  pids: Iterable<number>,
  read: (pid: number) => number | undefined = cpuMsOf,
): CpuSnapshot {
  const out: CpuSnapshot = new Map();
  for (const pid of pids) {
    const ms = read(pid);
    if (ms !== undefined) out.set(pid, ms);
  }
  return out;
}

/**
 * CPU ms used between two snapshots. A process only in `after` started in between and counts in full; one
 * only in `before` exited in between and its share is lost (rare: pools keep their connections).
 */
export function cpuDelta(before: CpuSnapshot, after: CpuSnapshot): number {
  let total = 0;
  for (const [pid, ms] of after) total += ms - (before.get(pid) ?? 0);
  return total;
}

/** Samples the RSS of some processes every `intervalMs`, keeping the peak per process and per phase. */
export class RssSampler {
  private timer: NodeJS.Timeout | undefined;
  private readonly peaks = new Map<string, number>();
  private readonly phasePeaks = new Map<string, Map<string, number>>();
  private phase = 'start';
  private readonly pids = new Map<string, number>();

  constructor(private readonly intervalMs = 200) {}

  watch(name: string, pid: number) {
    this.pids.set(name, pid);
  }

  unwatch(name: string) {
    this.pids.delete(name);
  }

  setPhase(phase: string) {
    this.sample();
    this.phase = phase;
  }

  start() {
    this.timer = setInterval(() => this.sample(), this.intervalMs);
    this.timer.unref();
  }

  stop() {
    if (this.timer) clearInterval(this.timer);
    this.sample();
  }

  sample() {
    for (const [name, pid] of this.pids) {
      const rss = rssOf(pid);
      if (rss === undefined) continue;
      if (rss > (this.peaks.get(name) ?? 0)) this.peaks.set(name, rss);
      let phase = this.phasePeaks.get(this.phase);
      if (!phase) {
        phase = new Map();
        this.phasePeaks.set(this.phase, phase);
      }
      if (rss > (phase.get(name) ?? 0)) phase.set(name, rss);
    }
  }

  peak(name: string): number | undefined {
    return this.peaks.get(name);
  }

  /** Peak RSS per phase and process, in bytes. */
  byPhase(): Record<string, Record<string, number>> {
    const out: Record<string, Record<string, number>> = {};
    for (const [phase, peaks] of this.phasePeaks) out[phase] = Object.fromEntries(peaks);
    return out;
  }
}

/** RSS of a process at rest: the median of five samples over a second. */
export async function idleRss(pid: number): Promise<number> {
  const samples: number[] = [];
  for (let i = 0; i < 5; i++) {
    samples.push(rssOf(pid) ?? Number.NaN);
    await sleep(200);
  }
  return percentile(samples, 50);
}

/** Stops a child: SIGTERM, then SIGKILL after `graceMs`. Resolves once it has exited. */
export async function stopChild(child: ChildProcess, graceMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

/** Polls `check` until it returns true or `timeoutMs` passes; returns whether it did. */
export async function waitFor(
  check: () => Promise<boolean>,
  timeoutMs: number,
  everyMs = 100,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      if (await check()) return true;
    } catch {
      // not yet
    }
    await sleep(everyMs);
  }
  return false;
}

export const round = (v: number, digits = 0) => {
  if (!Number.isFinite(v)) return v;
  const f = 10 ** digits;
  return Math.round(v * f) / f;
};
