// Services a fault test owns: a Postgres cluster of its own, on a free loopback port, that the test can stop and
// start under load without disturbing the shared one every other test uses (a Redis server of its own is
// @tributary/engine/testing's startOwnRedis); and main.ts processes started as children.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { waitFor } from '@tributary/engine/testing';

const run = promisify(execFile);

/**
 * A `main.ts <mode>` process a test started: its port, its exit code once it exits, what it wrote on stderr
 * and on stdout (its log lines, `LOG_LEVEL=warn` unless the test asked for more).
 */
export interface MainProcess {
  proc: ChildProcess;
  port: number;
  /** `http://127.0.0.1:<port>` */
  base: string;
  exited: Promise<number | null>;
  stderr: () => string;
  stdout: () => string;
}

const MAIN = fileURLToPath(new URL('./main.ts', import.meta.url));

/**
 * Starts the server from source (`main.ts <mode>`) as the tests' own process on loopback, with the test's
 * environment, Redis at REDIS_URL (not started by the server), `LOG_LEVEL=warn` and `env` on top; a key set
 * to undefined in `env` is left out (so the runner's own environment cannot decide it). Does not wait for it
 * to be ready. `port` defaults to a free one.
 */
export async function spawnMain(
  mode: 'all' | 'api' | 'worker',
  env: Record<string, string | undefined>,
  port?: number,
): Promise<MainProcess> {
  const listen = port ?? (await freePort());
  const merged: Record<string, string | undefined> = {
    ...process.env,
    REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    TRIBUTARY_START_REDIS: 'false',
    PORT: String(listen),
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    ...env,
  };
  for (const key of Object.keys(merged)) if (merged[key] === undefined) delete merged[key];
  const proc = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', MAIN, mode], {
    env: merged,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  let stdout = '';
  proc.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  proc.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  return {
    proc,
    port: listen,
    base: `http://127.0.0.1:${listen}`,
    exited,
    stderr: () => stderr,
    stdout: () => stdout,
  };
}

/** A free TCP port on loopback. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Where initdb and pg_ctl are: on PATH, else Debian's /usr/lib/postgresql/<version>/bin; undefined if nowhere. */
export function postgresBinaries(): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(':')) {
    if (dir && existsSync(join(dir, 'pg_ctl')) && existsSync(join(dir, 'initdb'))) return dir;
  }
  const debian = '/usr/lib/postgresql';
  if (!existsSync(debian)) return undefined;
  const versions = readdirSync(debian).sort((a, b) => Number(b) - Number(a));
  return versions.map((v) => join(debian, v, 'bin')).find((dir) => existsSync(join(dir, 'pg_ctl')));
}

/** initdb refuses to run as root: as root, Postgres's tools run as the `postgres` user. */
function asPostgres(command: string, args: string[]): [string, string[]] {
  return process.getuid?.() === 0 ? ['runuser', ['-u', 'postgres', '--', command, ...args]] : [command, args];
}

export interface OwnPostgres {
  url: string;
  /** `pg_ctl stop` (fast: disconnects clients, as a restart or failover does); resolves once it is down. */
  stop(): Promise<void>;
  /** Starts it again on the same port; resolves once it accepts connections. */
  start(): Promise<void>;
  dispose(): Promise<void>;
}

/** A fresh Postgres cluster (trust auth) on a free port, started. */
export async function startOwnPostgres(bin: string): Promise<OwnPostgres> {
  const dir = mkdtempSync(join(os.tmpdir(), 'tributary-pg-'));
  // the cluster's user must own its folder
  chmodSync(dir, 0o777);
  const data = join(dir, 'data');
  const port = await freePort();
  const pg = async (tool: string, args: string[]) => {
    const [command, argv] = asPostgres(join(bin, tool), args);
    await run(command, argv, { timeout: 60_000 });
  };
  await pg('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '--no-sync', '-E', 'UTF8']);
  const start = () =>
    pg('pg_ctl', [
      '-D',
      data,
      '-w',
      '-l',
      join(dir, 'log'),
      '-o',
      `-p ${port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=${dir} -c fsync=off`,
      'start',
    ]);
  await start();
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    stop: () => pg('pg_ctl', ['-D', data, '-w', '-m', 'fast', 'stop']),
    start,
    async dispose() {
      await pg('pg_ctl', ['-D', data, '-w', '-m', 'immediate', 'stop']).catch(() => {
        // already down
      });
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Waits (bounded) until every run of `runIds` has succeeded, asking a running server's API with `key`. */
export async function allRunsSucceeded(
  base: string,
  key: string,
  runIds: readonly (string | undefined)[],
  timeoutMs: number,
): Promise<void> {
  await waitFor(
    async () => {
      for (const id of runIds) {
        const run = (await (
          await fetch(`${base}/api/v1/runs/${id}`, {
            headers: { authorization: `Bearer ${key}` },
            // a request the server never answers is retried, not waited on past the bound
            signal: AbortSignal.timeout(10_000),
          })
        ).json()) as { status: string };
        if (run.status !== 'succeeded') return false;
      }
      return true;
    },
    { timeoutMs, intervalMs: 500, what: 'every accepted run to succeed' },
  );
}
