// Peers: other automation tools measured in the same run, on phase a's flow shape (webhook → set → if → set)
// with phase a's body and load, one at a time and never beside a Tributary process. Starting a peer's
// process, waiting until its webhook answers, and loading it; each peer's own module builds its flow.
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { openSync } from 'node:fs';
import { WEBHOOK_BODY } from './floors.js';
import type { LoadResult } from './load.js';
import { runLoad, runPacedLoad } from './load.js';
import { tail } from './server.js';
import type { RssSampler } from './util.js';
import { cpuMsOf, idleRss, round, sleep, stopChild, waitFor } from './util.js';

/** Phase a's load, which every peer gets too. */
export interface PeerBounds {
  connections: number;
  warmupSeconds: number;
  /** seconds of the measured load */
  seconds: number;
  /** phase b's paced load: its share of the saturated 2xx rate, and seconds */
  pacedShare: number;
  pacedSeconds: number;
}

/** What measuring a peer needs of the run around it. */
export interface PeerContext {
  sampler: RssSampler;
  log: (message: string) => void;
  /** the run's peer processes, so that Ctrl-C stops one that is running */
  children: Set<ChildProcess>;
  /** the run's temporary folder: each peer's data folder and log go there */
  logDir: string;
  bounds: PeerBounds;
}

/** One peer measured like phase a: its webhook's answers under the same load, and its process's cost. */
export interface PeerResult {
  name: string;
  /** names its figures in `ratios` (`ingestVs<key>`, `ingestP99Vs<key>`) */
  key: string;
  version: string;
  /** the flow it ran, in its own words */
  flow: string;
  /** what it keeps of each request (Tributary keeps the event, the run and every step) */
  history: string;
  /** seconds npm took to install it in this run; 0 when it came from the cache */
  installSeconds: number;
  /** process start → the webhook answered 2xx */
  startSeconds: number;
  warmup: { requests: number; ok: number };
  load: LoadResult;
  /** the peer process's CPU (user + system) during the load per 2xx answer, µs */
  cpuUsPerOk: number;
  /** VmRSS after start, before any load (median of five samples over a second) */
  idleRssBytes: number;
  /** VmRSS peak from start to stop, sampled every 200 ms */
  peakRssBytes: number;
  /** runs the peer finished during the load and its drain, when it keeps them (n8n's executions) */
  endToEnd?: PeerEndToEnd;
  /** phase b's paced load at the same share of the peer's own saturated rate (Node-RED) */
  paced?: PeerPaced;
}

/** A peer under phase b's paced load: its HTTP latency at a steady moderate load, and its cost. */
export interface PeerPaced {
  load: LoadResult;
  /** the peer process's CPU (user + system) during the load per 2xx answer, µs */
  cpuUsPerOk: number;
}

/** Runs (executions) a peer finished for the measured load, counted from its own store. */
export interface PeerEndToEnd {
  runs: number;
  /** runs finished per second: first started → last finished */
  runsPerSecond: number;
  drained: boolean;
  /** the peer's CPU from the start of the load to the end of the drain, per run, µs */
  cpuUsPerRun: number;
}

/** A running peer process. */
export interface PeerProcess {
  name: string;
  child: ChildProcess;
  pid: number;
  logFile: string;
  startSeconds: number;
}

export interface StartPeerOptions {
  name: string;
  /** arguments of `node` (the peer's entry script first) */
  args: string[];
  cwd: string;
  env: Record<string, string | undefined>;
  logFile: string;
  /** resolves true once the peer answers as it should; rejections count as "not yet" */
  ready: () => Promise<boolean>;
  timeoutMs: number;
}

/** Starts a peer as its own Node.js process and waits (bounded) until `ready`; its log on failure. */
export async function startPeer(options: StartPeerOptions, ctx: PeerContext): Promise<PeerProcess> {
  const out = openSync(options.logFile, 'a');
  const started = Date.now();
  const child = spawn(process.execPath, options.args, {
    cwd: options.cwd,
    env: options.env,
    stdio: ['ignore', out, out],
  });
  if (child.pid === undefined) throw new Error(`could not start ${options.name}`);
  ctx.children.add(child);
  ctx.sampler.setPhase(`peer:${options.name}`);
  ctx.sampler.watch(options.name, child.pid);
  let exited = false;
  child.once('exit', () => {
    exited = true;
  });
  const ready = await waitFor(async () => exited || (await options.ready()), options.timeoutMs, 250);
  if (!ready || exited) {
    await stopPeer(
      { name: options.name, child, pid: child.pid, logFile: options.logFile, startSeconds: 0 },
      ctx,
    );
    throw new Error(
      `${options.name} ${exited ? `exited (${child.exitCode ?? child.signalCode})` : `did not answer within ${options.timeoutMs / 1000} s`}; the end of its log ${options.logFile}:\n${tail(options.logFile)}`,
    );
  }
  return {
    name: options.name,
    child,
    pid: child.pid,
    logFile: options.logFile,
    startSeconds: round((Date.now() - started) / 1000, 1),
  };
}

export async function stopPeer(peer: PeerProcess, ctx: PeerContext): Promise<void> {
  ctx.sampler.unwatch(peer.name);
  await stopChild(peer.child, 15_000);
  ctx.children.delete(peer.child);
}

/** POSTs phase a's body once; true on a 2xx. Bounded, for readiness checks. */
export async function answers2xx(url: string): Promise<boolean> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(WEBHOOK_BODY),
    signal: AbortSignal.timeout(2000),
  });
  await res.arrayBuffer();
  return res.status >= 200 && res.status < 300;
}

export interface PeerLoad {
  warmup: { requests: number; ok: number };
  load: LoadResult;
  cpuUsPerOk: number;
  idleRssBytes: number;
  /** the process's CPU counter when the measured load started, ms: for figures that include a drain */
  cpuMsAtLoadStart: number;
  /** what `afterWarmup` returned */
  beforeLoad?: number;
}

/**
 * Phase a against a peer's webhook: the same body (a unique `seq` in each), connections, warm-up and length.
 * `afterWarmup` runs between the warm-up and the measured load (given the warm-up's 2xx count), e.g. to
 * let the warm-up's work finish and mark where the load's starts.
 */
export async function loadPeer(
  peer: PeerProcess,
  url: string,
  ctx: PeerContext,
  afterWarmup?: (warmupOk: number) => Promise<number>,
): Promise<PeerLoad> {
  const { bounds, sampler, log } = ctx;
  const idleRssBytes = await idleRss(peer.pid);
  log(`${peer.name}: warm-up ${bounds.warmupSeconds}s`);
  const warm = await runLoad({
    url,
    connections: bounds.connections,
    duration: bounds.warmupSeconds,
    body: WEBHOOK_BODY,
    tagRequests: true,
  });
  const beforeLoad = afterWarmup ? await afterWarmup(warm.ok) : undefined;
  log(`${peer.name}: ${bounds.connections} connections × ${bounds.seconds}s`);
  const cpuBefore = cpuMsOf(peer.pid) ?? Number.NaN;
  const { statusBySeq: _, ...load } = await runLoad({
    url,
    connections: bounds.connections,
    duration: bounds.seconds,
    body: WEBHOOK_BODY,
    tagRequests: true,
  });
  const cpuMs = (cpuMsOf(peer.pid) ?? Number.NaN) - cpuBefore;
  sampler.sample();
  if (load.ok === 0) {
    // nothing was measured: the flow is not running (a peer's error page would read as its speed)
    throw new Error(
      `${peer.name} answered no request 2xx under load (${JSON.stringify(load.statusCodes)}, ${load.errors} errors); the end of its log ${peer.logFile}:\n${tail(peer.logFile)}`,
    );
  }
  log(
    `${peer.name}: ${load.okPerSecond} req/s 2xx, p99 ${load.latency.p99} ms, non-2xx ${load.non2xx}, errors ${load.errors}`,
  );
  return {
    warmup: { requests: warm.requests, ok: warm.ok },
    load,
    cpuUsPerOk: round((cpuMs * 1000) / Math.max(1, load.ok)),
    idleRssBytes,
    cpuMsAtLoadStart: cpuBefore,
    ...(beforeLoad === undefined ? {} : { beforeLoad }),
  };
}

/**
 * Phase b's paced load against a peer: open loop at the same share of the peer's own saturated 2xx rate
 * (`okPerSecond`, from loadPeer) as phase b takes of phase a's, for as long, with the same generator — what
 * "p99 at a steady moderate load" is for the peer on the same cores (for Node-RED: a process that stores nothing).
 */
export async function pacePeer(
  peer: PeerProcess,
  url: string,
  ctx: PeerContext,
  okPerSecond: number,
): Promise<PeerPaced> {
  const { bounds, sampler, log } = ctx;
  const rate = Math.max(1, Math.round(okPerSecond * bounds.pacedShare));
  await sleep(1000);
  log(`${peer.name}: paced at ${rate} req/s for ${bounds.pacedSeconds}s`);
  const cpuBefore = cpuMsOf(peer.pid) ?? Number.NaN;
  const { statusBySeq: _, ...load } = await runPacedLoad({
    url,
    rate,
    duration: bounds.pacedSeconds,
    connections: bounds.connections,
    body: WEBHOOK_BODY,
  });
  const cpuMs = (cpuMsOf(peer.pid) ?? Number.NaN) - cpuBefore;
  sampler.sample();
  log(`${peer.name}: paced p50 ${load.latency.p50} / p99 ${load.latency.p99} ms, non-2xx ${load.non2xx}`);
  return { load, cpuUsPerOk: round((cpuMs * 1000) / Math.max(1, load.ok)) };
}
