// Test helper: a worker in a child process (worker-process.ts) on a test engine's database and queue prefix,
// for tests whose steps must run in another process than the one that accepted their events.
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { TestEngine } from './engine-fixture.js';
import { TEST_REDIS_URL } from './engine-fixture.js';

/**
 * Starts the worker process; resolves once it takes jobs. Postgres only: PGlite cannot be shared. `env` adds
 * to its environment (WORKER_CONSUMERS names it among the broker triggers' consumers; WORKER_TRACK_SOURCE has it
 * take tracking calls of that source from its standard input).
 */
export function startWorkerProcess(t: TestEngine, env: Record<string, string> = {}): Promise<ChildProcess> {
  const script = fileURLToPath(new URL('./worker-process.ts', import.meta.url));
  const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', script], {
    env: {
      ...process.env,
      WORKER_DATABASE_URL: t.database.url,
      WORKER_REDIS_URL: TEST_REDIS_URL,
      WORKER_QUEUE_PREFIX: t.prefix,
      ...env,
    },
    // standard input takes tracking calls when WORKER_TRACK_SOURCE is set (worker-process.ts)
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.stdout?.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('ready')) resolve(child);
    });
    child.once('exit', (code) => reject(new Error(`worker exited early with ${code}`)));
  });
}

/** Stops the worker process and waits for it to exit. */
export async function stopWorkerProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}
