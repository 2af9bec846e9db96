// Starting worker-process.ts as a child process for a test engine's database and queue, for tests that kill
// a worker (SIGKILL) and start another: a real process restart, not a closed engine.
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { TEST_REDIS_URL, type TestEngine } from './engine-fixture.js';

/** Starts a worker process on `t`'s database and queue; resolves once it takes jobs. */
export function startWorkerProcess(t: TestEngine): Promise<ChildProcess> {
  const script = fileURLToPath(new URL('./worker-process.ts', import.meta.url));
  const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', script], {
    env: {
      ...process.env,
      WORKER_DATABASE_URL: t.database.url,
      WORKER_REDIS_URL: TEST_REDIS_URL,
      WORKER_QUEUE_PREFIX: t.prefix,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.stdout?.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('ready')) resolve(child);
    });
    child.once('exit', (code) => reject(new Error(`worker exited early with ${code}`)));
  });
}
