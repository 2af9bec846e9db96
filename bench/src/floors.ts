// Floors measured in the same run: bare Hono, BullMQ no-op jobs, postgres.js single-row inserts, and Postgres
// storing the rows of accepted events (the durable-write floor of ingest).
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createInterface } from 'node:readline';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import postgres from 'postgres';
import type { LoadResult } from './load.js';
import { runLoad, runPacedLoad } from './load.js';
import { cpuDelta, cpuMsOf, cpuSnapshot, now, round, Samples, stopChild, summarize } from './util.js';

export const WEBHOOK_BODY = { email: 'ada@example.com', plan: 'pro' };

export interface HonoFloor {
  /** POST with the webhook's JSON body, parsed, answered 202 JSON: the like-for-like floor of ingest */
  post: LoadResult & { serverCpuUsPerRequest: number };
  /** GET answered with a small JSON: the classic "hello world" figure */
  get: LoadResult;
}

/**
 * The bare Hono server (hono-floor-server.ts) in a child process, listening on a free loopback port, warmed up
 * (its code compiled) by a second of POSTs.
 */
async function startHonoFloorServer(repoRoot: string): Promise<{ child: ChildProcess; base: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/src/hono-floor-server.ts'], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    const port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('the Hono floor server did not start')), 20_000);
      child.once('exit', () => reject(new Error('the Hono floor server exited')));
      const lines = createInterface({ input: child.stdout });
      lines.once('line', (line) => {
        clearTimeout(timer);
        resolve((JSON.parse(line) as { port: number }).port);
      });
    });
    const base = `http://127.0.0.1:${port}`;
    await runLoad({ url: `${base}/hooks/floor`, connections: 50, duration: 1, body: WEBHOOK_BODY });
    return { child, base };
  } catch (err) {
    await stopChild(child, 3000);
    throw err;
  }
}

/** A bare Hono JSON endpoint in a child process: POST like the webhook (same body), then GET. */
export async function honoFloor(repoRoot: string, seconds: number): Promise<HonoFloor> {
  const { child, base } = await startHonoFloorServer(repoRoot);
  try {
    const url = `${base}/hooks/floor`;
    const cpuBefore = cpuMsOf(child.pid ?? 0) ?? Number.NaN;
    const postLoad = await runLoad({ url, connections: 50, duration: seconds, body: WEBHOOK_BODY });
    const cpuMs = (cpuMsOf(child.pid ?? 0) ?? Number.NaN) - cpuBefore;
    const post = { ...postLoad, serverCpuUsPerRequest: round((cpuMs * 1000) / postLoad.requests) };
    const get = await runLoad({ url: `${base}/floor`, connections: 50, duration: seconds });
    return { post, get };
  } finally {
    await stopChild(child, 3000);
  }
}

/**
 * Phase b's paced load (its rate, length and sockets) against the bare Hono POST: what the load generator,
 * loopback and a server that does nothing give on these cores — the floor of b's HTTP latency.
 */
export async function honoPacedFloor(repoRoot: string, rate: number, seconds: number): Promise<LoadResult> {
  const { child, base } = await startHonoFloorServer(repoRoot);
  try {
    const { statusBySeq: _, ...load } = await runPacedLoad({
      url: `${base}/hooks/floor`,
      rate,
      duration: seconds,
      connections: 50,
      body: WEBHOOK_BODY,
    });
    return load;
  } finally {
    await stopChild(child, 3000);
  }
}

export interface BullmqFloor {
  jobs: number;
  jobsPerSecond: number;
  /** add() called → processor started, ms; producers outrun the worker, so this is queueing time */
  addToStart: { p50: number; p99: number; max: number };
  seconds: number;
  /** CPU of this process (producers + worker) per job, µs; Redis's own CPU not included */
  cpuUsPerJob: number;
}

/**
 * BullMQ no-op jobs: one Queue, one Worker with concurrency 50 in this process, 50 producers each adding
 * one job at a time (like 50 concurrent requests), `jobs` in all, bounded by `maxSeconds`.
 */
export async function bullmqFloor(redisUrl: string, prefix: string, jobs: number, maxSeconds: number) {
  const connection = () => new Redis(redisUrl, { maxRetriesPerRequest: null });
  const queueConnection = connection();
  const workerConnection = connection();
  const queue = new Queue('floor', {
    connection: queueConnection,
    prefix,
    defaultJobOptions: { removeOnComplete: true, removeOnFail: true, attempts: 1 },
  });
  const latencies = new Samples();
  let completed = 0;
  let resolveDone: () => void = () => {};
  const done = new Promise<void>((resolve) => {
    resolveDone = resolve;
  });
  const worker = new Worker<{ t: number }>(
    'floor',
    async (job) => {
      latencies.push(now() - job.data.t);
    },
    { connection: workerConnection, prefix, concurrency: 50 },
  );
  worker.on('completed', () => {
    completed++;
    if (completed >= jobs) resolveDone();
  });
  worker.on('error', () => {});
  queue.on('error', () => {});
  await worker.waitUntilReady();
  await queue.waitUntilReady();
  try {
    const start = now();
    const cpuStart = process.cpuUsage();
    const deadline = start + maxSeconds * 1000;
    let added = 0;
    const producer = async () => {
      while (added < jobs && now() < deadline) {
        added++;
        await queue.add('noop', { t: now() });
      }
    };
    await Promise.all(Array.from({ length: 50 }, producer));
    const remaining = Math.max(0, deadline - now());
    await Promise.race([done, new Promise((resolve) => setTimeout(resolve, remaining).unref())]);
    const seconds = (now() - start) / 1000;
    const cpu = process.cpuUsage(cpuStart);
    const lat = summarize(latencies.values());
    return {
      cpuUsPerJob: round((cpu.user + cpu.system) / Math.max(1, completed)),
      jobs: completed,
      jobsPerSecond: round(completed / seconds, 1),
      addToStart: { p50: round(lat.p50, 2), p99: round(lat.p99, 2), max: round(lat.max, 2) },
      seconds: round(seconds, 2),
    } satisfies BullmqFloor;
  } finally {
    await worker.close(true);
    await queue.close();
    queueConnection.disconnect();
    workerConnection.disconnect();
  }
}

export interface PostgresFloor {
  inserts: number;
  insertsPerSecond: number;
  latency: { p50: number; p99: number; max: number };
  seconds: number;
  /** CPU of the 50 Postgres backends per insert, µs */
  postgresCpuUsPerInsert: number;
  /** CPU of this (client) process per insert, µs: what one postgres.js round trip costs the caller */
  clientCpuUsPerInsert: number;
}

/** postgres.js single-row inserts (uuid + the webhook's JSON) from 50 connections into a scratch table. */
export async function postgresFloor(
  url: string,
  seconds: number,
  maxInserts: number,
): Promise<PostgresFloor> {
  const sql = postgres(url, {
    max: 50,
    onnotice: () => {},
    connection: { application_name: 'tributary-bench-floor' },
  });
  try {
    await sql`create table if not exists bench_floor_inserts (
      id uuid primary key, payload jsonb not null, created_at timestamptz not null default now())`;
    // open all 50 connections before the clock starts
    await Promise.all(Array.from({ length: 50 }, () => sql`select pg_sleep(0.01)`));
    const pids = (
      await sql<{ pid: number }[]>`
        select pid from pg_stat_activity where application_name = 'tributary-bench-floor'`
    ).map((r) => r.pid);
    const cpuBefore = cpuSnapshot(pids);
    const clientBefore = process.cpuUsage();
    const payload = { body: WEBHOOK_BODY, headers: { 'content-type': 'application/json' }, method: 'POST' };
    const latencies = new Samples();
    let inserts = 0;
    const start = now();
    const deadline = start + seconds * 1000;
    const loop = async () => {
      while (inserts < maxInserts && now() < deadline) {
        inserts++;
        const t = now();
        await sql`insert into bench_floor_inserts (id, payload) values (${randomUUID()}, ${sql.json(payload)})`;
        latencies.push(now() - t);
      }
    };
    await Promise.all(Array.from({ length: 50 }, loop));
    const elapsed = (now() - start) / 1000;
    const backendCpuMs = cpuDelta(cpuBefore, cpuSnapshot(pids));
    const client = process.cpuUsage(clientBefore);
    const lat = summarize(latencies.values());
    return {
      postgresCpuUsPerInsert: round((backendCpuMs * 1000) / Math.max(1, latencies.length)),
      clientCpuUsPerInsert: round((client.user + client.system) / Math.max(1, latencies.length)),
      inserts: latencies.length,
      insertsPerSecond: round(latencies.length / elapsed, 1),
      latency: { p50: round(lat.p50, 2), p99: round(lat.p99, 2), max: round(lat.max, 2) },
      seconds: round(elapsed, 2),
    };
  } finally {
    await sql.end({ timeout: 5 });
  }
}

export interface DurableWriteFloor {
  events: number;
  eventsPerSecond: number;
  seconds: number;
  /** events per transaction */
  batch: number;
  /** CPU of the Postgres backends per event, µs */
  postgresCpuUsPerEvent: number;
  /** CPU of this (client) process per event, µs: building the JSON and sending it */
  clientCpuUsPerEvent: number;
}

/** An item as a webhook run stores it: the body with headers, query, method and path. */
function storedItem(seq: number, extra: Record<string, unknown> = {}) {
  return {
    body: { ...WEBHOOK_BODY, seq },
    headers: {
      host: '127.0.0.1:40000',
      connection: 'keep-alive',
      'content-type': 'application/json',
      'content-length': '40',
    },
    query: {},
    method: 'POST',
    path: 'floor',
    ...extra,
  };
}

/**
 * What Postgres alone takes to store accepted events durably, with no HTTP and no engine: the rows one
 * event of the ingest flow leaves (the event, a run, four steps with their input and output — the payload's
 * parts by reference, as the engine stores them, about 2 KB of JSON), written 50 events per transaction by one statement from 2 connections, as the engine's group
 * commit does, into scratch tables with the same kinds of columns and indexes. Ingest cannot go faster
 * than this on the same machine.
 */
export async function durableWriteFloor(url: string, seconds: number): Promise<DurableWriteFloor> {
  const batch = 50;
  const writers = 2;
  const sql = postgres(url, {
    max: writers,
    onnotice: () => {},
    connection: { application_name: 'tributary-bench-floor-durable' },
  });
  try {
    await sql.unsafe(`
      create table if not exists bench_floor_events (id uuid primary key, source text not null,
        type text not null, idempotency_key text, payload jsonb not null, received_at timestamptz not null);
      create unique index if not exists bench_floor_events_key on bench_floor_events (source, idempotency_key);
      create index if not exists bench_floor_events_received on bench_floor_events (received_at);
      create table if not exists bench_floor_runs (id uuid primary key, flow_id uuid not null,
        event_id uuid not null, status text not null, edge_state jsonb, created_at timestamptz not null,
        finished_at timestamptz);
      create index if not exists bench_floor_runs_event on bench_floor_runs (event_id);
      create index if not exists bench_floor_runs_flow on bench_floor_runs (flow_id, id);
      create index if not exists bench_floor_runs_status on bench_floor_runs (status);
      create table if not exists bench_floor_steps (id uuid primary key, run_id uuid not null,
        node_id text not null, status text not null, input jsonb, input_refs jsonb, output jsonb,
        output_refs jsonb, attempts jsonb not null, started_at timestamptz, finished_at timestamptz,
        duration_ms integer);
      create index if not exists bench_floor_steps_run on bench_floor_steps (run_id);`);
    await Promise.all(Array.from({ length: writers }, () => sql`select 1`));
    const pids = (
      await sql<{ pid: number }[]>`
        select pid from pg_stat_activity where application_name = 'tributary-bench-floor-durable'`
    ).map((r) => r.pid);
    const flowId = randomUUID();
    let seq = 0;
    const rowsOfBatch = () => {
      const events: object[] = [];
      const runs: object[] = [];
      const steps: object[] = [];
      const at = new Date().toISOString();
      for (let i = 0; i < batch; i++) {
        const eventId = randomUUID();
        const runId = randomUUID();
        const item = storedItem(++seq);
        // as the engine stores them (core/payload-refs.ts): the payload's parts by reference, not copied
        const parts: Array<[string[], string[]]> = [
          [['body'], ['body']],
          [['headers'], ['headers']],
          [['query'], ['query']],
        ];
        const within = (at: Array<string | number>) => parts.map(([a, f]) => [[...at, ...a], f]);
        const tagged = {
          body: null,
          headers: null,
          query: null,
          method: item.method,
          path: item.path,
          tier: 'gold',
        };
        const attempts = [{ n: 1, error: null, startedAt: at, finishedAt: at }];
        events.push({
          id: eventId,
          source: 'webhook:floor',
          type: 'webhook',
          payload: item,
          received_at: at,
        });
        runs.push({
          id: runId,
          flow_id: flowId,
          event_id: eventId,
          status: 'succeeded',
          edge_state: { e1: 1, e2: 1, e3: 1 },
          created_at: at,
          finished_at: at,
        });
        const step = (
          node: string,
          [input, inputRefs]: [unknown, unknown],
          [output, outputRefs]: [unknown, unknown],
          ran: boolean,
        ) =>
          steps.push({
            id: randomUUID(),
            run_id: runId,
            node_id: node,
            status: 'succeeded',
            input,
            input_refs: inputRefs,
            output,
            output_refs: outputRefs,
            attempts: ran ? attempts : [],
            started_at: at,
            finished_at: at,
            duration_ms: ran ? 0 : null,
          });
        const whole = [[[], []]];
        step('hook', [null, null], [{ main: [null] }, [[['main', 0], []]]], false);
        step('tag', [null, whole], [{ main: [tagged] }, within(['main', 0])], true);
        step('check', [tagged, within([])], [{ true: [tagged], false: [] }, within(['true', 0])], true);
        step(
          'mark',
          [tagged, within([])],
          [{ main: [{ ...tagged, handled: true }] }, within(['main', 0])],
          true,
        );
      }
      return { events, runs, steps };
    };
    const cpuBefore = cpuSnapshot(pids);
    const clientBefore = process.cpuUsage();
    let events = 0;
    const start = now();
    const deadline = start + seconds * 1000;
    const loop = async () => {
      while (now() < deadline) {
        const rows = rowsOfBatch();
        await sql`with e as (
            insert into bench_floor_events select * from jsonb_populate_recordset(null::bench_floor_events, ${sql.json(rows.events as never)})
            on conflict (source, idempotency_key) do nothing returning id
          ), r as (
            insert into bench_floor_runs select * from jsonb_populate_recordset(null::bench_floor_runs, ${sql.json(rows.runs as never)})
          )
          insert into bench_floor_steps select * from jsonb_populate_recordset(null::bench_floor_steps, ${sql.json(rows.steps as never)})`;
        events += batch;
      }
    };
    await Promise.all(Array.from({ length: writers }, loop));
    const elapsed = (now() - start) / 1000;
    const backendCpuMs = cpuDelta(cpuBefore, cpuSnapshot(pids));
    const client = process.cpuUsage(clientBefore);
    return {
      events,
      eventsPerSecond: round(events / elapsed, 1),
      seconds: round(elapsed, 2),
      batch,
      postgresCpuUsPerEvent: round((backendCpuMs * 1000) / Math.max(1, events)),
      clientCpuUsPerEvent: round((client.user + client.system) / Math.max(1, events)),
    };
  } finally {
    await sql.end({ timeout: 5 });
  }
}
