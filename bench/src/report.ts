// The one table the bench prints.

import { answersMatchStorage } from './accounting.js';
import type { RunQueueWait } from './cpu.js';
import type { BullmqFloor, DurableWriteFloor, HonoFloor, PostgresFloor } from './floors.js';
import type { HistoryBytesResult, LargePayloadResult } from './history.js';
import type { LoadResult } from './load.js';
import type { PeerResult } from './peers.js';
import type { RunTimes } from './stores.js';
import type { PhaseTiming, TailBreakdown } from './tail.js';
import type { ResumePhase, TrackingPhase, TrackingSuite } from './tracking.js';

interface LostCounts {
  lost: number;
  rejectedButStored: number;
  storedTwice: number;
  inFlightAtStop: number;
}

interface Cpu {
  nodeUs: number;
  postgresUs: number;
  nodeUsByProcess: Record<string, number>;
}

interface Suite {
  ingest: LoadResult & LostCounts & { cpuPerAccepted: Cpu };
  ingestDrain: RunTimes & { drained: boolean; cpuPerRun: Cpu };
  e2e: LoadResult & {
    runs: RunTimes;
    drained: boolean;
    cpuPerRun: Cpu;
    tail: TailBreakdown;
    waitedForCpu: RunQueueWait;
  } & LostCounts;
}

export interface ReportInput {
  date: string;
  /** Server environment the run set on top of the defaults. */
  serverSettings: Record<string, string>;
  cpuProfiles: string | null;
  mode: string;
  server: string;
  machine: {
    cores: number;
    cpu: string;
    memoryBytes: number;
    node: string;
    loadAverageAtStart: number[];
    loadAverageAtEnd: number[];
    /** absent in runs before 2026-12-07 */
    postgres?: { version: string; autovacuum: string; fsync: string; synchronousCommit: string };
  };
  settings: { ingestSeconds: number; e2eSeconds: number; e2eShare: number; connections: number };
  floors: { hono: HonoFloor; bullmq: BullmqFloor; postgres: PostgresFloor; durable: DurableWriteFloor };
  allInOne: Suite & {
    /** phase b's paced load against the bare Hono POST (after the all-in-one stopped) */
    e2eHono: LoadResult;
    overload: LoadResult &
      LostCounts & { connections: number; peakRssBytes: number; runs: RunTimes; drained: boolean };
    tracking: TrackingSuite;
    history: HistoryBytesResult;
    largePayloads: LargePayloadResult;
    chain: {
      length: number;
      serial: {
        runs: number;
        perStepUs: { p50: number };
        hopUs: { p50: number };
        inStepUs: { p50: number };
      };
      batch: {
        runs: number;
        steadyUsPerStep: number;
        overallUsPerStep: number;
        drained: boolean;
        notSucceeded: number;
        cpuPerStep: Cpu;
      };
    };
    memory: { idleRssBytes: number; peakRssBytes: number };
    idleCpuPercent: Record<string, number>;
  };
  scaleOut:
    | (Suite & {
        memory: { peakRssBytes: Record<string, number>; peakRssSumBytes: number };
        adjacentAllInOne: readonly AllInOneControl[];
      })
    | null;
  /** the peers measured (--peers), in the order they ran; empty without */
  peers: readonly PeerResult[];
}

/** An all-in-one process measured right before or right after phase f (main.ts's allInOneControl). */
export interface AllInOneControl {
  name: string;
  ingest: { okPerSecond: number; p99Ms: number; cpuPerAccepted: Cpu; allAccounted: boolean };
  drained: boolean;
}

/** The mean ingest rate of phase f's all-in-one controls (req/s). */
export function adjacentIngest(controls: readonly AllInOneControl[]): number {
  return controls.reduce((sum, c) => sum + c.ingest.okPerSecond, 0) / Math.max(1, controls.length);
}

const int = (v: number) => (Number.isFinite(v) ? Math.round(v).toLocaleString('en-US') : 'n/a');
const ms = (v: number) =>
  Number.isFinite(v) ? (v < 10 ? v.toFixed(2) : v < 100 ? v.toFixed(1) : int(v)) : 'n/a';
const pct = (v: number) => (Number.isFinite(v) ? `${(v * 100).toFixed(1)} %` : 'n/a');
const mb = (v: number) => (Number.isFinite(v) ? `${Math.round(v / 2 ** 20)} MB` : 'n/a');
const times = (v: number) => (Number.isFinite(v) ? `${v.toFixed(1)}×` : 'n/a');
const mark = (ok: boolean) => (ok ? 'ok  ' : 'MISS');
const cpu = (c: Cpu) => `node ${int(c.nodeUs)} + postgres ${int(c.postgresUs)} µs`;

type Row = [string, string, string, string];

/** The durability check: every 2xx stored, no non-2xx stored, nothing twice. */
function accounted(l: LostCounts): string {
  return `${mark(answersMatchStorage(l))} answers match what was stored`;
}

function statuses(l: LoadResult): string {
  const other = Object.entries(l.statusCodes).filter(([code]) => !code.startsWith('2'));
  return other.length ? ` (${other.map(([code, n]) => `${n}×${code}`).join(', ')})` : '';
}

/** The errors' codes, when there were any: ` (8×ECONNRESET)`. */
function errorKinds(l: LoadResult): string {
  const kinds = Object.entries(l.errorCodes);
  return kinds.length ? ` (${kinds.map(([code, n]) => `${n}×${code}`).join(', ')})` : '';
}

/** Whether the runs all succeeded, else what is off. */
function runsStatus(r: RunTimes, drained: boolean): string {
  const bad = Object.entries(r.byStatus).filter(([k]) => k !== 'succeeded');
  return (
    (drained ? '' : ` NOT DRAINED (${r.open} open)`) +
    (bad.length ? ` ${bad.map(([k, v]) => `${v} ${k}`).join(', ')}` : '')
  );
}

/** Whether a tracking phase's answers match what was stored (every count that must be 0 is). */
function accountedFor(p: TrackingPhase): boolean {
  return answersMatchStorage(p) && p.notFullyAccepted + p.wrongRunCount === 0;
}

/** t1–t4: tracking ingest, each against phase a's webhook ingest rate (one webhook request = one event). */
function trackingRows(t: TrackingSuite): Row[] {
  const phaseRows = (p: TrackingPhase, title: string): Row[] => {
    const batch = p.eventsPerRequest > 1;
    const clean = accountedFor(p);
    const per = batch ? 'per batch' : 'per call';
    return [
      [
        title,
        `${int(p.eventsPerSecond)} events/s` +
          (batch ? ` (${int(p.okPerSecond)} batches/s)` : '') +
          ` · ${per} p50 ${ms(p.latency.p50)} / p99 ${ms(p.latency.p99)} / max ${ms(p.latency.max)} ms`,
        `${pct(p.vsWebhookIngest)} of webhook ingest`,
        `${mark(p.vsWebhookIngest >= 0.8 && p.answered503 === 0)} ≥80 %, 0 ${batch ? 'batches' : 'calls'} answered 503`,
      ],
      [
        '   errors',
        `errors ${p.errors}${errorKinds(p)}, non-2xx ${p.non2xx}${statuses(p)}, timeouts ${p.timeouts}` +
          `, 2xx not accepting all ${p.notFullyAccepted}, events of 2xx not stored ${p.lost}` +
          `, of non-2xx yet stored ${p.rejectedButStored}${p.storedTwice ? `, STORED TWICE ${p.storedTwice}` : ''}` +
          `, events with runs ≠ ${p.runs ? 1 : 0} ${p.wrongRunCount}`,
        '',
        `${mark(clean)} answers match what was stored`,
      ],
      ...(p.runs
        ? [
            [
              '   its runs, drained',
              p.runs.runs === 0
                ? 'no runs'
                : `${int(p.runs.runsPerSecond)} runs/s over ${ms(p.runs.spanMs / 1000)} s${runsStatus(p.runs, p.runs.drained)}`,
              '',
              '',
            ] as Row,
          ]
        : []),
      [
        '   CPU per event, while loading',
        p.ok === 0
          ? 'n/a (nothing accepted)'
          : cpu(p.cpuPerEvent) + (p.runs?.runs ? ` · per run, load + drain: ${cpu(p.runs.cpuPerRun)}` : ''),
        '',
        '',
      ],
    ];
  };
  return [
    ...t.batch.flatMap((p) =>
      phaseRows(
        p,
        `t1. tracking batch (${p.connections} clients × ${p.eventsPerRequest} events, ${int(p.seconds)} s)`,
      ),
    ),
    ...phaseRows(t.single, `t2. tracking single (${t.single.connections} conn, ${int(t.single.seconds)} s)`),
    ...phaseRows(
      t.noRun,
      `t3. tracking, no run ("${t.noRun.event}", ${t.noRun.connections} clients × ${t.noRun.eventsPerRequest}, ${int(t.noRun.seconds)} s)`,
    ),
    ...t.resume.flatMap(resumeRows),
  ];
}

/** t4: no target of its own (it has no peer, and one client is a latency); its accounting must be clean. */
function resumeRows(p: ResumePhase): Row[] {
  const clean = accountedFor(p);
  const resumedAll = p.resumed === p.expectedResumed && p.resumedRunsFinished >= p.resumed;
  return [
    [
      `t4. tracking single "${p.event}", each resuming one of ${int(p.parked)} parked runs (${p.connections} conn, ${int(p.seconds)} s)`,
      `${int(p.eventsPerSecond)} events/s · per call p50 ${ms(p.latency.p50)} / p99 ${ms(p.latency.p99)} / max ${ms(p.latency.max)} ms`,
      `${pct(p.vsWebhookIngest)} of webhook ingest`,
      `${mark(clean && p.answered503 === 0)} answers match what was stored, 0 calls answered 503`,
    ],
    [
      '   waits resumed, runs finished',
      `${int(p.resumed)} of ${int(p.expectedResumed)} expected, ${int(p.resumedRunsFinished)} runs finished (parking took ${ms(p.parkSeconds)} s)`,
      '',
      `${mark(resumedAll)} every first call of a parked person resumed its run`,
    ],
    ['   CPU per event, while loading', p.ok === 0 ? 'n/a (nothing accepted)' : cpu(p.cpuPerEvent), '', ''],
  ];
}

function suiteRows(
  s: Suite,
  floors: ReportInput['floors'],
  settings: ReportInput['settings'],
  prefix: string,
  afterIngest: Row[] = [],
  afterE2e: Row[] = [],
): Row[] {
  const { ingest, ingestDrain, e2e } = s;
  const hono = floors.hono.post.requestsPerSecond;
  const jobs = floors.bullmq.jobsPerSecond;
  const ingestRatio = ingest.okPerSecond / hono;
  const ingestOk = ingestRatio >= 0.3 && ingest.latency.p99 <= 20 && ingest.errors + ingest.non2xx === 0;
  const problems = (l: LoadResult & LostCounts) =>
    `errors ${l.errors}${errorKinds(l)}, non-2xx ${l.non2xx}${statuses(l)}, timeouts ${l.timeouts}, 2xx not stored ${l.lost}` +
    `, non-2xx yet stored ${l.rejectedButStored}${l.storedTwice ? `, STORED TWICE ${l.storedTwice}` : ''}`;
  const backlog = e2e.runs.runsPerSecond < 0.9 * (e2e.offeredRate ?? 0);
  const apiCpu = ingest.cpuPerAccepted.nodeUsByProcess.api;
  return [
    [
      `${prefix}a. ingest (${settings.connections} conn, ${settings.ingestSeconds} s)`,
      `${int(ingest.okPerSecond)} req/s · p50 ${ms(ingest.latency.p50)} / p99 ${ms(ingest.latency.p99)} / max ${ms(ingest.latency.max)} ms`,
      `${pct(ingestRatio)} of Hono POST`,
      `${mark(ingestOk)} ≥30 %, p99 ≤20 ms, 0 errors`,
    ],
    [
      `${prefix}   vs storing its rows alone`,
      '',
      `${pct(ingest.okPerSecond / floors.durable.eventsPerSecond)} of durable write`,
      '',
    ],
    [`${prefix}   errors`, problems(ingest), '', accounted(ingest)],
    ...(apiCpu !== undefined
      ? [
          [
            `${prefix}   api process CPU per 202`,
            `${int(apiCpu)} µs`,
            `${times(apiCpu / floors.hono.post.serverCpuUsPerRequest)} Hono POST`,
            '',
          ] as Row,
        ]
      : []),
    [
      `${prefix}   its backlog, drained (saturated)`,
      `${int(ingestDrain.runsPerSecond)} runs/s over ${ms(ingestDrain.spanMs / 1000)} s${runsStatus(ingestDrain, ingestDrain.drained)}`,
      `${pct(ingestDrain.runsPerSecond / jobs)} of BullMQ`,
      '',
    ],
    [`${prefix}   CPU per run (ingest + 3 steps)`, cpu(ingestDrain.cpuPerRun), '', ''],
    ...afterIngest,
    [
      `${prefix}b. end to end (${int(e2e.offeredRate ?? 0)} req/s offered = ${settings.e2eShare * 100} %, ${settings.e2eSeconds} s)`,
      `${int(e2e.runs.runsPerSecond)} runs/s · accepted→finished p50 ${ms(e2e.runs.p50Ms)} / p99 ${ms(e2e.runs.p99Ms)} ms` +
        runsStatus(e2e.runs, e2e.drained) +
        (backlog ? ' · BACKLOG: slower than offered' : ''),
      `${pct(e2e.runs.runsPerSecond / jobs)} of BullMQ`,
      `${mark(e2e.runs.runsPerSecond / jobs >= 0.5)} ≥50 %`,
    ],
    [
      `${prefix}   http`,
      `${int(e2e.okPerSecond)} req/s accepted · p50 ${ms(e2e.latency.p50)} / p99 ${ms(e2e.latency.p99)} ms · ${problems(e2e)}`,
      '',
      accounted(e2e),
    ],
    [
      `${prefix}   where its time goes (p50 / p99 ms)`,
      tailText(e2e.tail) + generatorText(e2e) + cpuWaitText(e2e.waitedForCpu),
      '',
      `${mark(e2e.latency.p99 <= 10)} http p99 ≤10 ms`,
    ],
    ...afterE2e,
  ];
}

/** Time spent runnable without a core (the kernel's run queue), per second of the paced load. */
function cpuWaitText(w: RunQueueWait): string {
  const loops = Object.entries(w.eventLoopMsPerSecond)
    .map(([name, v]) => `${name} ${ms(v)}`)
    .join(', ');
  return ` · waiting for a CPU, ms per s: event loop ${loops}, Postgres ${ms(w.postgresMsPerSecond)}`;
}

/** The paced load generator's own share of the latencies (it shares the cores with the server). */
function generatorText(load: LoadResult): string {
  const g = load.generator;
  if (!g) return '';
  return (
    ` · the load generator: sent late ${ms(g.sentLate.p50)} / ${ms(g.sentLate.p99)} (max ${ms(g.sentLate.max)}),` +
    ` its event-loop delay p99 ${ms(g.eventLoop.p99)} (max ${ms(g.eventLoop.max)})`
  );
}

/** The paced load's tail, by cause: the server's own time, event-loop delay, GC pauses, the ingest phases. */
function tailText(t: TailBreakdown): string {
  const p = (x: PhaseTiming) => `${ms(x.p50Ms)} / ${ms(x.p99Ms)}`;
  const i = t.ingest;
  return (
    `in the server ${p(t.server)} · ` +
    `event-loop delay ${ms(t.eventLoop.p50Ms)} / ${ms(t.eventLoop.p99Ms)} (max ${ms(t.eventLoop.maxMs)}) · ` +
    `GC ${int(t.gc.count)} pauses (${int(t.gc.major)} full), ${int(t.gc.totalMs)} ms, ${p(t.gc)} · ` +
    `ingest: wait ${p(i.wait)}, ` +
    `open ${p(i.open)}, write ${p(i.write)}, commit ${p(i.commit)}, one statement ${p(i.statement)}, ` +
    // enqueueing happens only for the steps that missed the inline budget: say how often
    `enqueue ${p(i.enqueue)} (${int(i.enqueue.count)} commits)`
  );
}

/** p: each peer under phase a's load, by itself (it ran before Tributary's server started). */
function peerRows(peers: readonly PeerResult[], floors: ReportInput['floors']): Row[] {
  return peers.flatMap((p): Row[] => [
    [
      `p. peer: ${p.name} ${p.version} (${int(p.load.seconds)} s)`,
      `${int(p.load.okPerSecond)} req/s 2xx · p50 ${ms(p.load.latency.p50)} / p99 ${ms(p.load.latency.p99)} / max ${ms(p.load.latency.max)} ms` +
        ` · non-2xx ${p.load.non2xx}${statuses(p.load)}, errors ${p.load.errors}${errorKinds(p.load)}, timeouts ${p.load.timeouts}`,
      `${pct(p.load.okPerSecond / floors.hono.post.requestsPerSecond)} of Hono POST`,
      '',
    ],
    [
      '   its process',
      `CPU ${int(p.cpuUsPerOk)} µs per 2xx · RSS idle ${mb(p.idleRssBytes)}, peak ${mb(p.peakRssBytes)} · history: ${p.history}`,
      '',
      '',
    ],
    ...(p.paced
      ? [
          [
            `   paced (${int(p.paced.load.offeredRate ?? 0)} req/s offered, ${int(p.paced.load.seconds)} s)`,
            `${int(p.paced.load.okPerSecond)} req/s 2xx · p50 ${ms(p.paced.load.latency.p50)} / p99 ${ms(p.paced.load.latency.p99)} / max ${ms(p.paced.load.latency.max)} ms` +
              ` · non-2xx ${p.paced.load.non2xx}, errors ${p.paced.load.errors} · CPU ${int(p.paced.cpuUsPerOk)} µs per 2xx` +
              generatorText(p.paced.load),
            '',
            '',
          ] as Row,
        ]
      : []),
    ...(p.endToEnd
      ? [
          [
            '   its runs, drained',
            `${int(p.endToEnd.runs)} runs · ${int(p.endToEnd.runsPerSecond)} runs/s${p.endToEnd.drained ? '' : ' NOT DRAINED'} · CPU ${int(p.endToEnd.cpuUsPerRun)} µs per run`,
            '',
            '',
          ] as Row,
        ]
      : []),
  ]);
}

/** a against each peer: the same flow shape, body and load, taken in the same run. */
function ingestVsPeerRows(a: Suite, peers: readonly PeerResult[]): Row[] {
  const { ingest, ingestDrain } = a;
  return peers.map(
    (p): Row => [
      `a. ingest vs ${p.name} ${p.version}`,
      `${int(ingest.okPerSecond)} ÷ ${int(p.load.okPerSecond)} req/s 2xx · p99 ${ms(ingest.latency.p99)} vs ${ms(p.load.latency.p99)} ms` +
        ` · CPU per 2xx ${int(ingest.cpuPerAccepted.nodeUs)} + postgres ${int(ingest.cpuPerAccepted.postgresUs)} vs ${int(p.cpuUsPerOk)} µs` +
        (p.endToEnd
          ? ` · runs drained ${int(ingestDrain.runsPerSecond)} vs ${int(p.endToEnd.runsPerSecond)}/s`
          : ''),
      `${times(ingest.okPerSecond / p.load.okPerSecond)} ${p.name} req/s`,
      '',
    ],
  );
}

/**
 * b beside the same paced load against bare Hono (the floor of its latency on these cores), and beside each
 * peer measured paced at the same share of its own saturated rate.
 */
function e2eReferenceRows(a: ReportInput['allInOne'], peers: readonly PeerResult[]): Row[] {
  const { e2e, e2eHono } = a;
  return [
    [
      '   the same load against bare Hono',
      `${int(e2eHono.okPerSecond)} req/s 2xx · p50 ${ms(e2eHono.latency.p50)} / p99 ${ms(e2eHono.latency.p99)} / max ${ms(e2eHono.latency.max)} ms` +
        ` · non-2xx ${e2eHono.non2xx}, errors ${e2eHono.errors}` +
        generatorText(e2eHono),
      `${times(e2e.latency.p99 / e2eHono.latency.p99)} its p99`,
      '',
    ],
    ...peers.flatMap((p): Row[] =>
      p.paced
        ? [
            [
              `b. http vs ${p.name} ${p.version} paced`,
              `p99 ${ms(e2e.latency.p99)} vs ${ms(p.paced.load.latency.p99)} ms at ${int(e2e.offeredRate ?? 0)} vs ${int(p.paced.load.offeredRate ?? 0)} req/s` +
                ` · CPU per 2xx ${int(e2e.cpuPerRun.nodeUs)} + postgres ${int(e2e.cpuPerRun.postgresUs)} vs ${int(p.paced.cpuUsPerOk)} µs`,
              `${times(e2e.latency.p99 / p.paced.load.latency.p99)} ${p.name}'s p99`,
              '',
            ],
          ]
        : [],
    ),
  ];
}

/** h: bytes of history per run; L: a burst of large payloads. */
function historyRows(h: HistoryBytesResult, l: LargePayloadResult): Row[] {
  const parts = (b: HistoryBytesResult['small']) =>
    `${int(b.perRun.total)} B/run (event ${int(b.perRun.event)} + run ${int(b.perRun.run)} + steps ${int(b.perRun.steps)}; payload ${int(b.payloadBytes)} B)`;
  const total = l.concurrency * l.rounds;
  return [
    [
      `h. history bytes per run, 4 steps (${h.small.runs} + ${h.order8k.runs} runs)`,
      `small body: ${parts(h.small)}`,
      `fixed ${int(h.fixedOverheadBytes)} B/run`,
      '',
    ],
    [
      `   same, an ${Math.round(h.order8k.bodyBytes / 1024)} KB order`,
      parts(h.order8k),
      `${h.payloadCopies.toFixed(2)}× payload + fixed`,
      `${mark(h.payloadCopies <= 1.5)} ≤1.5× payload + fixed`,
    ],
    [
      `L. large payloads (${l.rounds} × ${l.concurrency} × ${Math.round(l.bodyBytes / 1024)} KB at once)`,
      `${int(l.load.ok)}/${int(total)} accepted${statuses(l.load)} · p50 ${ms(l.load.latency.p50)} / p99 ${ms(l.load.latency.p99)} ms · peak RSS ${mb(l.peakRssBytes)}` +
        ` · CPU per body ${ms(l.cpuPerAccepted.nodeUs / 1000)} + postgres ${ms(l.cpuPerAccepted.postgresUs / 1000)} ms`,
      accounted(l),
      `${mark(l.load.ok === total)} all accepted`,
    ],
  ];
}

export function renderTable(r: ReportInput): string {
  const { floors, allInOne: a } = r;
  const bullmqUs = 1e6 / floors.bullmq.jobsPerSecond;
  const step = a.chain.batch;
  const rows: Row[] = [
    ['figure', 'value', 'vs floor', 'target'],
    [
      'd. floor: bare Hono JSON POST (50 conn)',
      `${int(floors.hono.post.requestsPerSecond)} req/s · p50 ${ms(floors.hono.post.latency.p50)} / p99 ${ms(floors.hono.post.latency.p99)} ms · CPU ${int(floors.hono.post.serverCpuUsPerRequest)} µs/req`,
      '',
      '',
    ],
    [
      '   same, GET (no body)',
      `${int(floors.hono.get.requestsPerSecond)} req/s · p50 ${ms(floors.hono.get.latency.p50)} / p99 ${ms(floors.hono.get.latency.p99)} ms`,
      '',
      '',
    ],
    [
      'd. floor: BullMQ no-op jobs (concurrency 50)',
      `${int(floors.bullmq.jobsPerSecond)} jobs/s (${int(floors.bullmq.jobs)} jobs) · CPU ${int(floors.bullmq.cpuUsPerJob)} µs/job`,
      `${int(bullmqUs)} µs/job`,
      '',
    ],
    [
      'd. floor: postgres.js 1-row inserts (50 conn)',
      `${int(floors.postgres.insertsPerSecond)} inserts/s · p50 ${ms(floors.postgres.latency.p50)} / p99 ${ms(floors.postgres.latency.p99)} ms · CPU client ${int(floors.postgres.clientCpuUsPerInsert)} + postgres ${int(floors.postgres.postgresCpuUsPerInsert)} µs/insert`,
      '',
      '',
    ],
    [
      `d. floor: Postgres storing an event's rows (${floors.durable.batch} a transaction, 2 conn)`,
      `${int(floors.durable.eventsPerSecond)} events/s · CPU client ${int(floors.durable.clientCpuUsPerEvent)} + postgres ${int(floors.durable.postgresCpuUsPerEvent)} µs/event`,
      `${pct(floors.durable.eventsPerSecond / floors.hono.post.requestsPerSecond)} of Hono POST`,
      '',
    ],
    ...peerRows(r.peers, floors),
    ...suiteRows(
      a,
      floors,
      r.settings,
      '',
      [...ingestVsPeerRows(a, r.peers), ...trackingRows(a.tracking)],
      e2eReferenceRows(a, r.peers),
    ),
    [
      `o. 2× overload (${int(a.overload.offeredRate ?? 0)} req/s offered, ≤${a.overload.connections} sockets, ${int(a.overload.seconds)} s)`,
      `${int(a.overload.okPerSecond)} req/s accepted${statuses(a.overload)} · p50 ${ms(a.overload.latency.p50)} / p99 ${ms(a.overload.latency.p99)} ms · peak RSS ${mb(a.overload.peakRssBytes)}` +
        runsStatus(a.overload.runs, a.overload.drained),
      accounted(a.overload),
      `${mark(a.overload.peakRssBytes <= 250 * 2 ** 20)} RSS ≤250 MB`,
    ],
    ...historyRows(a.history, a.largePayloads),
    [
      `c. per step, ${a.chain.length}-step chain (${step.runs} runs at once)`,
      `${int(step.steadyUsPerStep)} µs/step steady · ${int(step.overallUsPerStep)} µs/step overall` +
        (step.drained ? '' : ' NOT DRAINED') +
        (step.notSucceeded ? ` · ${step.notSucceeded} steps not succeeded` : ''),
      `${times(step.steadyUsPerStep / bullmqUs)} a BullMQ job`,
      `${mark(step.steadyUsPerStep <= 1000)} ≤1000 µs`,
    ],
    [
      '   CPU per step',
      cpu(step.cpuPerStep),
      `${times(step.cpuPerStep.nodeUs / floors.bullmq.cpuUsPerJob)} BullMQ job CPU`,
      '',
    ],
    [
      `   latency, one run at a time (${a.chain.serial.runs} runs)`,
      `${int(a.chain.serial.perStepUs.p50)} µs/step, request → run finished · between steps ${int(a.chain.serial.hopUs.p50)} + in step ${int(a.chain.serial.inStepUs.p50)} µs (p50s)`,
      '',
      '',
    ],
    [
      'e. server RSS (all-in-one)',
      `idle ${mb(a.memory.idleRssBytes)} · peak ${mb(a.memory.peakRssBytes)} · CPU at idle ${a.idleCpuPercent.all ?? 'n/a'} % of a core`,
      '',
      `${mark(a.memory.peakRssBytes <= 250 * 2 ** 20)} peak ≤250 MB`,
    ],
  ];
  if (r.scaleOut) {
    const scaled = r.scaleOut.ingest.okPerSecond;
    const controls = r.scaleOut.adjacentAllInOne;
    const adjacent = scaled / adjacentIngest(controls);
    const ratio = (v: number) => (Number.isFinite(v) ? `${v.toFixed(2)}×` : 'n/a');
    rows.push(...suiteRows(r.scaleOut, floors, r.settings, 'f. api+2 workers: '));
    rows.push([
      'f. api+2 workers: ingest vs all-in-one',
      `${ratio(adjacent)} all-in-one in the same minutes (${controls
        .map(
          (c) =>
            `${c.name} ${int(c.ingest.okPerSecond)} req/s, CPU ${int(c.ingest.cpuPerAccepted.nodeUs)} µs`,
        )
        .join('; ')}) · ${ratio(scaled / a.ingest.okPerSecond)} phase a`,
      '',
      `${mark(adjacent > 1 && controls.every((c) => c.drained && c.ingest.allAccounted))} above the minutes' all-in-one`,
    ]);
    const peaks = Object.entries(r.scaleOut.memory.peakRssBytes)
      .map(([k, v]) => `${k} ${mb(v)}`)
      .join(', ');
    rows.push([
      'f. api+2 workers: peak RSS',
      `${peaks} (sum ${mb(r.scaleOut.memory.peakRssSumBytes)})`,
      '',
      '',
    ]);
  } else {
    rows.push(['f. api + 2 workers', 'skipped (--quick or --no-scale-out)', '', '']);
  }
  const widths = [0, 1, 2, 3].map((i) => Math.max(...rows.map((row) => row[i]?.length ?? 0)));
  const line = (row: Row) =>
    row
      .map((cell, i) => cell.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  const m = r.machine;
  // the 1-minute load average before the bench starts anything: other work on the machine
  const busy = (m.loadAverageAtStart[0] ?? 0) > m.cores * 0.5;
  const header =
    `Tributary bench — ${r.date} — ${r.mode} — server ${r.server}` +
    (r.cpuProfiles ? ' under --cpu-prof (slower than without)' : '') +
    Object.entries(r.serverSettings)
      .map(([k, v]) => ` — ${k}=${v}`)
      .join('') +
    '\n' +
    `${m.cores} cores (${m.cpu}), ${(m.memoryBytes / 2 ** 30).toFixed(1)} GiB, Node ${m.node}, ` +
    `load average ${m.loadAverageAtStart[0]} before the run` +
    (busy ? ' — the machine was busy with other work: compare ratios and CPU per unit, not absolutes' : '') +
    (m.postgres
      ? `\nPostgres ${m.postgres.version}, fsync ${m.postgres.fsync}, synchronous_commit ${m.postgres.synchronousCommit}, ` +
        `autovacuum ${m.postgres.autovacuum}` +
        (m.postgres.autovacuum === 'off'
          ? ' — no table is analyzed during the run: plans rest on default estimates, unlike an installation with autovacuum on'
          : '')
      : '') +
    '\n';
  const rule = '-'.repeat(widths.reduce((a2, b) => a2 + b + 2, -2));
  const [head, ...body] = rows;
  return `${header}${rule}\n${line(head as Row)}\n${rule}\n${body.map(line).join('\n')}\n${rule}`;
}
