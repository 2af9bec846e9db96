// Floors measured in the same run: bare Hono, BullMQ no-op jobs, postgres.js single-row inserts.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createInterface } from 'node:readline';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import postgres from 'postgres';
import type { LoadResult } from './load.js';
import { runLoad } from './load.js';
import { cpuDelta, cpuMsOf, cpuSnapshot, now, round, Samples, stopChild, summarize } from './util.js';

export const WEBHOOK_BODY = { email: 'ada@example.com', plan: 'pro' };

export interface HonoFloor {
  /** POST with the webhook's JSON body, parsed, answered 202 JSON: the like-for-like floor of ingest */
  post: LoadResult & { serverCpuUsPerRequest: number };
  /** GET answered with a small JSON: the classic "hello world" figure */
  get: LoadResult;
}

/** A bare Hono JSON endpoint in a child process: POST like the webhook (same body), then GET. */
export async function honoFloor(repoRoot: string, seconds: number): Promise<HonoFloor> {
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
    const url = `http://127.0.0.1:${port}/hooks/floor`;
    await runLoad({ url, connections: 50, duration: 1, body: WEBHOOK_BODY }); // warm-up (JIT)
    const cpuBefore = cpuMsOf(child.pid ?? 0) ?? Number.NaN;
    const postLoad = await runLoad({ url, connections: 50, duration: seconds, body: WEBHOOK_BODY });
    const cpuMs = (cpuMsOf(child.pid ?? 0) ?? Number.NaN) - cpuBefore;
    const post = { ...postLoad, serverCpuUsPerRequest: round((cpuMs * 1000) / postLoad.requests) };
    const get = await runLoad({ url: `http://127.0.0.1:${port}/floor`, connections: 50, duration: seconds });
    return { post, get };
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
