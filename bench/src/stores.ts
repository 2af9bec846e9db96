// The bench's own Postgres database and Redis key prefix: created fresh, read back, removed at the end.
import { Redis } from 'ioredis';
import postgres from 'postgres';
import { sleep } from './util.js';

/** `postgres://user@host:port` + `/db`. */
export function databaseUrl(serverUrl: string, database: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

/** Runs `work` on one connection to the server's `postgres` database, closed afterwards. */
async function withAdmin<T>(serverUrl: string, work: (admin: postgres.Sql) => Promise<T>): Promise<T> {
  const admin = postgres(databaseUrl(serverUrl, 'postgres'), { max: 1, onnotice: () => {} });
  try {
    return await work(admin);
  } finally {
    await admin.end();
  }
}

export async function createDatabase(serverUrl: string, name: string): Promise<void> {
  await withAdmin(serverUrl, (admin) => admin.unsafe(`create database "${name}"`));
}

export async function dropDatabase(serverUrl: string, name: string): Promise<void> {
  await withAdmin(serverUrl, (admin) => admin.unsafe(`drop database if exists "${name}" with (force)`));
}

/** The Postgres server's settings that change what a run measures (planner statistics, durability). */
export interface PostgresSettings {
  version: string;
  /** off: no table is analyzed during the run unless the server does it, so plans rest on default estimates */
  autovacuum: string;
  fsync: string;
  synchronousCommit: string;
}

export async function postgresSettings(serverUrl: string): Promise<PostgresSettings> {
  const rows = await withAdmin(
    serverUrl,
    (admin) => admin<Array<{ name: string; setting: string }>>`
      select name, setting from pg_settings
      where name in ('server_version', 'autovacuum', 'fsync', 'synchronous_commit')`,
  );
  const of = (name: string) => rows.find((r) => r.name === name)?.setting ?? 'unknown';
  return {
    version: of('server_version'),
    autovacuum: of('autovacuum'),
    fsync: of('fsync'),
    synchronousCommit: of('synchronous_commit'),
  };
}

/** Deletes every key under `prefix:`; returns how many. */
export async function deleteRedisPrefix(redisUrl: string, prefix: string): Promise<number> {
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 3, lazyConnect: true });
  await redis.connect();
  let deleted = 0;
  try {
    // BullMQ keeps adding a few keys while its connections close; two passes catch stragglers
    for (let pass = 0; pass < 2; pass++) {
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
        cursor = next;
        if (keys.length > 0) deleted += await redis.unlink(...keys);
      } while (cursor !== '0');
      if (pass === 0) await sleep(200);
    }
  } finally {
    redis.disconnect();
  }
  return deleted;
}

export interface RunTimes {
  runs: number;
  open: number;
  byStatus: Record<string, number>;
  /** accepted (runs.created_at) → finished (runs.finished_at), ms */
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** finished runs / (last finished_at − first created_at) */
  runsPerSecond: number;
  spanMs: number;
}

/**
 * Read-only queries over the server's tables (runs, steps). The session is read-only, so a mistake here
 * cannot change what is measured.
 */
export class RunReader {
  readonly sql: postgres.Sql;

  constructor(url: string) {
    this.sql = postgres(url, {
      max: 2,
      onnotice: () => {},
      connection: { default_transaction_read_only: true, application_name: 'tributary-bench-reader' },
    });
  }

  /** How many runs of the flow exist and how many are not finished yet. */
  async progress(flowId: string): Promise<{ runs: number; open: number }> {
    const [row] = await this.sql<{ runs: number; open: number }[]>`
      select count(*)::int as runs, (count(*) filter (where finished_at is null))::int as open
      from runs where flow_id = ${flowId}`;
    return row ?? { runs: 0, open: 0 };
  }

  /**
   * Waits (bounded) until at least `expected` runs exist and none is open. `check` throws to give up early
   * (a server process died).
   */
  async waitFinished(
    flowId: string,
    expected: number,
    timeoutMs: number,
    check: () => void = () => {},
  ): Promise<{ done: boolean; waitedMs: number; open: number }> {
    const start = Date.now();
    let last = { runs: 0, open: 0 };
    while (Date.now() - start < timeoutMs) {
      check();
      last = await this.progress(flowId);
      if (last.runs >= expected && last.open === 0)
        return { done: true, waitedMs: Date.now() - start, open: 0 };
      await sleep(250);
    }
    return { done: false, waitedMs: Date.now() - start, open: last.open + Math.max(0, expected - last.runs) };
  }

  async runTimes(flowId: string): Promise<RunTimes> {
    const statuses = await this.sql<{ status: string; n: number }[]>`
      select status, count(*)::int as n from runs where flow_id = ${flowId} group by status`;
    const byStatus = Object.fromEntries(statuses.map((s) => [s.status, s.n]));
    const [row] = await this.sql<
      {
        runs: number;
        open: number;
        p50: number | null;
        p99: number | null;
        max: number | null;
        first_created: Date | null;
        last_finished: Date | null;
        finished: number;
      }[]
    >`
      select count(*)::int as runs,
             (count(*) filter (where finished_at is null))::int as open,
             (count(*) filter (where finished_at is not null))::int as finished,
             percentile_cont(0.5) within group (order by extract(epoch from finished_at - created_at) * 1000)
               filter (where finished_at is not null) as p50,
             percentile_cont(0.99) within group (order by extract(epoch from finished_at - created_at) * 1000)
               filter (where finished_at is not null) as p99,
             max(extract(epoch from finished_at - created_at) * 1000) as max,
             min(created_at) as first_created,
             max(finished_at) as last_finished
      from runs where flow_id = ${flowId}`;
    const spanMs =
      row?.first_created && row.last_finished ? row.last_finished.getTime() - row.first_created.getTime() : 0;
    return {
      runs: row?.runs ?? 0,
      open: row?.open ?? 0,
      byStatus,
      p50Ms: Number(row?.p50 ?? Number.NaN),
      p99Ms: Number(row?.p99 ?? Number.NaN),
      maxMs: Number(row?.max ?? Number.NaN),
      runsPerSecond: spanMs > 0 ? ((row?.finished ?? 0) * 1000) / spanMs : Number.NaN,
      spanMs,
    };
  }

  /** finished_at (epoch ms) of each finished run, by id. */
  async runFinishedAt(runIds: readonly string[]): Promise<Map<string, number>> {
    if (runIds.length === 0) return new Map();
    const rows = await this.sql<{ id: string; t: number }[]>`
      select id, extract(epoch from finished_at) * 1000 as t
      from runs where id = any(${this.sql.array(runIds as string[])}::uuid[]) and finished_at is not null`;
    return new Map(rows.map((r) => [r.id, Number(r.t)]));
  }

  /** finished_at (epoch ms) of every finished step of the flow's runs except the trigger's, sorted. */
  async stepFinishTimes(
    flowId: string,
    triggerNodeId: string,
  ): Promise<{ finished: number[]; notSucceeded: number }> {
    const rows = await this.sql<{ t: number; status: string }[]>`
      select extract(epoch from s.finished_at) * 1000 as t, s.status
      from steps s join runs r on r.id = s.run_id
      where r.flow_id = ${flowId} and s.node_id <> ${triggerNodeId} and s.finished_at is not null
      order by s.finished_at`;
    return {
      finished: rows.map((r) => Number(r.t)),
      notSucceeded: rows.filter((r) => r.status !== 'succeeded').length,
    };
  }

  /**
   * Per step of the flow's runs (not the trigger): `hop` = previous step finished → this step claimed (commit,
   * enqueue, BullMQ delivery, claim) and `inStep` = claimed → finished (load run and flow, evaluate, run the
   * node), both ms. finished_at is taken just before the completing transaction, so its commit counts as hop.
   */
  async stepBreakdown(flowId: string): Promise<{ hop: number[]; inStep: number[] }> {
    const rows = await this.sql<{ hop: number | null; in_step: number | null }[]>`
      select extract(epoch from s.started_at - lag(s.finished_at) over w) * 1000 as hop,
             extract(epoch from s.finished_at - s.started_at) * 1000 as in_step
      from steps s join runs r on r.id = s.run_id
      where r.flow_id = ${flowId}
      window w as (partition by s.run_id order by s.started_at, s.id)`;
    const hop: number[] = [];
    const inStep: number[] = [];
    for (const row of rows) {
      if (row.hop !== null) hop.push(Number(row.hop));
      if (row.hop !== null && row.in_step !== null) inStep.push(Number(row.in_step));
    }
    return { hop, inStep };
  }

  /** How many events each request `seq` (see LoadOptions.tagRequests) left under this source. */
  async storedSeqs(source: string): Promise<Map<number, number>> {
    const rows = await this.sql<{ seq: number | null; n: number }[]>`
      select (payload->'body'->>'seq')::int as seq, count(*)::int as n
      from events where source = ${source} group by 1`;
    return new Map(rows.filter((r) => r.seq !== null).map((r) => [r.seq as number, r.n]));
  }

  /** How many events are stored under this source. */
  async eventCount(source: string): Promise<number> {
    const [row] = await this.sql<
      { n: number }[]
    >`select count(*)::int as n from events where source = ${source}`;
    return row?.n ?? 0;
  }

  /**
   * The events stored under this source by idempotency key (a tracking event's messageId): how many events
   * hold the key and how many runs they started.
   */
  async storedKeys(source: string): Promise<Map<string, { events: number; runs: number }>> {
    const rows = await this.sql<{ key: string | null; events: number; runs: number }[]>`
      select e.idempotency_key as key, count(distinct e.id)::int as events, count(r.id)::int as runs
      from events e left join runs r on r.event_id = e.id
      where e.source = ${source} group by 1`;
    return new Map(
      rows.filter((r) => r.key !== null).map((r) => [r.key as string, { events: r.events, runs: r.runs }]),
    );
  }

  /** The flow's waits by status (`waiting`, `received`, `timeout`, …). */
  async waitCounts(flowId: string): Promise<Record<string, number>> {
    const rows = await this.sql<{ status: string; n: number }[]>`
      select status, count(*)::int as n from waits where flow_id = ${flowId} group by status`;
    return Object.fromEntries(rows.map((r) => [r.status, r.n]));
  }

  /** Postgres backend pids serving this database, except the bench's own (for their CPU time). */
  async backendPids(): Promise<number[]> {
    const rows = await this.sql<{ pid: number }[]>`
      select pid from pg_stat_activity
      where datname = current_database() and application_name <> 'tributary-bench-reader'`;
    return rows.map((r) => r.pid);
  }

  async runStatus(runId: string): Promise<string | undefined> {
    const [row] = await this.sql<{ status: string }[]>`select status from runs where id = ${runId}`;
    return row?.status;
  }

  close() {
    return this.sql.end({ timeout: 5 });
  }
}
