// Host side of the code sandbox: a small pool of worker threads that each run QuickJS, one job at a time.
// The pool adds the outer time limit — a thread that does not answer within the job's limit plus a grace
// period is terminated — and replaces every thread it terminated or that failed.
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { StepLogs } from '../define-node.js';
import type { SandboxFailure, SandboxJob, SandboxReady, SandboxReply } from './protocol.js';
import { WORKER_STACK_MB } from './protocol.js';

/** One run of user code. */
export interface SandboxRun {
  code: string;
  /** The input items (JSON values). */
  items: unknown[];
  timeoutMs: number;
  memoryMb: number;
}

/** How a run ended: its items, or why it failed; the console lines either way. */
export type SandboxOutcome =
  | { ok: true; items: unknown[]; logs: StepLogs }
  | { ok: false; failure: SandboxFailure; logs: StepLogs };

export interface SandboxPoolOptions {
  /** Most threads at once; a run waits for a free one beyond that. */
  size: number;
  /** How long past a job's own limit its thread may stay silent before it is terminated. */
  graceMs: number;
}

const workerUrl = import.meta.url.endsWith('.ts')
  ? sourceWorkerUrl()
  : new URL('./sandbox-worker.js', import.meta.url);

/**
 * Run from source (tests, `node --import tsx`), the worker is TypeScript as well. Node 20 applies no
 * `--import` hooks to a worker's entry module, so the thread's entry is a two-line module of ours that
 * registers tsx and then imports the real entry.
 */
function sourceWorkerUrl(): URL {
  const tsx = JSON.stringify(import.meta.resolve('tsx/esm/api'));
  const entry = JSON.stringify(new URL('./sandbox-worker.ts', import.meta.url).href);
  const bootstrap = `const { register } = await import(${tsx});\nregister();\nawait import(${entry});`;
  return new URL(`data:text/javascript,${encodeURIComponent(bootstrap)}`);
}
/** The worker's own JavaScript heap (job text in and out); QuickJS's memory is a WebAssembly memory apart. */
const WORKER_HEAP_MB = 256;
const NO_LOGS: StepLogs = { lines: [], dropped: 0 };

/** A thread that stopped answering: it was terminated, exited, or threw outside a job. */
class ThreadLost extends Error {
  readonly outOfMemory: boolean;
  constructor(message: string, outOfMemory: boolean) {
    super(message);
    this.outOfMemory = outOfMemory;
  }
}

/** One worker thread and the job it is running. */
class SandboxThread {
  readonly #worker: Worker;
  #answer: ((reply: SandboxReply) => void) | undefined;
  #fail: ((err: ThreadLost) => void) | undefined;
  #lost: ThreadLost | undefined;

  private constructor(worker: Worker) {
    this.#worker = worker;
    worker.unref();
    worker.on('message', (reply: SandboxReply) => this.#answer?.(reply));
    worker.on('error', (err: Error & { code?: string }) =>
      this.#lose(new ThreadLost(err.message, err.code === 'ERR_WORKER_OUT_OF_MEMORY')),
    );
    worker.on('exit', (code) => this.#lose(new ThreadLost(`the sandbox thread exited (${code})`, false)));
  }

  /** Starts a thread; resolves once it has loaded QuickJS. */
  static start(): Promise<SandboxThread> {
    const worker = new Worker(workerUrl, {
      execArgv: [],
      // nothing of the host's environment (secrets, connection strings) is visible in the thread
      env: {},
      stdin: false,
      resourceLimits: { stackSizeMb: WORKER_STACK_MB, maxOldGenerationSizeMb: WORKER_HEAP_MB },
    });
    return new Promise((resolve, reject) => {
      const onReady = (message: SandboxReady) => {
        if (!message.ready) return;
        worker.off('error', reject);
        worker.off('message', onReady);
        resolve(new SandboxThread(worker));
      };
      worker.on('message', onReady);
      worker.once('error', reject);
    });
  }

  /** Sends a job; rejects with ThreadLost when the thread dies first. */
  send(job: SandboxJob): Promise<SandboxReply> {
    if (this.#lost) return Promise.reject(this.#lost);
    return new Promise((resolve, reject) => {
      this.#answer = (reply) => {
        if (reply.id !== job.id) return;
        this.#answer = undefined;
        this.#fail = undefined;
        resolve(reply);
      };
      this.#fail = reject;
      this.#worker.postMessage(job);
    });
  }

  terminate(): void {
    this.#lose(new ThreadLost('the sandbox thread was terminated', false));
    // its exit is not awaited: nothing of the thread is used again
    void this.#worker.terminate();
  }

  #lose(err: ThreadLost): void {
    this.#lost ??= err;
    this.#fail?.(this.#lost);
    this.#answer = undefined;
    this.#fail = undefined;
  }
}

/** Runs user code in worker threads, at most `size` at once. */
export class SandboxPool {
  readonly #options: SandboxPoolOptions;
  readonly #idle: SandboxThread[] = [];
  readonly #waiting: Array<() => void> = [];
  #threads = 0;
  #nextId = 1;

  constructor(options: SandboxPoolOptions) {
    this.#options = options;
  }

  /** How many threads are running or idle. */
  get threads(): number {
    return this.#threads;
  }

  /**
   * Runs the code on the items. Fails (rejects) only when `signal` aborts — with its reason — or when no
   * thread can be started; everything the code does wrong is a failed outcome.
   */
  async run(request: SandboxRun, signal?: AbortSignal): Promise<SandboxOutcome> {
    signal?.throwIfAborted();
    const thread = await this.#acquire(signal);
    if (signal?.aborted) {
      // aborted while a thread was starting
      this.#release(thread);
      throw signal.reason;
    }
    const job: SandboxJob = {
      id: this.#nextId++,
      code: request.code,
      itemsJson: JSON.stringify(request.items),
      timeoutMs: request.timeoutMs,
      memoryMb: request.memoryMb,
    };
    const limitMs = request.timeoutMs + this.#options.graceMs;
    let timer: NodeJS.Timeout | undefined;
    let onAbort: (() => void) | undefined;
    let reply: SandboxReply | 'silent';
    try {
      reply = await new Promise<SandboxReply | 'silent'>((resolve, reject) => {
        timer = setTimeout(() => resolve('silent'), limitMs);
        onAbort = () => reject(signal?.reason);
        signal?.addEventListener('abort', onAbort, { once: true });
        thread.send(job).then(resolve, reject);
      });
    } catch (err) {
      this.#discard(thread);
      if (err instanceof ThreadLost) {
        const failure: SandboxFailure = err.outOfMemory
          ? { kind: 'memory', message: `the code used more memory than the sandbox allows (${err.message})` }
          : { kind: 'sandbox', message: `the sandbox failed: ${err.message}` };
        return { ok: false, failure, logs: NO_LOGS };
      }
      throw err;
    } finally {
      clearTimeout(timer);
      if (onAbort) signal?.removeEventListener('abort', onAbort);
    }
    if (reply === 'silent') {
      // stuck where QuickJS's own deadline does not reach: the thread goes, a new one takes its place
      this.#discard(thread);
      const message = `the code did not finish within its time limit of ${request.timeoutMs} ms; it was stopped`;
      return { ok: false, failure: { kind: 'timeout', message }, logs: NO_LOGS };
    }
    if (reply.recycle) this.#discard(thread);
    else this.#release(thread);
    if (!reply.ok) return { ok: false, failure: reply.failure, logs: reply.logs };
    const items: unknown = JSON.parse(reply.itemsJson);
    if (!Array.isArray(items)) {
      // the guest reports an array; anything else means its realm was tampered with (its own loss)
      const failure: SandboxFailure = { kind: 'output', message: 'the code must return an array of items' };
      return { ok: false, failure, logs: reply.logs };
    }
    return { ok: true, items, logs: reply.logs };
  }

  /** Terminates every idle thread; running ones end with their jobs. */
  close(): void {
    for (const thread of this.#idle.splice(0)) {
      this.#threads--;
      thread.terminate();
    }
  }

  async #acquire(signal: AbortSignal | undefined): Promise<SandboxThread> {
    for (;;) {
      const idle = this.#idle.pop();
      if (idle) return idle;
      if (this.#threads < this.#options.size) {
        this.#threads++;
        try {
          return await SandboxThread.start();
        } catch (err) {
          this.#threads--;
          this.#wakeOne();
          throw err;
        }
      }
      await this.#turn(signal);
    }
  }

  /** Resolves when a thread is returned or a slot freed (rejects when `signal` aborts first). */
  #turn(signal: AbortSignal | undefined): Promise<void> {
    return new Promise((resolve, reject) => {
      const wake = () => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      };
      const onAbort = () => {
        const at = this.#waiting.indexOf(wake);
        if (at >= 0) this.#waiting.splice(at, 1);
        reject(signal?.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#waiting.push(wake);
    });
  }

  #wakeOne(): void {
    this.#waiting.shift()?.();
  }

  #release(thread: SandboxThread): void {
    this.#idle.push(thread);
    this.#wakeOne();
  }

  #discard(thread: SandboxThread): void {
    thread.terminate();
    this.#threads--;
    this.#wakeOne();
  }
}

let shared: SandboxPool | undefined;

/** The process's sandbox pool, made on first use: 2 to 4 threads by the machine's cores, 1 s of grace. */
export function codeSandbox(): SandboxPool {
  shared ??= new SandboxPool({ size: Math.max(2, Math.min(4, availableParallelism())), graceMs: 1000 });
  return shared;
}
