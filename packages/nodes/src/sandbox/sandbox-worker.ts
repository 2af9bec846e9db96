// Entry of a sandbox worker thread: compiles QuickJS once, then runs the jobs the pool sends, one at a time.
// The thread is started with an empty environment and no worker data: it holds no secret, no connection and
// no object of the host, and sees the jobs' JSON text only.
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { parentPort } from 'node:worker_threads';
import type { SandboxJob, SandboxReady } from './protocol.js';
import { runJob } from './quickjs-guest.js';

const port = parentPort;
if (!port) throw new Error('sandbox-worker runs as a worker thread');

const wasmPath = createRequire(import.meta.url).resolve('@jitl/quickjs-wasmfile-release-sync/wasm');
const wasmModule = await WebAssembly.compile(await readFile(wasmPath));

let queue = Promise.resolve();
port.on('message', (job: SandboxJob) => {
  // the pool sends one job at a time; chaining keeps the answers in order if it ever sends more
  queue = queue.then(async () => port.postMessage(await runJob(job, wasmModule)));
});
port.postMessage({ ready: true } satisfies SandboxReady);
