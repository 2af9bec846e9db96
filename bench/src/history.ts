// h. What full history costs in bytes, and L. a burst of large payloads.
//
// h: events of the ingest flow's shape (webhook → set → if → set) with a small body and with an 8 KB order,
// each drained; then the bytes their rows take in Postgres, per run: every column's stored size (TOAST and
// compression included, as pg_column_size reports it) of the event, the run and its four steps, plus the
// tuple header and line pointer of each row. The small body gives the fixed overhead of a run; the 8 KB body
// shows how many times the payload is kept.
//
// L: rounds of 40 concurrent webhooks of ~900 KB each (incompressible text, under the 1 MiB body limit):
// how many are accepted, the latency, that every accepted one is stored once, and the server's peak RSS.
import { randomBytes } from 'node:crypto';
import type { Accounting } from './accounting.js';
import { account, plain } from './accounting.js';
import type { CpuPerUnit } from './cpu.js';
import { cpuMark, cpuSince, perUnit } from './cpu.js';
import type { LoadResult } from './load.js';
import { runLoad } from './load.js';
import type { Api, ServerProcess } from './server.js';
import { fourNodeFlow } from './server.js';
import type { RunReader } from './stores.js';
import type { RssSampler } from './util.js';
import { round } from './util.js';

export interface HistoryContext {
  api: Api;
  baseUrl: string;
  reader: RunReader;
  sampler: RssSampler;
  /** the all-in-one server (its RSS is L's memory figure) */
  server: ServerProcess;
  log: (message: string) => void;
  /** throws when a server process has exited */
  alive: () => void;
  drainTimeoutMs: number;
}

/** Bytes a run's rows take, by table (column data + 28 bytes of tuple header and line pointer per row). */
export interface RunBytes {
  runs: number;
  /** the request body as sent */
  bodyBytes: number;
  /** the event's payload (body, headers, query, method, path) as stored */
  payloadBytes: number;
  perRun: { event: number; run: number; steps: number; total: number };
  /** total per run ÷ payload */
  timesPayload: number;
}

export interface HistoryBytesResult {
  small: RunBytes;
  order8k: RunBytes;
  /** small.perRun.total − small.payloadBytes: what a run costs besides its payload */
  fixedOverheadBytes: number;
  /** (order8k.perRun.total − fixedOverhead) ÷ order8k.payloadBytes: copies of the payload kept (target ≤ 1.5) */
  payloadCopies: number;
}

/** Per-row overhead not in pg_column_size: a 24-byte tuple header (with alignment) and a 4-byte line pointer. */
const ROW_OVERHEAD = 28;

/** An order of `lines` lines (~8 KB at 115), unique per seq. */
function orderBody(seq: number, lines: number): string {
  return JSON.stringify({
    seq,
    email: `customer${seq}@example.com`,
    plan: 'pro',
    order: {
      id: `ord_${seq}`,
      currency: 'EUR',
      lines: Array.from({ length: lines }, (_, i) => ({
        sku: `SKU-${(seq * 31 + i) % 997}`,
        name: `Product ${i} of order ${seq}`,
        qty: 1 + (i % 4),
        price: 9.99 + i,
      })),
    },
  });
}

async function bytesOf(reader: RunReader, flowId: string, bodyBytes: number): Promise<RunBytes> {
  const [row] = await reader.sql<
    { runs: number; payload: number; event: number; run: number; steps: number }[]
  >`
    with r as (select * from runs where flow_id = ${flowId}),
    e as (select ev.* from events ev where ev.id in (select event_id from r)),
    s as (select st.* from steps st where st.run_id in (select id from r))
    select
      (select count(*)::int from r) as runs,
      (select coalesce(avg(pg_column_size(payload)), 0)::float8 from e) as payload,
      (select coalesce(sum(
        pg_column_size(id) + pg_column_size(source) + pg_column_size(type) + pg_column_size(payload)
        + coalesce(pg_column_size(idempotency_key), 0) + coalesce(pg_column_size(user_id), 0)
        + coalesce(pg_column_size(anonymous_id), 0) + pg_column_size(received_at) + ${ROW_OVERHEAD}), 0)::float8
        from e) as event,
      (select coalesce(sum(pg_column_size(r.*) + ${ROW_OVERHEAD}), 0)::float8 from r) as run,
      (select coalesce(sum(
        pg_column_size(id) + pg_column_size(run_id) + pg_column_size(node_id) + pg_column_size(name)
        + pg_column_size(type) + pg_column_size(status) + coalesce(pg_column_size(input), 0)
        + coalesce(pg_column_size(output), 0) + coalesce(pg_column_size(error), 0)
        + pg_column_size(attempts) + coalesce(pg_column_size(state), 0)
        + coalesce(pg_column_size(to_jsonb(st) -> 'input_refs'), 0)
        + coalesce(pg_column_size(to_jsonb(st) -> 'output_refs'), 0)
        + pg_column_size(created_at) + coalesce(pg_column_size(started_at), 0)
        + coalesce(pg_column_size(finished_at), 0) + coalesce(pg_column_size(duration_ms), 0)
        + ${ROW_OVERHEAD}), 0)::float8
        from s st) as steps`;
  const runs = row?.runs ?? 0;
  const per = (n: number | undefined) => (runs > 0 ? round((n ?? 0) / runs) : 0);
  const perRun = { event: per(row?.event), run: per(row?.run), steps: per(row?.steps), total: 0 };
  perRun.total = perRun.event + perRun.run + perRun.steps;
  const payloadBytes = round(row?.payload ?? 0);
  return {
    runs,
    bodyBytes,
    payloadBytes,
    perRun,
    timesPayload: payloadBytes > 0 ? round(perRun.total / payloadBytes, 2) : 0,
  };
}

async function historyRuns(
  ctx: HistoryContext,
  path: string,
  count: number,
  bodyFor: (seq: number) => string,
): Promise<RunBytes> {
  const flowId = await ctx.api.createPublished(fourNodeFlow(path));
  const load = await runLoad({
    url: `${ctx.baseUrl}/hooks/${path}`,
    connections: 10,
    amount: count,
    bodyFor,
  });
  const drained = await ctx.reader.waitFinished(flowId, load.ok, ctx.drainTimeoutMs, ctx.alive);
  if (!drained.done) ctx.log(`history ${path}: runs not drained after ${drained.waitedMs} ms`);
  return bytesOf(ctx.reader, flowId, Buffer.byteLength(bodyFor(1)));
}

/** h: bytes per run for a small body and an 8 KB order. */
export async function historyBytesPhase(ctx: HistoryContext, count: number): Promise<HistoryBytesResult> {
  ctx.sampler.setPhase('all:history-bytes');
  ctx.log(`history bytes: ${count} events with a small body, ${count} with an 8 KB order`);
  const small = await historyRuns(ctx, 'history-small', count, (seq) =>
    JSON.stringify({ seq, email: 'ada@example.com', plan: 'pro' }),
  );
  const order8k = await historyRuns(ctx, 'history-8k', count, (seq) => orderBody(seq, 115));
  const fixedOverheadBytes = small.perRun.total - small.payloadBytes;
  const payloadCopies =
    order8k.payloadBytes > 0
      ? round((order8k.perRun.total - fixedOverheadBytes) / order8k.payloadBytes, 2)
      : 0;
  ctx.log(
    `history bytes: ${small.perRun.total} B/run small (payload ${small.payloadBytes} B), ${order8k.perRun.total} B/run 8 KB (payload ${order8k.payloadBytes} B): ${payloadCopies} payload copies`,
  );
  return { small, order8k, fixedOverheadBytes, payloadCopies };
}

export interface LargePayloadResult extends Accounting {
  concurrency: number;
  rounds: number;
  bodyBytes: number;
  load: Omit<LoadResult, 'statusBySeq'>;
  /** 2xx ÷ requests */
  acceptedShare: number;
  /** the server's peak RSS during the phase, bytes */
  peakRssBytes: number;
  /** CPU per accepted body, from the first request until its runs finished: the server and Postgres */
  cpuPerAccepted: CpuPerUnit;
}

/** L: `rounds` × `concurrency` webhooks of ~900 KB at once. */
export async function largePayloadPhase(
  ctx: HistoryContext,
  options: { concurrency: number; rounds: number },
): Promise<LargePayloadResult> {
  const path = 'large-payloads';
  const flowId = await ctx.api.createPublished(fourNodeFlow(path));
  // incompressible (base64 of random bytes), so Postgres cannot shrink it away: ~900 KB per body
  const filler = randomBytes(675 * 1024).toString('base64');
  const bodyFor = (seq: number) => JSON.stringify({ seq, plan: 'pro', filler });
  const total = options.concurrency * options.rounds;
  ctx.sampler.setPhase('all:large-payloads');
  ctx.log(`large payloads: ${options.rounds} × ${options.concurrency} webhooks of ~900 KB at once`);
  const cpu = await cpuMark(ctx.reader, [ctx.server]);
  const load = await runLoad({
    url: `${ctx.baseUrl}/hooks/${path}`,
    connections: options.concurrency,
    amount: total,
    bodyFor,
  });
  await ctx.reader.waitFinished(flowId, load.ok, ctx.drainTimeoutMs, ctx.alive);
  const cpuPerAccepted = perUnit(await cpuSince(cpu, ctx.reader, [ctx.server]), load.ok);
  ctx.sampler.sample();
  const peakRssBytes = ctx.sampler.byPhase()['all:large-payloads']?.[ctx.server.name] ?? Number.NaN;
  const result = {
    concurrency: options.concurrency,
    rounds: options.rounds,
    bodyBytes: Buffer.byteLength(bodyFor(1)),
    load: plain(load),
    acceptedShare: total > 0 ? round(load.ok / total, 3) : 0,
    ...(await account(ctx.reader, path, load)),
    peakRssBytes,
    cpuPerAccepted,
  };
  ctx.log(
    `large payloads: ${load.ok}/${total} accepted, p99 ${load.latency.p99} ms, peak RSS ${round(peakRssBytes / 1048576)} MB, CPU per body ${round(cpuPerAccepted.nodeUs / 1000, 1)} ms + postgres ${round(cpuPerAccepted.postgresUs / 1000, 1)} ms`,
  );
  return result;
}
