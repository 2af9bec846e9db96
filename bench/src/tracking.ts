// Tracking ingest (t1–t4): Segment-style `POST /v1/batch` and `/v1/track` calls to the server, measured like
// webhook ingest (phase a) and matched answer by answer, per event (by messageId), with the events stored
// and the runs they started. Every phase has its own source, and its own flow filtered to that source, so
// counts from Postgres are exact per phase. t4's events start nothing: each resumes one of many runs parked
// at a wait-for-event (once per entry of its connection counts, each with runs and an event name of its own).
import type { CpuPerUnit } from './cpu.js';
import { cpuMark, cpuSince, perUnit } from './cpu.js';
import type { LoadResult } from './load.js';
import { runLoad } from './load.js';
import type { Api, ServerProcess } from './server.js';
import { fourNodeShape, TRIGGER_NODE_ID } from './server.js';
import type { RunReader, RunTimes } from './stores.js';
import type { RssSampler } from './util.js';
import { round, sleep } from './util.js';

/** The event the tracking flows listen for. */
export const TRACKED_EVENT = 'Checkout Started';
/** An event no flow listens for (t3): stored, starts nothing. */
export const UNTRACKED_EVENT = 'Page Scrolled';
/** The event t4's parked runs wait for (by person): it starts nothing. */
export const RESUMING_EVENT = 'Order Completed';

/**
 * The event the runs of t4's i-th entry wait for: each entry's its own, so that its calls never resume the
 * runs an earlier entry left parked (the people are the same).
 */
const resumingEvent = (i: number) => (i === 0 ? RESUMING_EVENT : `${RESUMING_EVENT} ${i + 1}`);
/**
 * The people events are about: event n is person n mod PEOPLE (userId and anonymousId, always paired, as
 * analytics.js sends them for a signed-in user). Larger than the events of 32 concurrent batches, so
 * concurrent batches rarely wait on the same person's identity lock.
 */
const PEOPLE = 10_000;

export interface TrackingSettings {
  /** each measured phase, seconds */
  seconds: number;
  warmupSeconds: number;
  /** events per /v1/batch request */
  batchSize: number;
  /** t1 runs once per entry, with that many clients (closed loop, one batch in flight each) */
  batchClients: readonly number[];
  /** t2's connections */
  singleConnections: number;
  /** t4: runs parked at a wait-for-event before the load, one per person (at most PEOPLE) */
  resumeParked: number;
  /**
   * t4 runs once per entry, with `connections` clients (closed loop, one call in flight each), for `seconds`
   * — or, `oneCallPerParked`, until it has sent one call per parked run (so that every call resumes one, when
   * the clients could outrun the runs parked in `seconds`)
   */
  resume: readonly ResumeEntry[];
  drainTimeoutSeconds: number;
}

/** What a tracking phase needs of the run around it. */
export interface TrackingContext {
  api: Api;
  baseUrl: string;
  reader: RunReader;
  sampler: RssSampler;
  procs: readonly ServerProcess[];
  log: (message: string) => void;
  /** throws when a server process has exited */
  alive: () => void;
  /** phase a's 2xx requests/s, the denominator of `vsWebhookIngest` */
  webhookOkPerSecond: number;
}

/** What the server answered, matched per event (by messageId) with the events it stored and their runs. */
export interface TrackingAccounting {
  /** events of 2xx answers that were not stored (must be 0) */
  lost: number;
  /** events of non-2xx answers ("nothing was accepted") that were stored anyway (must be 0) */
  rejectedButStored: number;
  /** messageIds stored more than once (must be 0) */
  storedTwice: number;
  /** events stored whose request was never answered (in flight when the load stopped): expected */
  inFlightAtStop: number;
  /** 2xx answers that did not accept every event sent (accepted ≠ sent, duplicates, rejected; must be 0) */
  notFullyAccepted: number;
  /** stored events that started other than one run of the phase's flow (none for t3; must be 0) */
  wrongRunCount: number;
}

export interface TrackingPhase extends LoadResult, TrackingAccounting {
  phase: 't1' | 't2' | 't3' | 't4';
  endpoint: '/v1/batch' | '/v1/track';
  event: string;
  connections: number;
  eventsPerRequest: number;
  /** events of 2xx answers per second */
  eventsPerSecond: number;
  /** eventsPerSecond ÷ phase a's 2xx requests/s (one webhook request = one event) */
  vsWebhookIngest: number;
  /** requests answered 503 (the server too busy: nothing accepted, try again) */
  answered503: number;
  storedEvents: number;
  /** how long the source's event count took to settle after the load stopped (see `settle`) */
  settledAfterLoadMs: number;
  /** server and Postgres CPU while the load ran, per accepted event */
  cpuPerEvent: CpuPerUnit;
  /** the runs the accepted events started, drained; null when no flow listens (t3) */
  runs: (RunTimes & { drained: boolean; waitedAfterLoadMs: number; cpuPerRun: CpuPerUnit }) | null;
}

export interface TrackingSuite {
  warmup: { requests: number; drained: boolean };
  /** t1, once per entry of `batchClients` */
  batch: TrackingPhase[];
  single: TrackingPhase;
  noRun: TrackingPhase;
  /** t4, once per entry of `resume` */
  resume: ResumePhase[];
}

/** One t4 phase: how many clients, and whether it sends one call per parked run instead of calling for `seconds`. */
export interface ResumeEntry {
  connections: number;
  oneCallPerParked: boolean;
}

/** t4: single calls, each resuming one run parked at a wait-for-event among `parked` of them. */
export interface ResumePhase extends TrackingPhase {
  /** waits of the phase's flow waiting when the load began */
  parked: number;
  /** those received by the end (each the first call of its person: min(events stored, parked) expected) */
  resumed: number;
  expectedResumed: number;
  /** the resumed runs, finished (bounded wait) */
  resumedRunsFinished: number;
  parkSeconds: number;
}

/** Tracking trigger (track "Checkout Started" from one source) → set → if → set: phase a's flow shape. */
export function trackingFlow(slug: string, sourceId: string) {
  return fourNodeShape(
    slug,
    {
      type: 'trigger.tracking',
      name: 'Checkout started',
      config: { type: 'track', events: [TRACKED_EVENT], sources: [sourceId] },
    },
    '$json.properties.plan',
  );
}

/** Tracking trigger (track "Checkout Started" from one source) → wait for `event` of that person → set. */
export function parkingFlow(slug: string, sourceId: string, event = RESUMING_EVENT) {
  return {
    name: `bench ${slug}`,
    slug,
    nodes: [
      {
        id: TRIGGER_NODE_ID,
        type: 'trigger.tracking',
        name: 'Checkout started',
        config: { type: 'track', events: [TRACKED_EVENT], sources: [sourceId] },
      },
      {
        id: 'wait',
        type: 'logic.wait-for-event',
        name: 'Wait for the order',
        config: { event, timeoutMs: 24 * 3_600_000, lookbackMs: 0 },
      },
      { id: 'bought', type: 'logic.set', name: 'Bought', config: { fields: { bought: true } } },
    ],
    edges: [
      { id: 'e1', source: TRIGGER_NODE_ID, target: 'wait' },
      { id: 'e2', source: 'wait', sourceHandle: 'received', target: 'bought' },
    ],
  };
}

/** One track call as a Segment library sends it; `n` numbers the events of a phase (0, 1, …). */
export function trackMessage(event: string, messageId: string, n: number, timestamp: string) {
  const person = n % PEOPLE;
  return {
    type: 'track',
    event,
    userId: `user-${person}`,
    anonymousId: `anon-${person}`,
    messageId,
    properties: { orderId: `order-${messageId}`, total: 42.5, currency: 'EUR', plan: 'pro' },
    context: { library: { name: 'analytics-node', version: '2.1.0' } },
    timestamp,
  };
}

/** HTTP Basic with the write key as user name and an empty password. */
export function basicAuth(writeKey: string): string {
  return `Basic ${Buffer.from(`${writeKey}:`).toString('base64')}`;
}

/** The server's time limit on accepting a request's events (the engine's `ingestTimeoutMs` default). */
const INGEST_TIMEOUT_MS = 2_000;

/**
 * Waits (bounded) until the requests still in flight when the load stopped have committed or given up: the
 * source's event count unchanged for a quiet window of 3 × the slowest answer seen, between 250 ms and the
 * server's ingest time limit + 500 ms (each accepting transaction commits or rolls back within that limit).
 * Without it, late commits would miss the accounting and a slow phase would spill into the next one.
 */
async function settle(ctx: TrackingContext, source: string, slowestMs: number) {
  const quietMs = Number.isFinite(slowestMs)
    ? Math.min(INGEST_TIMEOUT_MS + 500, Math.max(250, 3 * slowestMs))
    : INGEST_TIMEOUT_MS + 500;
  const start = Date.now();
  let last = await ctx.reader.eventCount(source);
  let since = Date.now();
  while (Date.now() - start < 5 * INGEST_TIMEOUT_MS + quietMs) {
    await sleep(100);
    ctx.alive();
    const n = await ctx.reader.eventCount(source);
    if (n !== last) {
      last = n;
      since = Date.now();
    } else if (Date.now() - since >= quietMs) {
      break;
    }
  }
  return { stored: last, waitedMs: Date.now() - start };
}

/** Whether a 2xx answer says every event sent was accepted, once. */
function acceptedAll(body: string, batch: boolean, size: number): boolean {
  try {
    const answer = JSON.parse(body) as {
      success?: unknown;
      accepted?: unknown;
      duplicates?: unknown;
      rejected?: unknown;
      duplicate?: unknown;
    };
    if (answer.success !== true) return false;
    if (!batch) return answer.duplicate === false;
    return (
      answer.accepted === size &&
      answer.duplicates === 0 &&
      Array.isArray(answer.rejected) &&
      answer.rejected.length === 0
    );
  } catch {
    return false;
  }
}

interface PhaseOptions {
  phase: TrackingPhase['phase'];
  label: string;
  endpoint: TrackingPhase['endpoint'];
  event: string;
  connections: number;
  seconds: number;
  source: { id: string; writeKey: string };
  /** the flow the events start runs of, or null when none listens */
  flowId: string | null;
  /** don't match answers with storage (the warm-up) */
  unaccounted?: boolean;
  /** send this many calls instead of calling for `seconds` */
  calls?: number;
}

async function trackingPhase(
  ctx: TrackingContext,
  settings: TrackingSettings,
  o: PhaseOptions,
): Promise<TrackingPhase> {
  const batch = o.endpoint === '/v1/batch';
  const size = batch ? settings.batchSize : 1;
  // messageIds: `<prefix><seq>.<i>` for the i-th event of batch request seq, `<prefix><seq>` for a single call
  const prefix = `${o.label}-`;
  const bodyFor = (seq: number) => {
    const timestamp = new Date().toISOString();
    if (!batch) return JSON.stringify(trackMessage(o.event, `${prefix}${seq}`, seq - 1, timestamp));
    const messages = [];
    for (let i = 0; i < size; i++) {
      messages.push(trackMessage(o.event, `${prefix}${seq}.${i}`, (seq - 1) * size + i, timestamp));
    }
    return JSON.stringify({ batch: messages });
  };
  let notFullyAccepted = 0;
  const mark = await cpuMark(ctx.reader, ctx.procs);
  const load = await runLoad({
    url: `${ctx.baseUrl}${o.endpoint}`,
    connections: o.connections,
    ...(o.calls === undefined ? { duration: o.seconds } : { amount: o.calls }),
    headers: { authorization: basicAuth(o.source.writeKey) },
    bodyFor,
    onAnswer: (_seq, status, body) => {
      if (status >= 200 && status < 300 && !acceptedAll(body, batch, size)) notFullyAccepted++;
    },
  });
  const loadCpu = await cpuSince(mark, ctx.reader, ctx.procs);
  const accepted = load.ok * size;
  const eventsPerSecond = round((load.ok * size) / load.seconds, 1);
  const settled = await settle(ctx, `tracking:${o.source.id}`, load.latency.max);
  const expectedRuns = Math.max(accepted, settled.stored);
  ctx.log(
    `${o.label}: ${eventsPerSecond} events/s accepted (${load.okPerSecond} requests/s), p99 ${load.latency.p99} ms, ` +
      `${load.non2xx} non-2xx; ${settled.stored} events stored, settled after ${settled.waitedMs} ms` +
      (o.flowId ? `; waiting for ${expectedRuns} runs` : ''),
  );

  let runs: TrackingPhase['runs'] = null;
  if (o.flowId) {
    ctx.sampler.setPhase(`all:${o.label}:drain`);
    const wait = await ctx.reader.waitFinished(
      o.flowId,
      expectedRuns,
      settings.drainTimeoutSeconds * 1000,
      ctx.alive,
    );
    const cpu = await cpuSince(mark, ctx.reader, ctx.procs);
    const times = await ctx.reader.runTimes(o.flowId);
    runs = {
      ...times,
      drained: wait.done,
      waitedAfterLoadMs: wait.waitedMs,
      cpuPerRun: perUnit(cpu, times.runs),
    };
    ctx.log(`${o.label}: runs ${wait.done ? 'drained' : 'NOT drained'} after ${wait.waitedMs} ms`);
  }

  const accounting = o.unaccounted
    ? { lost: 0, rejectedButStored: 0, storedTwice: 0, inFlightAtStop: 0, wrongRunCount: 0, stored: 0 }
    : await account(ctx.reader, o, load, size, prefix);
  const { statusBySeq: _, ...plain } = load;
  const { stored, ...counts } = accounting;
  return {
    ...plain,
    ...counts,
    notFullyAccepted,
    phase: o.phase,
    endpoint: o.endpoint,
    event: o.event,
    connections: o.connections,
    eventsPerRequest: size,
    eventsPerSecond,
    vsWebhookIngest: round(eventsPerSecond / ctx.webhookOkPerSecond, 4),
    answered503: load.statusCodes['503'] ?? 0,
    storedEvents: o.unaccounted ? settled.stored : stored,
    settledAfterLoadMs: settled.waitedMs,
    cpuPerEvent: perUnit(loadCpu, accepted),
    runs,
  };
}

/** Matches every answered request's events (by messageId) with the events stored under the phase's source. */
async function account(
  reader: RunReader,
  o: PhaseOptions,
  load: LoadResult,
  size: number,
  prefix: string,
): Promise<Omit<TrackingAccounting, 'notFullyAccepted'> & { stored: number }> {
  const stored = await reader.storedKeys(`tracking:${o.source.id}`);
  const statuses = load.statusBySeq ?? new Map<number, number>();
  const runsPerEvent = o.flowId ? 1 : 0;
  const out = {
    lost: 0,
    rejectedButStored: 0,
    storedTwice: 0,
    inFlightAtStop: 0,
    wrongRunCount: 0,
    stored: 0,
  };
  for (const [seq, status] of statuses) {
    const ok = status >= 200 && status < 300;
    for (let i = 0; i < size; i++) {
      const n = stored.get(size === 1 ? `${prefix}${seq}` : `${prefix}${seq}.${i}`)?.events ?? 0;
      if (ok && n === 0) out.lost++;
      if (!ok && n > 0) out.rejectedButStored++;
    }
  }
  for (const [key, { events, runs }] of stored) {
    out.stored += events;
    if (events > 1) out.storedTwice++;
    if (runs !== runsPerEvent * events) out.wrongRunCount++;
    const seq = key.startsWith(prefix) ? Number.parseInt(key.slice(prefix.length), 10) : Number.NaN;
    if (!statuses.has(seq)) out.inFlightAtStop++;
  }
  return out;
}

/**
 * Parks `count` runs of the t4 flow at their wait (one per person 0…count−1): batches of 100 "Checkout
 * Started", 4 in flight; then waits (bounded) until that many waits are waiting.
 */
async function parkRuns(
  ctx: TrackingContext,
  settings: TrackingSettings,
  source: { id: string; writeKey: string },
  flowId: string,
  count: number,
): Promise<number> {
  const timestamp = new Date().toISOString();
  const batches = Math.ceil(count / 100);
  let next = 0;
  const send = async () => {
    for (let b = next++; b < batches; b = next++) {
      const batch = [];
      for (let n = b * 100; n < Math.min(count, (b + 1) * 100); n++) {
        batch.push(trackMessage(TRACKED_EVENT, `t4-park-${n}`, n, timestamp));
      }
      const res = await fetch(`${ctx.baseUrl}/v1/batch`, {
        method: 'POST',
        headers: { authorization: basicAuth(source.writeKey), 'content-type': 'application/json' },
        body: JSON.stringify({ batch }),
      });
      const text = await res.text();
      if (!res.ok) throw new Error(`t4: parking batch ${b} answered ${res.status}: ${text.slice(0, 300)}`);
    }
  };
  await Promise.all(Array.from({ length: 4 }, send));
  const deadline = Date.now() + settings.drainTimeoutSeconds * 1000;
  let waiting = 0;
  while (Date.now() < deadline) {
    ctx.alive();
    waiting = (await ctx.reader.waitCounts(flowId)).waiting ?? 0;
    if (waiting >= count) break;
    await sleep(250);
  }
  return waiting;
}

/**
 * t4 (entry `index` of `resume`): `resumeParked` runs parked at a wait-for-event of the entry's own event
 * (resumingEvent) by person, then single calls of that event, each the first of its person (while the calls
 * number fewer than the parked runs): every such call resumes one run. Measured as t2, plus the waits it
 * resumed and the resumed runs finished.
 */
async function resumePhase(
  ctx: TrackingContext,
  settings: TrackingSettings,
  { connections, oneCallPerParked }: ResumeEntry,
  index: number,
): Promise<ResumePhase> {
  const event = resumingEvent(index);
  const label = `t4-tracking-resume-${index + 1}`;
  // the runs are started from a source of their own, so that t4's source holds only the measured calls
  const parking = await ctx.api.createSource(`bench t4 parking (${connections})`);
  const source = await ctx.api.createSource(`bench t4 (${connections})`);
  const flowId = await ctx.api.createPublished(parkingFlow(`tracking-t4-${index + 1}`, parking.id, event));
  ctx.sampler.setPhase(`all:${label}:park`);
  ctx.log(`t4: parking ${settings.resumeParked} runs at a wait for "${event}"`);
  const parkStart = Date.now();
  const parked = await parkRuns(ctx, settings, parking, flowId, settings.resumeParked);
  const parkSeconds = round((Date.now() - parkStart) / 1000, 1);
  ctx.log(`t4: ${parked} waits waiting after ${parkSeconds} s`);
  ctx.sampler.setPhase(`all:${label}`);
  ctx.log(
    `t4: tracking single "${event}", ${connections} connection(s), ` +
      (oneCallPerParked ? `${parked} calls` : `${settings.seconds}s`),
  );
  const phase = await trackingPhase(ctx, settings, {
    phase: 't4',
    label,
    endpoint: '/v1/track',
    event,
    connections,
    seconds: settings.seconds,
    ...(oneCallPerParked ? { calls: parked } : {}),
    source,
    flowId: null,
  });
  // a call is answered once the waits its event matches are settled; the one in flight at the stop may
  // settle after its event was counted
  const expectedResumed = Math.min(phase.storedEvents, parked);
  const deadline = Date.now() + settings.drainTimeoutSeconds * 1000;
  let resumed = 0;
  let finished = 0;
  while (Date.now() < deadline) {
    ctx.alive();
    resumed = (await ctx.reader.waitCounts(flowId)).received ?? 0;
    const progress = await ctx.reader.progress(flowId);
    finished = progress.runs - progress.open;
    if (resumed >= expectedResumed && finished >= resumed) break;
    await sleep(250);
  }
  ctx.log(`t4: ${resumed} waits resumed of ${expectedResumed} expected, ${finished} of their runs finished`);
  return { ...phase, parked, resumed, expectedResumed, resumedRunsFinished: finished, parkSeconds };
}

/**
 * Warm-up, then t1 (batches of `batchSize`, once per entry of `batchClients`), t2 (single track calls),
 * t3 (batches of an event no flow listens for) and t4 (single calls that resume parked runs). Each phase
 * that starts runs is drained (bounded) before the next one.
 */
export async function trackingSuite(
  ctx: TrackingContext,
  settings: TrackingSettings,
): Promise<TrackingSuite> {
  const { api } = ctx;
  const warmSource = await api.createSource('bench tracking warm-up');
  const warmFlow = await api.createPublished(trackingFlow('tracking-warmup', warmSource.id));
  const batchSetups = [];
  for (const clients of settings.batchClients) {
    const source = await api.createSource(`bench t1 ${clients} clients`);
    const flowId = await api.createPublished(trackingFlow(`tracking-t1-${clients}`, source.id));
    batchSetups.push({ clients, source, flowId });
  }
  const singleSource = await api.createSource('bench t2');
  const singleFlow = await api.createPublished(trackingFlow('tracking-t2', singleSource.id));
  const noRunSource = await api.createSource('bench t3');
  const common = { seconds: settings.seconds, event: TRACKED_EVENT };

  ctx.sampler.setPhase('all:tracking-warmup');
  ctx.log(`tracking: warm-up ${settings.warmupSeconds}s of batches, then of single calls`);
  const warmBatch = await trackingPhase(ctx, settings, {
    ...common,
    phase: 't1',
    label: 'tracking-warmup-batch',
    endpoint: '/v1/batch',
    connections: settings.batchClients[0] ?? 8,
    seconds: settings.warmupSeconds,
    source: warmSource,
    flowId: null,
    unaccounted: true,
  });
  const warmSingle = await trackingPhase(ctx, settings, {
    ...common,
    phase: 't2',
    label: 'tracking-warmup-single',
    endpoint: '/v1/track',
    connections: settings.singleConnections,
    seconds: settings.warmupSeconds,
    source: warmSource,
    flowId: null,
    unaccounted: true,
  });
  // every warm-up event stored starts a run; the phases settled, so the count is final
  const warmDrain = await ctx.reader.waitFinished(
    warmFlow,
    warmSingle.storedEvents,
    settings.drainTimeoutSeconds * 1000,
    ctx.alive,
  );

  const batch: TrackingPhase[] = [];
  for (const setup of batchSetups) {
    const label = `t1-tracking-batch-${setup.clients}`;
    ctx.sampler.setPhase(`all:${label}`);
    ctx.log(
      `t1: tracking batch, ${setup.clients} clients × ${settings.batchSize} events × ${settings.seconds}s`,
    );
    batch.push(
      await trackingPhase(ctx, settings, {
        ...common,
        phase: 't1',
        label,
        endpoint: '/v1/batch',
        connections: setup.clients,
        source: setup.source,
        flowId: setup.flowId,
      }),
    );
  }

  ctx.sampler.setPhase('all:t2-tracking-single');
  ctx.log(`t2: tracking single, ${settings.singleConnections} connections × ${settings.seconds}s`);
  const single = await trackingPhase(ctx, settings, {
    ...common,
    phase: 't2',
    label: 't2-tracking-single',
    endpoint: '/v1/track',
    connections: settings.singleConnections,
    source: singleSource,
    flowId: singleFlow,
  });

  const noRunClients = settings.batchClients[0] ?? 8;
  ctx.sampler.setPhase('all:t3-tracking-no-run');
  ctx.log(
    `t3: tracking batch of "${UNTRACKED_EVENT}" (no flow), ${noRunClients} clients × ${settings.seconds}s`,
  );
  const noRun = await trackingPhase(ctx, settings, {
    ...common,
    phase: 't3',
    label: 't3-tracking-no-run',
    endpoint: '/v1/batch',
    event: UNTRACKED_EVENT,
    connections: noRunClients,
    source: noRunSource,
    flowId: null,
  });

  const resume: ResumePhase[] = [];
  for (const [index, entry] of settings.resume.entries()) {
    resume.push(await resumePhase(ctx, settings, entry, index));
  }

  return {
    warmup: { requests: warmBatch.requests + warmSingle.requests, drained: warmDrain.done },
    batch,
    single,
    noRun,
    resume,
  };
}
