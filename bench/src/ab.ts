// `npm run bench:ab -- [<base checkout>] [--rounds N] [--seconds S] [--rate R] [--a-env K=V]… [--b-env K=V]…
//   [--a-node-arg F]… [--b-node-arg F]…`
//
// Paired A/B: two servers measured in turns on the same machine in the same minutes, so that a change smaller
// than the machine's drift (figures here move by 30 % and more within an hour) can still be read. A is the
// server of another checkout (built: apps/api/dist), B this one's (built here with turbo); with no checkout
// given both are this one, told apart by their settings (`--a-env`/`--b-env`, e.g.
// `--b-env TRIBUTARY_V8_PRETENURING=true`) or by Node's own command-line flags (`--a-node-arg`/`--b-node-arg`,
// e.g. `--b-node-arg=--single-threaded-gc`, which NODE_OPTIONS does not take). Both run all-in-one on their own database and Redis prefix and
// stay up; each round loads one and then the other (the order alternating), with three phases each:
//   ingest   webhooks of phase a's flow, 50 connections, closed loop: 2xx/s, server CPU µs per 2xx, p99
//   half     the same paced at a fixed rate (default: half of A's ingest rate at warm-up): HTTP p50/p99, the
//            server's own p99, full garbage collections
//   track    single /v1/track calls that start a run of the same shape, 50 connections: events/s, CPU µs
// The table gives each figure's median over the rounds for A and B, B ÷ A of the medians, and the range of
// B ÷ A over the rounds: a ratio whose range stays on one side of 1 is a change; one that straddles 1 is not
// (yet) told apart from the noise. Writes bench/results/<ISO date>-ab.json.
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runLoad, runPacedLoad } from './load.js';
import { Api, buildServer, fourNodeFlow, startServer } from './server.js';
import { createDatabase, databaseUrl, deleteRedisPrefix, dropDatabase } from './stores.js';
import { scrape, tailBreakdown } from './tail.js';
import { basicAuth, TRACKED_EVENT, trackingFlow, trackMessage } from './tracking.js';
import { cpuMsOf, sleep, stopChild } from './util.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const PG_SERVER = process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432';
const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const CONNECTIONS = 50;
const BODY = { email: 'someone@example.com', plan: 'pro' };

interface Options {
  base: string | null;
  rounds: number;
  seconds: number;
  rate: number | null;
  env: { A: Record<string, string>; B: Record<string, string> };
  /** flags given to node before the server's script */
  nodeArgs: { A: string[]; B: string[] };
}

function usage(message: string): never {
  process.stderr.write(
    `${message}\nusage: npm run bench:ab -- [<base checkout>] [--rounds N (2–20, default 5)] ` +
      '[--seconds S (2–30, default 5)] [--rate R (req/s of the paced phase)] [--a-env K=V]… [--b-env K=V]… ' +
      '[--a-node-arg F]… [--b-node-arg F]…\n',
  );
  process.exit(2);
}

function parseArgs(argv: readonly string[]): Options {
  const options: Options = {
    base: null,
    rounds: 5,
    seconds: 5,
    rate: null,
    env: { A: {}, B: {} },
    nodeArgs: { A: [], B: [] },
  };
  const number = (flag: string, value: string | undefined, min: number, max: number) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min || n > max)
      usage(`${flag} takes a whole number from ${min} to ${max}`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--rounds') options.rounds = number(arg, argv[++i], 2, 20);
    else if (arg === '--seconds') options.seconds = number(arg, argv[++i], 2, 30);
    else if (arg === '--rate') options.rate = number(arg, argv[++i], 10, 100_000);
    else if (arg === '--a-env' || arg === '--b-env') {
      const pair = argv[++i] ?? '';
      const eq = pair.indexOf('=');
      if (eq <= 0) usage(`${arg} takes NAME=value`);
      options.env[arg === '--a-env' ? 'A' : 'B'][pair.slice(0, eq)] = pair.slice(eq + 1);
    } else if (arg === '--a-node-arg' || arg === '--b-node-arg') {
      // `--b-node-arg --flag` would read as an option of its own: the flag is given as `--b-node-arg=--flag`
      usage(`${arg} takes its flag after an equals sign: ${arg}=--some-flag`);
    } else if (arg.startsWith('--a-node-arg=') || arg.startsWith('--b-node-arg=')) {
      const flag = arg.slice(arg.indexOf('=') + 1);
      if (!flag.startsWith('-')) usage(`${arg.slice(0, arg.indexOf('='))} takes a flag of node's (--…)`);
      options.nodeArgs[arg.startsWith('--a') ? 'A' : 'B'].push(flag);
    } else if (arg.startsWith('--')) usage(`unknown option ${arg}`);
    else if (options.base === null) options.base = resolve(arg);
    else usage(`one base checkout only (got ${options.base} and ${arg})`);
  }
  if (options.base && !existsSync(join(options.base, 'apps', 'api', 'dist', 'main.js'))) {
    usage(
      `${options.base} holds no built server (apps/api/dist/main.js): in it, run npm ci and ` +
        'npx turbo run build --filter=@tributary/api',
    );
  }
  const settingsOf = (side: Side) => JSON.stringify([options.env[side], options.nodeArgs[side]]);
  if (!options.base && settingsOf('A') === settingsOf('B')) {
    usage(
      'give a base checkout, or settings that tell A and B apart (--a-env / --b-env, --a-node-arg / --b-node-arg)',
    );
  }
  return options;
}

const options = parseArgs(process.argv.slice(2));
/** How A is named in the output: the checkout relative to this one (no machine's paths in results). */
const baseName = options.base ? relative(repoRoot, options.base) || '.' : 'this checkout';
const id = `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
const apiKey = `trb_bench_${randomBytes(16).toString('hex')}`;
const encryptionKey = randomBytes(32).toString('hex');
const startedAt = new Date();
const logDir = mkdtempSync(join(os.tmpdir(), 'tributary-bench-ab-'));

function log(message: string) {
  const seconds = ((Date.now() - startedAt.getTime()) / 1000).toFixed(1).padStart(6);
  process.stderr.write(`[bench:ab ${seconds}s] ${message}\n`);
}

type Side = 'A' | 'B';
const SIDES: readonly Side[] = ['A', 'B'];

interface Running {
  url: string;
  pid: number;
  child: ChildProcess;
  dbName: string;
  prefix: string;
  api: Api;
  /** the tracking source's Basic authorization */
  trackAuth: string;
  /** webhook paths used so far: each phase loads a flow of its own */
  flows: number;
}

const running = new Map<Side, Running>();
const created: Array<{ dbName: string; prefix: string }> = [];

async function cleanup() {
  for (const r of running.values()) await stopChild(r.child, 10_000);
  running.clear();
  for (const { dbName, prefix } of created) {
    await dropDatabase(PG_SERVER, dbName).catch((err) => log(`could not drop ${dbName}: ${err}`));
    await deleteRedisPrefix(REDIS_URL, prefix).catch((err) => log(`could not delete ${prefix}:* — ${err}`));
  }
  created.length = 0;
}

let interrupted = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (interrupted) return;
    interrupted = true;
    log(`${signal}: stopping the servers and cleaning up`);
    void cleanup().finally(() => process.exit(130));
  });
}

async function start(side: Side): Promise<Running> {
  const root = side === 'A' && options.base ? options.base : repoRoot;
  const dbName = `tributary_bench_ab${side.toLowerCase()}_${id}`;
  const prefix = `tributary-bench-ab${side.toLowerCase()}-${id}`;
  await createDatabase(PG_SERVER, dbName);
  created.push({ dbName, prefix });
  const env = {
    repoRoot: root,
    fromSource: false,
    databaseUrl: databaseUrl(PG_SERVER, dbName),
    redisUrl: REDIS_URL,
    queuePrefix: prefix,
    apiKey,
    encryptionKey,
    logDir,
  };
  const server = await startServer(env, side, 'all', options.env[side], options.nodeArgs[side]);
  const api = new Api(server.url, apiKey);
  const source = await api.createSource(`ab ${side}`);
  await api.createPublished(trackingFlow('ab-track', source.id));
  const trackAuth = basicAuth(source.writeKey);
  return { url: server.url, pid: server.pid, child: server.child, dbName, prefix, api, trackAuth, flows: 0 };
}

/** A webhook flow of phase a's shape that no phase has loaded yet; its path. */
async function freshFlow(r: Running): Promise<string> {
  const path = `ab-${++r.flows}`;
  await r.api.createPublished(fourNodeFlow(path));
  return path;
}

function cpuSince(r: Running, before: number, units: number): number {
  return (((cpuMsOf(r.pid) ?? Number.NaN) - before) * 1000) / Math.max(1, units);
}

let trackSeq = 0;
/** The body of one /v1/track call with a messageId of its own: the bench's tracking event. */
function trackBody(n: number): string {
  return JSON.stringify(
    trackMessage(TRACKED_EVENT, `ab-${id}-${++trackSeq}`, n - 1, new Date().toISOString()),
  );
}

type Figures = Record<string, number>;

/** What each figure means and which way is better, in the table's order. */
const FIGURES: ReadonlyArray<{ key: string; label: string; higherIsBetter: boolean }> = [
  { key: 'ingestPerSecond', label: 'ingest 2xx/s (50 conn)', higherIsBetter: true },
  { key: 'ingestCpuUs', label: 'ingest server CPU µs per 2xx', higherIsBetter: false },
  { key: 'ingestP99Ms', label: 'ingest p99 ms', higherIsBetter: false },
  { key: 'halfP50Ms', label: 'paced HTTP p50 ms', higherIsBetter: false },
  { key: 'halfP99Ms', label: 'paced HTTP p99 ms', higherIsBetter: false },
  { key: 'halfServerP99Ms', label: 'paced p99 in the server ms', higherIsBetter: false },
  { key: 'halfCpuUs', label: 'paced server CPU µs per 2xx', higherIsBetter: false },
  { key: 'halfFullGcs', label: 'paced full GCs', higherIsBetter: false },
  { key: 'trackPerSecond', label: 'track events/s (50 conn)', higherIsBetter: true },
  { key: 'trackCpuUs', label: 'track server CPU µs per event', higherIsBetter: false },
];

async function round(r: Running, rate: number): Promise<Figures> {
  const { seconds } = options;
  await sleep(1000);
  let cpu = cpuMsOf(r.pid) ?? Number.NaN;
  const ingest = await runLoad({
    url: `${r.url}/hooks/${await freshFlow(r)}`,
    connections: CONNECTIONS,
    duration: seconds,
    body: BODY,
  });
  const ingestCpuUs = cpuSince(r, cpu, ingest.ok);
  await sleep(1000);
  const halfPath = await freshFlow(r);
  const before = await scrape(r.url);
  cpu = cpuMsOf(r.pid) ?? Number.NaN;
  const half = await runPacedLoad({
    url: `${r.url}/hooks/${halfPath}`,
    rate,
    duration: seconds,
    connections: CONNECTIONS,
    body: BODY,
  });
  const halfCpuUs = cpuSince(r, cpu, half.ok);
  const tail = tailBreakdown(before, await scrape(r.url));
  await sleep(1000);
  cpu = cpuMsOf(r.pid) ?? Number.NaN;
  const track = await runLoad({
    url: `${r.url}/v1/track`,
    connections: CONNECTIONS,
    duration: seconds,
    headers: { authorization: r.trackAuth },
    bodyFor: trackBody,
  });
  const failed = ingest.non2xx + ingest.errors + half.non2xx + half.errors + track.non2xx + track.errors;
  if (failed > 0)
    log(`  ${failed} requests were not answered 2xx in this round (the figures count 2xx only)`);
  return {
    ingestPerSecond: ingest.okPerSecond,
    ingestCpuUs,
    ingestP99Ms: ingest.latency.p99,
    halfP50Ms: half.latency.p50,
    halfP99Ms: half.latency.p99,
    halfServerP99Ms: tail.server.p99Ms,
    halfCpuUs,
    halfFullGcs: tail.gc.major,
    trackPerSecond: track.okPerSecond,
    trackCpuUs: cpuSince(r, cpu, track.ok),
  };
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** A side's settings as the output names them: its environment, and node's flags if any. */
function describe(side: Side): string {
  const flags = options.nodeArgs[side];
  return `${JSON.stringify(options.env[side])}${flags.length > 0 ? ` node ${flags.join(' ')}` : ''}`;
}

const fmt = (v: number) => (Number.isFinite(v) ? (Math.abs(v) >= 100 ? v.toFixed(0) : v.toFixed(2)) : '–');

async function main() {
  log('building @tributary/api and its packages here (turbo) for B');
  buildServer(repoRoot);
  log(`A: ${baseName} ${describe('A')}; B: this checkout ${describe('B')}`);
  for (const side of SIDES) running.set(side, await start(side));
  // warm-up: each server's code paths compiled, its pools open; A's rate sets the paced phase's
  let rate = options.rate ?? 0;
  for (const side of SIDES) {
    const r = running.get(side) as Running;
    let warm = 0;
    // twice: the first pass runs while the code is still being compiled
    for (let pass = 0; pass < 2; pass++) {
      const load = await runLoad({
        url: `${r.url}/hooks/${await freshFlow(r)}`,
        connections: CONNECTIONS,
        duration: 3,
        body: BODY,
      });
      warm = load.okPerSecond;
    }
    await runLoad({
      url: `${r.url}/v1/track`,
      connections: CONNECTIONS,
      duration: 2,
      headers: { authorization: r.trackAuth },
      bodyFor: trackBody,
    });
    if (!rate) rate = Math.max(10, Math.round(warm / 2));
  }
  log(`${options.rounds} rounds of ${options.seconds} s phases; paced phase at ${rate} req/s`);
  const results: Record<Side, Figures[]> = { A: [], B: [] };
  for (let i = 0; i < options.rounds; i++) {
    for (const side of i % 2 === 0 ? SIDES : [...SIDES].reverse()) {
      const figures = await round(running.get(side) as Running, rate);
      results[side].push(figures);
      log(
        `round ${i + 1} ${side}: ${FIGURES.map((f) => `${f.key} ${fmt(figures[f.key] ?? Number.NaN)}`).join(' · ')}`,
      );
    }
  }
  await cleanup();

  const rows = FIGURES.map(({ key, label, higherIsBetter }) => {
    const a = results.A.map((f) => f[key] ?? Number.NaN);
    const b = results.B.map((f) => f[key] ?? Number.NaN);
    const perRound = a.map((x, i) => (b[i] ?? Number.NaN) / x).filter(Number.isFinite);
    return {
      key,
      label,
      higherIsBetter,
      a: median(a),
      b: median(b),
      ratio: median(b) / median(a),
      low: Math.min(...perRound),
      high: Math.max(...perRound),
    };
  });
  const lines = [
    `Tributary bench:ab — ${startedAt.toISOString()} — ${options.rounds} rounds × ${options.seconds} s, paced at ${rate} req/s`,
    `A: ${baseName} ${describe('A')} · B: this checkout ${describe('B')}`,
    `${'figure'.padEnd(34)}${'A median'.padStart(10)}${'B median'.padStart(10)}${'B ÷ A'.padStart(8)}   rounds' B ÷ A`,
    ...rows.map(
      (r) =>
        `${r.label.padEnd(34)}${fmt(r.a).padStart(10)}${fmt(r.b).padStart(10)}${fmt(r.ratio).padStart(8)}   ` +
        `${fmt(r.low)}–${fmt(r.high)}${r.low > 1 || r.high < 1 ? (r.low > 1 === r.higherIsBetter ? '  B better' : '  B worse') : ''}`,
    ),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  const stamp = startedAt
    .toISOString()
    .replace(/:/g, '-')
    .replace(/\.\d+Z$/, 'Z');
  const file = join(repoRoot, 'bench', 'results', `${stamp}-ab.json`);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(
    file,
    `${JSON.stringify({ date: startedAt.toISOString(), options: { ...options, base: options.base ? baseName : null, rate }, machine: { cpus: os.cpus().length, node: process.version }, rows, rounds: results }, null, 2)}\n`,
  );
  log(`wrote ${file}`);
}

main().catch(async (err) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  await cleanup();
  process.exit(1);
});
