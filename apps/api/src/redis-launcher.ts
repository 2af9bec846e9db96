// Starts a local redis-server (AOF on, noeviction) when none is reachable, so `npm start` works alone.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { redisAnswers } from '@tributary/engine';

async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

/** A redis-server child started for this process. */
export interface LaunchedRedis {
  url: string;
  child: ChildProcess;
  stop(): void;
}

/** Starts redis-server with its data in `dataDir`; undefined when redis-server is not on PATH. */
export async function launchRedis(dataDir: string): Promise<LaunchedRedis | undefined> {
  const dir = resolve(dataDir, 'redis');
  mkdirSync(dir, { recursive: true });
  const port = await freePort();
  const child = spawn(
    'redis-server',
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--dir',
      dir,
      '--appendonly',
      'yes',
      '--maxmemory-policy',
      'noeviction',
      '--save',
      '',
    ],
    { stdio: 'ignore' },
  );
  const failed = await new Promise<boolean>((resolveSpawn) => {
    child.once('error', () => resolveSpawn(true));
    child.once('spawn', () => resolveSpawn(false));
  });
  if (failed) return undefined;
  const url = `redis://127.0.0.1:${port}`;
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (await redisAnswers(url, 500)) {
      return { url, child, stop: () => child.kill('SIGTERM') };
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  child.kill('SIGKILL');
  return undefined;
}
