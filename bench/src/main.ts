// `npm run bench [-- --quick] [--source] [--no-scale-out] [--cpu-prof] [--keep] [--no-ingest-fusion] [--peers] [--n8n]`
// Measures Tributary against floors taken in the same run; prints one table and writes bench/results/<date>.json.
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Accounting } from './accounting.js';
import { account, answersMatchStorage, plain } from './accounting.js';
import type { CpuPerUnit, RunQueueWait } from './cpu.js';
import { cpuMark, cpuSince, perUnit, runQueueMark, runQueueSince } from './cpu.js';
import {
  bullmqFloor,
  durableWriteFloor,
  honoFloor,
  honoPacedFloor,
  postgresFloor,
  WEBHOOK_BODY,
} from './floors.js';
import { historyBytesPhase, largePayloadPhase } from './history.js';
import type { LoadResult } from './load.js';
import { runLoad, runPacedLoad } from './load.js';
import { N8N, n8nPeer } from './n8n-peer.js';
import { NODE_RED, nodeRedPeer } from './node-red-peer.js';
import type { InstalledPeer } from './peer-install.js';
import { ensurePeerInstalled, PeerInstallError } from './peer-install.js';
import type { PeerContext, PeerResult } from './peers.js';
import type { AllInOneControl } from './report.js';
import { adjacentIngest, renderTable } from './report.js';
import type { ServerEnv, ServerProcess } from './server.js';
import {
  Api,
  buildServer,
  chainFlow,
  fourNodeFlow,
  logSummary,
  startServer,
  TRIGGER_NODE_ID,
} from './server.js';
import type { RunTimes } from './stores.js';
import {
  createDatabase,
  databaseUrl,
  deleteRedisPrefix,
  dropDatabase,
  postgresSettings,
  RunReader,
} from './stores.js';
import type { TailBreakdown } from './tail.js';
import { scrape, tailBreakdown } from './tail.js';
import { trackingSuite } from './tracking.js';
import { cpuMsOf, idleRss, percentile, RssSampler, round, sleep, stopChild } from './util.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const args = new Set(process.argv.slice(2));
const quick = args.has('--quick');
const fromSource = args.has('--source');
const scaleOut = !quick && !args.has('--no-scale-out');
const cpuProf = args.has('--cpu-prof');
const keep = args.has('--keep');
/** Leaves every step to the worker (TRIBUTARY_INGEST_FUSE_BUDGET_MS=0): measures the job path. */
const noIngestFusion = args.has('--no-ingest-fusion');
const serverSettings: Record<string, string> = noIngestFusion ? { TRIBUTARY_INGEST_FUSE_BUDGET_MS: '0' } : {};
/** Also measures Node-RED (installed into PEERS_DIR on first use) on phase a's flow shape and load. */
const peers = args.has('--peers');
/** Also measures n8n (installed like Node-RED; ~5 min and 1.7 GB the first time), with its executions. */
const n8n = args.has('--n8n');

const PG_SERVER = process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432';
const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
/** Where the peers are installed (git-ignored), one folder per package and version. */
const PEERS_DIR = resolve(process.env.BENCH_PEERS_DIR ?? join(repoRoot, 'bench', '.cache'));

/** Every bound of the run: how long, how many, how long to wait. */
const settings = quick
  ? {
      warmupSeconds: 1,
      honoSeconds: 3,
      bullmqJobs: 10_000,
      postgresSeconds: 3,
      ingestSeconds: 3,
      e2eSeconds: 5,
      e2eShare: 0.5,
      drainTimeoutSeconds: 45,
      chainLength: 20,
      chainRuns: 100,
      chainSerialRuns: 5,
      idleSettleSeconds: 2,
      trackingSeconds: 3,
      trackingBatchSize: 100,
      trackingBatchClients: [8],
      trackingSingleConnections: 50,
      trackingResumeParked: 1000,
      trackingResume: [{ connections: 1, oneCallPerParked: false }],
      historyEvents: 200,
      largeRounds: 1,
    }
  : {
      warmupSeconds: 2,
      honoSeconds: 10,
      bullmqJobs: 50_000,
      postgresSeconds: 10,
      ingestSeconds: 10,
      e2eSeconds: 20,
      e2eShare: 0.5,
      drainTimeoutSeconds: 180,
      chainLength: 20,
      chainRuns: 200,
      chainSerialRuns: 10,
      idleSettleSeconds: 3,
      trackingSeconds: 10,
      trackingBatchSize: 100,
      trackingBatchClients: [8, 32],
      trackingSingleConnections: 50,
      trackingResumeParked: 5000,
      trackingResume: [
        { connections: 1, oneCallPerParked: false },
        { connections: 20, oneCallPerParked: true },
      ],
      historyEvents: 1000,
      largeRounds: 3,
    };
const CONNECTIONS = 50;
/** Most sockets of the overload phase: enough that the server, not the client, holds the excess. */
const OVERLOAD_CONNECTIONS = 256;
/** Webhooks of ~900 KB sent at once in phase L (the burst). */
const LARGE_CONCURRENCY = 40;
const TERMINAL = new Set(['succeeded', 'failed', 'canceled']);

const id = `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
const dbName = `tributary_bench_${id}`;
const queuePrefix = `tributary-bench-${id}`;
const floorPrefix = `tributary-bench-floor-${id}`;
const apiKey = `trb_bench_${randomBytes(16).toString('hex')}`;
const startedAt = new Date();
const stamp = startedAt
  .toISOString()
  .replace(/:/g, '-')
  .replace(/\.\d+Z$/, 'Z');
const resultsDir = join(repoRoot, 'bench', 'results');
const logDir = mkdtempSync(join(os.tmpdir(), 'tributary-bench-'));
const profileDir = join(resultsDir, `profiles-${stamp}`);

const children = new Set<ServerProcess>();
const peerChildren = new Set<ChildProcess>();
let databaseCreated = false;

function log(message: string) {
  process.stderr.write(
    `[bench ${((Date.now() - startedAt.getTime()) / 1000).toFixed(1).padStart(6)}s] ${message}\n`,
  );
}

async function cleanup() {
  for (const server of children) await stopChild(server.child, 10_000);
  children.clear();
  for (const child of peerChildren) await stopChild(child, 10_000);
  peerChildren.clear();
  if (keep) {
    log(`--keep: left database ${dbName} and Redis prefix ${queuePrefix} in place`);
    return;
  }
  if (databaseCreated) {
    await dropDatabase(PG_SERVER, dbName).catch((err) => log(`could not drop ${dbName}: ${err}`));
    databaseCreated = false;
  }
  for (const prefix of [queuePrefix, floorPrefix]) {
    await deleteRedisPrefix(REDIS_URL, prefix).catch((err) => log(`could not delete ${prefix}:* — ${err}`));
  }
}

let interrupted = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (interrupted) return;
    interrupted = true;
    log(`${signal}: stopping children and cleaning up`);
    void cleanup().finally(() => process.exit(130));
  });
}

const serverEnv: ServerEnv = {
  repoRoot,
  fromSource,
  databaseUrl: databaseUrl(PG_SERVER, dbName),
  redisUrl: REDIS_URL,
  queuePrefix,
  apiKey,
  encryptionKey: randomBytes(32).toString('hex'),
  logDir,
};

async function start(name: string, mode: 'all' | 'api' | 'worker', sampler: RssSampler) {
  const nodeArgs: string[] = [];
  if (cpuProf) {
    mkdirSync(profileDir, { recursive: true });
    nodeArgs.push('--cpu-prof', `--cpu-prof-dir=${profileDir}`, `--cpu-prof-name=${name}.cpuprofile`);
  }
  const server = await startServer(serverEnv, name, mode, serverSettings, nodeArgs);
  children.add(server);
  sampler.watch(name, server.pid);
  return server;
}

async function stop(server: ServerProcess, sampler: RssSampler) {
  sampler.unwatch(server.name);
  await stopChild(server.child, 15_000);
  children.delete(server);
}

/** Waits the idle settle time and returns each process's CPU use over it, % of one core. */
async function idleCpuPercent(procs: readonly ServerProcess[]): Promise<Record<string, number>> {
  const before = procs.map((p) => cpuMsOf(p.pid) ?? Number.NaN);
  const start = Date.now();
  await sleep(settings.idleSettleSeconds * 1000);
  const wall = Date.now() - start;
  return Object.fromEntries(
    procs.map((p, i) => [
      p.name,
      round((((cpuMsOf(p.pid) ?? Number.NaN) - (before[i] ?? 0)) * 100) / wall, 1),
    ]),
  );
}

/** Throws if a server process has exited: no point waiting for its runs. */
function alive() {
  for (const server of children) {
    if (server.child.exitCode !== null || server.child.signalCode !== null) {
      throw new Error(
        `${server.name} exited (${server.child.exitCode ?? server.child.signalCode}); its log is ${server.logFile}`,
      );
    }
  }
}

export interface ThroughputSuite {
  warmup: { requests: number; drained: boolean };
  ingest: LoadResult &
    Accounting & {
      storedRuns: number;
      /** CPU while the ingest load ran (in all-in-one this includes the worker's steps), per 202 */
      cpuPerAccepted: CpuPerUnit;
    };
  /** The runs ingest accepted at full speed, drained by the worker(s): their completion rate is saturated. */
  ingestDrain: RunTimes & {
    drained: boolean;
    waitedAfterLoadMs: number;
    /** all CPU from the start of the ingest load to the end of the drain, per run (ingest + its steps) */
    cpuPerRun: CpuPerUnit;
  };
  e2e: LoadResult &
    Accounting & {
      runs: RunTimes;
      drained: boolean;
      waitedAfterLoadMs: number;
      cpuPerRun: CpuPerUnit;
      /** where the paced load's latency went: event loop, GC, the ingest phases (the server's /metrics) */
      tail: TailBreakdown;
      /** time the server's event-loop threads and Postgres spent waiting for a CPU, per second */
      waitedForCpu: RunQueueWait;
    };
}

/** Warm-up, then ingest at full speed and its drain: phase a (throughputSuite) and the all-in-one controls. */
async function warmAndIngest(
  label: string,
  api: Api,
  baseUrl: string,
  reader: RunReader,
  sampler: RssSampler,
  procs: readonly ServerProcess[],
) {
  const warmPath = `${label}-warmup`;
  const ingestPath = `${label}-ingest`;
  const warmFlow = await api.createPublished(fourNodeFlow(warmPath));
  const ingestFlow = await api.createPublished(fourNodeFlow(ingestPath));
  const drainMs = settings.drainTimeoutSeconds * 1000;

  sampler.setPhase(`${label}:warmup`);
  log(`${label}: warm-up ${settings.warmupSeconds}s`);
  const warm = await runLoad({
    url: `${baseUrl}/hooks/${warmPath}`,
    connections: CONNECTIONS,
    duration: settings.warmupSeconds,
    body: WEBHOOK_BODY,
  });
  const warmDrain = await reader.waitFinished(warmFlow, warm.ok, drainMs, alive);

  sampler.setPhase(`${label}:ingest`);
  log(`${label}: ingest ${CONNECTIONS} connections × ${settings.ingestSeconds}s`);
  const ingestMark = await cpuMark(reader, procs);
  const ingest = await runLoad({
    url: `${baseUrl}/hooks/${ingestPath}`,
    connections: CONNECTIONS,
    duration: settings.ingestSeconds,
    body: WEBHOOK_BODY,
    tagRequests: true,
  });
  const ingestLoadCpu = await cpuSince(ingestMark, reader, procs);
  log(
    `${label}: ingest ${ingest.okPerSecond} req/s accepted, p99 ${ingest.latency.p99} ms; waiting for ${ingest.ok} runs`,
  );
  sampler.setPhase(`${label}:drain`);
  const ingestWait = await reader.waitFinished(ingestFlow, ingest.ok, drainMs, alive);
  const ingestCpu = await cpuSince(ingestMark, reader, procs);
  const ingestRuns = await reader.runTimes(ingestFlow);
  log(
    `${label}: ingest backlog ${ingestWait.done ? 'drained' : 'NOT drained'} after ${ingestWait.waitedMs} ms`,
  );
  return {
    warmup: { requests: warm.requests, drained: warmDrain.done },
    ingest: {
      ...plain(ingest),
      storedRuns: ingestRuns.runs,
      ...(await account(reader, ingestPath, ingest)),
      cpuPerAccepted: perUnit(ingestLoadCpu, ingest.ok),
    },
    ingestDrain: {
      ...ingestRuns,
      drained: ingestWait.done,
      waitedAfterLoadMs: ingestWait.waitedMs,
      cpuPerRun: perUnit(ingestCpu, ingestRuns.runs),
    },
  };
}

/** Warm-up, ingest at full speed, drain, then end-to-end at a fixed share of the ingest rate, drain. */
async function throughputSuite(
  label: string,
  api: Api,
  baseUrl: string,
  reader: RunReader,
  sampler: RssSampler,
  procs: readonly ServerProcess[],
): Promise<ThroughputSuite> {
  const { warmup, ingest, ingestDrain } = await warmAndIngest(label, api, baseUrl, reader, sampler, procs);
  const e2ePath = `${label}-e2e`;
  const e2eFlow = await api.createPublished(fourNodeFlow(e2ePath));
  const drainMs = settings.drainTimeoutSeconds * 1000;

  const rate = Math.max(1, Math.round(ingest.okPerSecond * settings.e2eShare));
  sampler.setPhase(`${label}:e2e`);
  log(`${label}: end to end at ${rate} req/s for ${settings.e2eSeconds}s`);
  const e2eMark = await cpuMark(reader, procs);
  const queueMark = await runQueueMark(reader, procs);
  const tailBefore = await scrape(baseUrl);
  const e2e = await runPacedLoad({
    url: `${baseUrl}/hooks/${e2ePath}`,
    connections: CONNECTIONS,
    duration: settings.e2eSeconds,
    rate,
    body: WEBHOOK_BODY,
  });
  const waitedForCpu = await runQueueSince(queueMark, reader, procs);
  const tail = tailBreakdown(tailBefore, await scrape(baseUrl));
  sampler.setPhase(`${label}:e2e-drain`);
  const e2eWait = await reader.waitFinished(e2eFlow, e2e.ok, drainMs, alive);
  const e2eCpu = await cpuSince(e2eMark, reader, procs);
  const e2eRuns = await reader.runTimes(e2eFlow);
  log(
    `${label}: e2e ${round(e2eRuns.runsPerSecond, 1)} runs/s, accepted→finished p50 ${round(e2eRuns.p50Ms, 1)} ms`,
  );
  return {
    warmup,
    ingest,
    ingestDrain,
    e2e: {
      ...plain(e2e),
      ...(await account(reader, e2ePath, e2e)),
      cpuPerRun: perUnit(e2eCpu, e2eRuns.runs),
      runs: e2eRuns,
      drained: e2eWait.done,
      waitedAfterLoadMs: e2eWait.waitedMs,
      tail,
      waitedForCpu,
    },
  };
}

export interface OverloadResult extends LoadResult, Accounting {
  connections: number;
  /** the server's peak RSS during the load and its drain, bytes */
  peakRssBytes: number;
  runs: RunTimes;
  drained: boolean;
}

/**
 * o. Twice the rate ingest sustained, offered evenly from up to OVERLOAD_CONNECTIONS sockets: what the server
 * accepts, what it refuses (503 while nothing was accepted, never a lost event), its latency and memory.
 */
async function overloadPhase(
  api: Api,
  server: ServerProcess,
  reader: RunReader,
  sampler: RssSampler,
  sustainedPerSecond: number,
): Promise<OverloadResult> {
  const path = 'overload';
  const flowId = await api.createPublished(fourNodeFlow(path));
  const rate = Math.max(1, Math.round(sustainedPerSecond * 2));
  sampler.setPhase('all:overload');
  log(
    `overload: ${rate} req/s offered (2× ingest) from up to ${OVERLOAD_CONNECTIONS} sockets × ${settings.ingestSeconds}s`,
  );
  const load = await runPacedLoad({
    url: `${server.url}/hooks/${path}`,
    connections: OVERLOAD_CONNECTIONS,
    duration: settings.ingestSeconds,
    rate,
    body: WEBHOOK_BODY,
  });
  const wait = await reader.waitFinished(flowId, load.ok, settings.drainTimeoutSeconds * 1000, alive);
  sampler.sample();
  const runs = await reader.runTimes(flowId);
  log(`overload: ${load.okPerSecond} req/s accepted, ${load.non2xx} refused, p99 ${load.latency.p99} ms`);
  return {
    ...plain(load),
    ...(await account(reader, path, load)),
    connections: OVERLOAD_CONNECTIONS,
    peakRssBytes: sampler.byPhase()['all:overload']?.[server.name] ?? Number.NaN,
    runs,
    drained: wait.done,
  };
}

export interface ScaleOutResult extends ThroughputSuite {
  /** all-in-one ingest measured right before and right after this phase, on the same database */
  adjacentAllInOne: AllInOneControl[];
  processes: Array<{ name: string; mode: string }>;
  idleCpuPercent: Record<string, number>;
  memory: {
    idleRssBytes: Record<string, number>;
    peakRssBytes: Record<string, number>;
    peakRssSumBytes: number;
  };
  log: Record<string, ReturnType<typeof logSummary>>;
}

export interface ChainResult {
  length: number;
  serial: {
    runs: number;
    /** request sent → run finished, / steps, µs */
    perStepUs: { p50: number; max: number };
    /** previous step finished → this step claimed, µs (0 for steps run inline) */
    hopUs: { p50: number; p99: number };
    /** claimed → finished, µs */
    inStepUs: { p50: number; p99: number };
  };
  batch: {
    runs: number;
    steps: number;
    notSucceeded: number;
    drained: boolean;
    /** steps finished between the 10th and 90th percentile of finish times, per second */
    steadyStepsPerSecond: number;
    /** 1e6 / steadyStepsPerSecond */
    steadyUsPerStep: number;
    /** first run created → last step finished, / steps */
    overallUsPerStep: number;
    /** CPU from the batch's first request to its last step, per step (ingest of the runs included) */
    cpuPerStep: CpuPerUnit;
  };
}

/**
 * f's control: a fresh all-in-one process on the same database and Redis, warmed up and loaded as in phase a,
 * right before and right after api + 2 workers. This machine's speed drifts within a run (the api process's
 * CPU per request has been 30 % above the all-in-one's of three minutes earlier, for the same code path), and
 * phase f runs last: compared with phase a alone, scale-out can miss or pass for the drift alone.
 */
async function allInOneControl(
  name: string,
  reader: RunReader,
  sampler: RssSampler,
): Promise<AllInOneControl> {
  sampler.setPhase(`${name}:start`);
  log(`starting an all-in-one server (${name}) for phase f's control`);
  const server = await start(name, 'all', sampler);
  try {
    const { ingest, ingestDrain } = await warmAndIngest(
      name,
      new Api(server.url, apiKey),
      server.url,
      reader,
      sampler,
      [server],
    );
    return {
      name,
      ingest: {
        okPerSecond: ingest.okPerSecond,
        p99Ms: ingest.latency.p99,
        cpuPerAccepted: ingest.cpuPerAccepted,
        allAccounted: answersMatchStorage(ingest),
      },
      drained: ingestDrain.drained,
    };
  } finally {
    await stop(server, sampler);
  }
}

/** The 20-step chain: a few runs one at a time (latency per step), then a batch (throughput per step). */
async function chainSuite(
  api: Api,
  baseUrl: string,
  reader: RunReader,
  procs: readonly ServerProcess[],
): Promise<ChainResult> {
  const n = settings.chainLength;
  const serialPath = 'chain-serial';
  const batchPath = 'chain-batch';
  const serialFlow = await api.createPublished(chainFlow(serialPath, n));
  const batchFlow = await api.createPublished(chainFlow(batchPath, n));

  log(`chain: ${settings.chainSerialRuns} runs of ${n} steps one at a time`);
  const runIds: string[] = [];
  const sentAt = new Map<string, number>();
  for (let i = 0; i < settings.chainSerialRuns; i++) {
    const sent = Date.now();
    const res = await fetch(`${baseUrl}/hooks/${serialPath}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(WEBHOOK_BODY),
    });
    const accepted = (await res.json()) as { runs?: Array<{ id: string }> };
    const runId = accepted.runs?.[0]?.id;
    if (res.status !== 202 || !runId) throw new Error(`chain webhook answered ${res.status}`);
    runIds.push(runId);
    sentAt.set(runId, sent);
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline && !TERMINAL.has((await reader.runStatus(runId)) ?? '')) {
      alive();
      await sleep(10);
    }
  }
  // from the request to the run's finished_at: steps run while the event is accepted count too
  const finishedAt = await reader.runFinishedAt(runIds);
  const perStep = runIds.flatMap((id) => {
    const end = finishedAt.get(id);
    const start = sentAt.get(id);
    return end !== undefined && start !== undefined ? [((end - start) * 1000) / n] : [];
  });
  const breakdown = await reader.stepBreakdown(serialFlow);

  log(`chain: ${settings.chainRuns} runs of ${n} steps at once`);
  const mark = await cpuMark(reader, procs);
  const load = await runLoad({
    url: `${baseUrl}/hooks/${batchPath}`,
    connections: Math.min(CONNECTIONS, settings.chainRuns),
    amount: settings.chainRuns,
    body: WEBHOOK_BODY,
  });
  const wait = await reader.waitFinished(batchFlow, load.ok, settings.drainTimeoutSeconds * 1000, alive);
  const cpu = await cpuSince(mark, reader, procs);
  const { finished, notSucceeded } = await reader.stepFinishTimes(batchFlow, TRIGGER_NODE_ID);
  const runs = await reader.runTimes(batchFlow);
  const lo = Math.floor(finished.length * 0.1);
  const hi = Math.max(lo, Math.floor(finished.length * 0.9) - 1);
  const windowMs = (finished[hi] ?? 0) - (finished[lo] ?? 0);
  const steady = windowMs > 0 ? ((hi - lo) * 1000) / windowMs : Number.NaN;
  return {
    length: n,
    serial: {
      runs: perStep.length,
      perStepUs: { p50: round(percentile(perStep, 50)), max: round(Math.max(...perStep)) },
      hopUs: {
        p50: round(percentile(breakdown.hop, 50) * 1000),
        p99: round(percentile(breakdown.hop, 99) * 1000),
      },
      inStepUs: {
        p50: round(percentile(breakdown.inStep, 50) * 1000),
        p99: round(percentile(breakdown.inStep, 99) * 1000),
      },
    },
    batch: {
      runs: load.ok,
      steps: finished.length,
      notSucceeded,
      drained: wait.done,
      steadyStepsPerSecond: round(steady, 1),
      steadyUsPerStep: round(1e6 / steady),
      overallUsPerStep: round((runs.spanMs * 1000) / Math.max(1, finished.length)),
      cpuPerStep: perUnit(cpu, finished.length),
    },
  };
}

/** p. The peers, one at a time, before Tributary's server starts: no Tributary process runs beside them. */
async function measurePeers(installed: readonly InstalledPeer[], sampler: RssSampler): Promise<PeerResult[]> {
  const ctx: PeerContext = {
    sampler,
    log,
    children: peerChildren,
    logDir,
    bounds: {
      connections: CONNECTIONS,
      warmupSeconds: settings.warmupSeconds,
      seconds: settings.ingestSeconds,
      pacedShare: settings.e2eShare,
      pacedSeconds: settings.e2eSeconds,
    },
  };
  const results: PeerResult[] = [];
  for (const peer of installed) {
    if (peer.name === NODE_RED.name) {
      results.push(await nodeRedPeer(peer.packageDir, peer.installSeconds, ctx));
    } else if (peer.name === N8N.name) {
      results.push(
        await n8nPeer(peer.prefix, peer.packageDir, peer.installSeconds, ctx, settings.drainTimeoutSeconds),
      );
    }
  }
  return results;
}

/**
 * a against a peer: ingest's 2xx req/s and p99 over the peer's; with its executions, drained runs/s over theirs;
 * measured paced, b's HTTP p99 over the peer's at the same share of its own rate.
 */
function peerRatios(a: ThroughputSuite, p: PeerResult): Record<string, number> {
  return {
    [`ingestVs${p.key}`]: a.ingest.okPerSecond / p.load.okPerSecond,
    [`ingestP99Vs${p.key}`]: a.ingest.latency.p99 / p.load.latency.p99,
    ...(p.endToEnd
      ? { [`drainedRunsVs${p.key}`]: a.ingestDrain.runsPerSecond / p.endToEnd.runsPerSecond }
      : {}),
    ...(p.paced ? { [`e2eP99Vs${p.key}Paced`]: a.e2e.latency.p99 / p.paced.load.latency.p99 } : {}),
  };
}

async function metricsRss(baseUrl: string): Promise<number | undefined> {
  try {
    return (await scrape(baseUrl)).get('tributary_process_resident_memory_bytes');
  } catch {
    return undefined;
  }
}

async function main() {
  const machine = {
    cores: os.cpus().length,
    cpu: os.cpus()[0]?.model ?? 'unknown',
    memoryBytes: os.totalmem(),
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
    loadAverageAtStart: os.loadavg().map((v) => round(v, 2)),
  };
  log(
    `${quick ? 'quick' : 'full'} run ${id}: ${machine.cores} cores, ${round(machine.memoryBytes / 2 ** 30, 1)} GiB, Node ${machine.node}, load ${machine.loadAverageAtStart.join(' ')}`,
  );
  log(`database ${dbName}, Redis prefix ${queuePrefix}, server logs in ${logDir}`);

  // the peers are installed first: a failed install stops the run before anything is built or created
  const installedPeers: InstalledPeer[] = [];
  if (peers) installedPeers.push(await ensurePeerInstalled(PEERS_DIR, NODE_RED, log));
  if (n8n) installedPeers.push(await ensurePeerInstalled(PEERS_DIR, N8N, log));

  if (!fromSource) {
    // the server runs from apps/api/dist: bring it (and the packages it needs) up to date; turbo caches
    log('building @tributary/api and its packages (turbo)');
    try {
      buildServer(repoRoot);
    } catch (err) {
      throw new Error('the build failed (or run with --source to skip it)', { cause: err });
    }
  }

  await createDatabase(PG_SERVER, dbName);
  databaseCreated = true;
  const postgresServer = await postgresSettings(PG_SERVER);
  log(
    `Postgres ${postgresServer.version}: autovacuum ${postgresServer.autovacuum}, fsync ${postgresServer.fsync}, synchronous_commit ${postgresServer.synchronousCommit}`,
  );

  // d. floors first, with no server running
  log(`floor: bare Hono, ${CONNECTIONS} connections × ${settings.honoSeconds}s POST, then GET`);
  const hono = await honoFloor(repoRoot, settings.honoSeconds);
  log(
    `floor: Hono POST ${hono.post.requestsPerSecond} req/s, GET ${hono.get.requestsPerSecond} req/s; BullMQ ${settings.bullmqJobs} no-op jobs`,
  );
  const bullmq = await bullmqFloor(REDIS_URL, floorPrefix, settings.bullmqJobs, 60);
  log(`floor: BullMQ ${bullmq.jobsPerSecond} jobs/s; postgres.js inserts × ${settings.postgresSeconds}s`);
  const pg = await postgresFloor(serverEnv.databaseUrl, settings.postgresSeconds, 2_000_000);
  log(
    `floor: postgres.js ${pg.insertsPerSecond} inserts/s; storing events' rows × ${settings.postgresSeconds}s`,
  );
  const durable = await durableWriteFloor(serverEnv.databaseUrl, settings.postgresSeconds);
  log(`floor: storing events' rows ${durable.eventsPerSecond} events/s`);
  await deleteRedisPrefix(REDIS_URL, floorPrefix);

  const reader = new RunReader(serverEnv.databaseUrl);
  const sampler = new RssSampler(200);
  sampler.start();
  try {
    const peerResults = await measurePeers(installedPeers, sampler);
    // a–c, e: one all-in-one process
    sampler.setPhase('all:start');
    log(`starting the all-in-one server (${fromSource ? 'from source via tsx' : 'apps/api/dist'})`);
    const all = await start('all', 'all', sampler);
    const api = new Api(all.url, apiKey);
    sampler.setPhase('all:idle');
    const allIdleCpu = await idleCpuPercent([all]);
    const allIdleRss = await idleRss(all.pid);
    const suite = await throughputSuite('all', api, all.url, reader, sampler, [all]);
    const overload = await overloadPhase(api, all, reader, sampler, suite.ingest.okPerSecond);
    // t1–t3: tracking ingest, against phase a's webhook ingest rate
    const tracking = await trackingSuite(
      {
        api,
        baseUrl: all.url,
        reader,
        sampler,
        procs: [all],
        log,
        alive,
        webhookOkPerSecond: suite.ingest.okPerSecond,
      },
      {
        seconds: settings.trackingSeconds,
        warmupSeconds: settings.warmupSeconds,
        batchSize: settings.trackingBatchSize,
        batchClients: settings.trackingBatchClients,
        singleConnections: settings.trackingSingleConnections,
        resumeParked: settings.trackingResumeParked,
        resume: settings.trackingResume,
        drainTimeoutSeconds: settings.drainTimeoutSeconds,
      },
    );
    // h, L: bytes of history per run; a burst of large payloads
    const historyCtx = {
      api,
      baseUrl: all.url,
      reader,
      sampler,
      server: all,
      log,
      alive,
      drainTimeoutMs: settings.drainTimeoutSeconds * 1000,
    };
    const history = await historyBytesPhase(historyCtx, settings.historyEvents);
    const largePayloads = await largePayloadPhase(historyCtx, {
      concurrency: LARGE_CONCURRENCY,
      rounds: settings.largeRounds,
    });
    sampler.setPhase('all:chain');
    const chain = await chainSuite(api, all.url, reader, [all]);
    sampler.setPhase('all:end');
    const allEndRss = await idleRss(all.pid);
    const allMetricsRss = await metricsRss(all.url);
    const allPeakRss = sampler.peak('all') ?? Number.NaN;
    await stop(all, sampler);
    // b's load against bare Hono with no Tributary process running: the floor of b's HTTP latency
    log(`floor: bare Hono paced at b's ${suite.e2e.offeredRate} req/s for ${settings.e2eSeconds}s`);
    const e2eHono = await honoPacedFloor(repoRoot, suite.e2e.offeredRate ?? 1, settings.e2eSeconds);
    log(`floor: bare Hono paced p50 ${e2eHono.latency.p50} / p99 ${e2eHono.latency.p99} ms`);
    const allInOne = {
      ...suite,
      e2eHono,
      overload,
      tracking,
      history,
      largePayloads,
      chain,
      idleCpuPercent: allIdleCpu,
      memory: {
        idleRssBytes: allIdleRss,
        peakRssBytes: allPeakRss,
        endRssBytes: allEndRss,
        metricsRssAtEndBytes: allMetricsRss,
      },
      log: logSummary(all.logFile),
    };

    // f: one api + two workers on the same database, Redis and prefix
    let scale: ScaleOutResult | undefined;
    if (scaleOut) {
      const before = await allInOneControl('all-before-f', reader, sampler);
      sampler.setPhase('scale:start');
      log('starting api + 2 workers');
      const apiProc = await start('api', 'api', sampler);
      const workers = [
        await start('worker-1', 'worker', sampler),
        await start('worker-2', 'worker', sampler),
      ];
      const procs = [apiProc, ...workers];
      sampler.setPhase('scale:idle');
      const scaleIdleCpu = await idleCpuPercent(procs);
      const idle: Record<string, number> = {};
      for (const p of procs) idle[p.name] = await idleRss(p.pid);
      const scaleSuite = await throughputSuite(
        'scale',
        new Api(apiProc.url, apiKey),
        apiProc.url,
        reader,
        sampler,
        procs,
      );
      const peak: Record<string, number> = {};
      for (const p of procs) peak[p.name] = sampler.peak(p.name) ?? Number.NaN;
      for (const p of procs) await stop(p, sampler);
      const after = await allInOneControl('all-after-f', reader, sampler);
      scale = {
        adjacentAllInOne: [before, after],
        processes: procs.map((p) => ({ name: p.name, mode: p.mode })),
        idleCpuPercent: scaleIdleCpu,
        ...scaleSuite,
        memory: {
          idleRssBytes: idle,
          peakRssBytes: peak,
          peakRssSumBytes: Object.values(peak).reduce((a, b) => a + b, 0),
        },
        log: Object.fromEntries(procs.map((p) => [p.name, logSummary(p.logFile)])),
      };
    }
    sampler.stop();

    const floors = { hono, bullmq, postgres: pg, durable };
    const bullmqUsPerJob = 1e6 / bullmq.jobsPerSecond;
    const ratios = {
      ingestVsHono: allInOne.ingest.okPerSecond / hono.post.requestsPerSecond,
      ingestVsHonoGet: allInOne.ingest.okPerSecond / hono.get.requestsPerSecond,
      ingestVsPostgresInserts: allInOne.ingest.okPerSecond / pg.insertsPerSecond,
      e2eVsBullmq: allInOne.e2e.runs.runsPerSecond / bullmq.jobsPerSecond,
      e2eP99VsHonoPaced: allInOne.e2e.latency.p99 / allInOne.e2eHono.latency.p99,
      saturatedRunsVsBullmq: allInOne.ingestDrain.runsPerSecond / bullmq.jobsPerSecond,
      stepCostVsBullmqJob: allInOne.chain.batch.steadyUsPerStep / bullmqUsPerJob,
      ...Object.fromEntries(
        tracking.batch.map((t) => [`trackingBatch${t.connections}VsIngest`, t.vsWebhookIngest]),
      ),
      trackingSingleVsIngest: tracking.single.vsWebhookIngest,
      trackingNoRunVsIngest: tracking.noRun.vsWebhookIngest,
      ...Object.fromEntries(peerResults.flatMap((p) => Object.entries(peerRatios(allInOne, p)))),
      ...(scale
        ? {
            scaleIngestVsHono: scale.ingest.okPerSecond / hono.post.requestsPerSecond,
            scaleIngestVsAllInOne: scale.ingest.okPerSecond / allInOne.ingest.okPerSecond,
            scaleIngestVsAdjacentAllInOne: scale.ingest.okPerSecond / adjacentIngest(scale.adjacentAllInOne),
            scaleE2eVsBullmq: scale.e2e.runs.runsPerSecond / bullmq.jobsPerSecond,
            scaleSaturatedRunsVsBullmq: scale.ingestDrain.runsPerSecond / bullmq.jobsPerSecond,
          }
        : {}),
    };
    const result = {
      date: startedAt.toISOString(),
      mode: quick ? 'quick' : 'full',
      server: fromSource ? 'source (tsx)' : 'apps/api/dist',
      machine: {
        ...machine,
        loadAverageAtEnd: os.loadavg().map((v) => round(v, 2)),
        postgres: postgresServer,
      },
      settings: { ...settings, connections: CONNECTIONS, workerConcurrency: 50, dbPool: 20, ingestDbPool: 4 },
      serverSettings,
      floors,
      allInOne,
      scaleOut: scale ?? null,
      peers: peerResults,
      ratios: Object.fromEntries(Object.entries(ratios).map(([k, v]) => [k, round(v, 4)])),
      rssByPhase: sampler.byPhase(),
      cpuProfiles: cpuProf ? relative(repoRoot, profileDir) : null,
    };
    mkdirSync(resultsDir, { recursive: true });
    const file = join(
      resultsDir,
      `${stamp}${quick ? '-quick' : ''}${noIngestFusion ? '-no-ingest-fusion' : ''}.json`,
    );
    writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
    process.stdout.write(`${renderTable(result)}\n`);
    log(`wrote ${relative(repoRoot, file)}`);
  } finally {
    sampler.stop();
    await reader.close().catch(() => {});
  }
}

main()
  .catch(async (err) => {
    process.exitCode = 1;
    // an install failure says what failed and where npm's output is; its stack would only hide that
    log(
      `failed: ${err instanceof PeerInstallError ? err.message : err instanceof Error ? (err.stack ?? err.message) : String(err)}`,
    );
    log(`server logs are in ${logDir}`);
  })
  .finally(async () => {
    await cleanup();
    if (process.exitCode !== 1 && !keep) rmSync(logDir, { recursive: true, force: true });
    // BullMQ and autocannon can keep handles open for a while; the work is done
    process.exit(process.exitCode ?? 0);
  });
