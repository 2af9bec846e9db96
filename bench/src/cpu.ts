// CPU time of the server processes and of the Postgres backends of the bench database, between two marks.
import type { ServerProcess } from './server.js';
import type { RunReader } from './stores.js';
import type { CpuSnapshot } from './util.js';
import { cpuDelta, cpuMsOf, cpuSnapshot, round } from './util.js';

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
