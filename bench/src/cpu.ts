// CPU time of the server processes and of the Postgres backends of the bench database, between two marks.
import type { ServerProcess } from './server.js';
import type { RunReader } from './stores.js';
import type { CpuSnapshot } from './util.js';
import { cpuDelta, cpuMsOf, cpuSnapshot, round, runQueueMsOf } from './util.js';

export interface CpuMark {
  node: Map<string, number>;
  pg: CpuSnapshot;
}

/** CPU time used, ms: per server process, their sum, and the Postgres backends of the bench database. */
export interface CpuUsed {
  nodeMs: Record<string, number>;
  nodeTotalMs: number;
  postgresMs: number;
}

export async function cpuMark(reader: RunReader, procs: readonly ServerProcess[]): Promise<CpuMark> {
  const node = new Map<string, number>();
  for (const p of procs) node.set(p.name, cpuMsOf(p.pid) ?? Number.NaN);
  return { node, pg: cpuSnapshot(await reader.backendPids()) };
}

export async function cpuSince(
  mark: CpuMark,
  reader: RunReader,
  procs: readonly ServerProcess[],
): Promise<CpuUsed> {
  const nodeMs: Record<string, number> = {};
  let total = 0;
  for (const p of procs) {
    const ms = (cpuMsOf(p.pid) ?? Number.NaN) - (mark.node.get(p.name) ?? Number.NaN);
    nodeMs[p.name] = round(ms);
    total += ms;
  }
  const pids = new Set([...mark.pg.keys(), ...(await reader.backendPids())]);
  return { nodeMs, nodeTotalMs: round(total), postgresMs: round(cpuDelta(mark.pg, cpuSnapshot(pids))) };
}

/** CPU per unit of work, µs. */
export function perUnit(cpu: CpuUsed, units: number) {
  const n = Math.max(1, units);
  return {
    nodeUs: round((cpu.nodeTotalMs * 1000) / n),
    postgresUs: round((cpu.postgresMs * 1000) / n),
    nodeUsByProcess: Object.fromEntries(
      Object.entries(cpu.nodeMs).map(([k, v]) => [k, round((v * 1000) / n)]),
    ),
  };
}

export type CpuPerUnit = ReturnType<typeof perUnit>;

/**
 * Time spent runnable but waiting for a CPU (the kernel's run queue, `/proc/<pid>/schedstat`), per second
 * of wall time, ms: of each server process's main thread (its event loop) and of the Postgres backends of
 * the bench database. On a machine whose cores the load generator, the server and Postgres share, this is
 * latency no code path shows: a request's bytes wait while its thread waits for a core.
 */
export interface RunQueueWait {
  eventLoopMsPerSecond: Record<string, number>;
  postgresMsPerSecond: number;
}

export interface RunQueueMark {
  at: number;
  node: Map<string, number>;
  pg: CpuSnapshot;
}

export async function runQueueMark(
  reader: RunReader,
  procs: readonly ServerProcess[],
): Promise<RunQueueMark> {
  const node = new Map<string, number>();
  for (const p of procs) node.set(p.name, runQueueMsOf(p.pid) ?? Number.NaN);
  return { at: performance.now(), node, pg: cpuSnapshot(await reader.backendPids(), runQueueMsOf) };
}

export async function runQueueSince(
  mark: RunQueueMark,
  reader: RunReader,
  procs: readonly ServerProcess[],
): Promise<RunQueueWait> {
  const seconds = Math.max(0.001, (performance.now() - mark.at) / 1000);
  const eventLoopMsPerSecond: Record<string, number> = {};
  for (const p of procs) {
    const ms = (runQueueMsOf(p.pid) ?? Number.NaN) - (mark.node.get(p.name) ?? Number.NaN);
    eventLoopMsPerSecond[p.name] = round(ms / seconds, 1);
  }
  const pids = new Set([...mark.pg.keys(), ...(await reader.backendPids())]);
  const pg = cpuDelta(mark.pg, cpuSnapshot(pids, runQueueMsOf));
  return { eventLoopMsPerSecond, postgresMsPerSecond: round(pg / seconds, 1) };
}
