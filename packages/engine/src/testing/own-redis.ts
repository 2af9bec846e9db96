// A redis-server of a test's own, without persistence, on a free loopback port: for tests that kill it, start
// it again empty, flush it or fill it, without touching the Redis every other test shares.
import { type ChildProcess, spawn } from 'node:child_process';
import { freePort } from '@tributary/nodes/testing';
import { redisAnswers } from '../engine.js';
import { waitFor } from './engine-fixture.js';

export interface OwnRedis {
  url: string;
  /** Kills it (SIGKILL: what it holds is gone, as after a crash without persistence). */
  kill(): Promise<void>;
  /** Starts it again, empty, on the same port. */
  start(): Promise<void>;
  dispose(): Promise<void>;
}

/**
 * Starts a redis-server without persistence on a free port and waits until it answers. `args` go to the
 * server after the port, bind and no-persistence flags (e.g. `--maxmemory 4mb --maxmemory-policy
 * allkeys-random` for a server that evicts keys).
 */
export async function startOwnRedis(options: { args?: readonly string[] } = {}): Promise<OwnRedis> {
  const port = await freePort();
  const url = `redis://127.0.0.1:${port}`;
  let child: ChildProcess | undefined;
  const start = async () => {
    child = spawn(
      'redis-server',
      [
        ...['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
        ...(options.args ?? []),
      ],
      { stdio: 'ignore' },
    );
    await waitFor(() => redisAnswers(url, 500), { timeoutMs: 10_000, what: 'redis-server to answer' });
  };
  const kill = async () => {
    const proc = child;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise((resolve) => proc.once('exit', resolve));
    proc.kill('SIGKILL');
    await exited;
  };
  await start();
  return { url, kill, start, dispose: kill };
}
