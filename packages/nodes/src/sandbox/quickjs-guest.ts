// One run of user code in a fresh QuickJS instance (inside a sandbox worker thread): its own WebAssembly
// memory sized to the job's limit, a deadline checked by QuickJS's interrupt handler, JSON text in and out.
import { createRequire } from 'node:module';
import type { QuickJSContext, QuickJSHandle } from 'quickjs-emscripten-core';
import { newQuickJSWASMModuleFromVariant, newVariant } from 'quickjs-emscripten-core';
import type { LogLine, StepLogs } from '../define-node.js';
import { GUEST_PRELUDE, USER_FILE, userFunctionSource } from './guest-prelude.js';
import type { SandboxFailure, SandboxJob, SandboxReply } from './protocol.js';
import {
  GUEST_STACK_BYTES,
  MAX_LOG_CHARS,
  MAX_LOG_LINE_CHARS,
  MAX_LOG_LINES,
  MAX_OUTPUT_CHARS,
} from './protocol.js';

// the variant's types describe its CommonJS build (the variant under `default`); requiring that build keeps
// what runs and what is typed the same
const { default: variant } = createRequire(import.meta.url)(
  '@jitl/quickjs-wasmfile-release-sync',
) as typeof import('@jitl/quickjs-wasmfile-release-sync');
const PAGE_BYTES = 64 * 1024;
const MB = 1024 * 1024;
/** What QuickJS's build needs before the guest allocates anything (its INITIAL_MEMORY: code, data, stack). */
const BASE_PAGES = (16 * MB) / PAGE_BYTES;
/** Promise jobs run between two looks at the deadline and at the code's promise. */
const JOB_BATCH = 1000;
const LEVELS: ReadonlySet<string> = new Set<LogLine['level']>(['debug', 'info', 'log', 'warn', 'error']);

/** Console lines of one run, capped by line count and total size. */
class LogCollector {
  readonly lines: LogLine[] = [];
  dropped = 0;
  #chars = 0;

  add(level: string, text: string): void {
    const line = text.length > MAX_LOG_LINE_CHARS ? `${text.slice(0, MAX_LOG_LINE_CHARS - 1)}…` : text;
    if (this.lines.length >= MAX_LOG_LINES || this.#chars + line.length > MAX_LOG_CHARS) {
      this.dropped++;
      return;
    }
    this.#chars += line.length;
    // the guest's console passes one of LEVELS; anything else is kept as a plain log line
    this.lines.push({ level: LEVELS.has(level) ? (level as LogLine['level']) : 'log', text: line });
  }

  get logs(): StepLogs {
    return { lines: this.lines, dropped: this.dropped };
  }
}

/** What the guest's runner reported, once. */
type Report = { kind: 'ok'; json: string } | { kind: 'thrown' | 'output'; text: string };

/**
 * Runs one job in a QuickJS instance of its own, made from the worker's compiled module: nothing of one job
 * (globals, prototypes, leftover promise jobs, memory) is there for the next. The instance is dropped, not
 * disposed, afterwards — its whole memory goes with it. `recycle` asks the pool for a new worker when the
 * host side of this thread saw an exception (a V8 stack overflow inside QuickJS, a WebAssembly trap).
 */
export async function runJob(job: SandboxJob, wasmModule: WebAssembly.Module): Promise<SandboxReply> {
  const logs = new LogCollector();
  try {
    const outcome = await evaluate(job, wasmModule, logs);
    if (outcome.kind === 'ok')
      return { id: job.id, ok: true, itemsJson: outcome.json, logs: logs.logs, recycle: false };
    return { id: job.id, ok: false, failure: outcome, logs: logs.logs, recycle: false };
  } catch (err) {
    // thrown by the host side, not the guest: V8's own stack ran out below QuickJS's limit (JSON.stringify of
    // a deeply nested value recurses natively), or the instance trapped
    const failure: SandboxFailure =
      err instanceof RangeError
        ? { kind: 'stack', message: 'the code nested or recursed too deeply (stack overflow)' }
        : {
            kind: 'sandbox',
            message: `the sandbox failed: ${err instanceof Error ? err.message : String(err)}`,
          };
    return { id: job.id, ok: false, failure, logs: logs.logs, recycle: true };
  }
}

async function evaluate(
  job: SandboxJob,
  wasmModule: WebAssembly.Module,
  logs: LogCollector,
): Promise<{ kind: 'ok'; json: string } | SandboxFailure> {
  // the WebAssembly memory cannot grow past the job's limit: an allocation beyond it fails inside QuickJS
  // ("out of memory"). QuickJS's own limit is set too, but its build here counts only the size of each
  // allocation, not their sum, so the memory's maximum is what bounds the total.
  const memory = new WebAssembly.Memory({ initial: BASE_PAGES, maximum: BASE_PAGES + job.memoryMb * 16 });
  // QuickJS may have no memory left to build its "out of memory" error and throw null instead: a refused
  // growth of the memory is what tells that case apart from code that throws null itself
  let exhausted = false;
  const grow = memory.grow.bind(memory);
  memory.grow = (delta: number) => {
    try {
      return grow(delta);
    } catch (err) {
      exhausted = true;
      throw err;
    }
  };
  const quickjs = await newQuickJSWASMModuleFromVariant(
    newVariant(variant, { wasmModule, wasmMemory: memory }),
  );
  const runtime = quickjs.newRuntime();
  runtime.setMemoryLimit(job.memoryMb * MB);
  runtime.setMaxStackSize(GUEST_STACK_BYTES);
  let deadline = Number.POSITIVE_INFINITY;
  let timedOut = false;
  runtime.setInterruptHandler(() => {
    if (Date.now() < deadline) return false;
    timedOut = true;
    return true;
  });
  const context = runtime.newContext();
  let report: Report | undefined;
  const reportFn = context.newFunction('report', (kind, text) => {
    if (report || !kind || !text) return;
    const k = context.getString(kind);
    const t = context.getString(text);
    if (k === 'ok') report = { kind: 'ok', json: t };
    else if (k === 'thrown' || k === 'output') report = { kind: k, text: t };
  });
  const printFn = context.newFunction('print', (level, text) => {
    if (level && text) logs.add(context.getString(level), context.getString(text));
  });
  const timeout = (): SandboxFailure => ({
    kind: 'timeout',
    message: `the code ran longer than its time limit of ${job.timeoutMs} ms`,
  });

  deadline = Date.now() + job.timeoutMs;
  const prelude = context.unwrapResult(context.evalCode(GUEST_PRELUDE, 'sandbox.js', { type: 'global' }));
  const run = context.unwrapResult(context.callFunction(prelude, context.undefined, reportFn, printFn));
  const compiled = context.evalCode(userFunctionSource(job.code), USER_FILE, { type: 'global' });
  const failed = (error: QuickJSHandle) =>
    timedOut ? timeout() : thrown(readError(context, error), job, exhausted);
  if (compiled.error) return failed(compiled.error);
  const items = context.newString(job.itemsJson);
  const started = context.callFunction(run, context.undefined, compiled.value, items);
  if (started.error) return failed(started.error);
  const promise = started.value;

  while (!report) {
    if (context.getPromiseState(promise).type !== 'pending') break;
    if (timedOut || Date.now() >= deadline) return timeout();
    const ran = runtime.executePendingJobs(JOB_BATCH);
    // a promise job cannot throw in JavaScript terms: only an interrupt or running out of memory gets here
    if (ran.error) return failed(ran.error);
    if (ran.value === 0 && !report && context.getPromiseState(promise).type === 'pending') {
      return {
        kind: 'never_settles',
        message:
          'the code awaits a promise that nothing can settle (the sandbox has no timers, network or files)',
      };
    }
  }
  if (!report) {
    // the runner reports before it returns; it ended without a report only when aborted inside (out of memory)
    const state = context.getPromiseState(promise);
    if (state.type === 'rejected') return failed(state.error);
    return { kind: 'sandbox', message: 'the code ended without a result' };
  }
  if (report.kind === 'ok') {
    if (report.json.length > MAX_OUTPUT_CHARS) {
      return {
        kind: 'output',
        message: `the result is ${report.json.length} characters of JSON; at most ${MAX_OUTPUT_CHARS} are allowed`,
      };
    }
    return report;
  }
  // an interrupt inside an async function reaches the runner as a rejection like any other: what the code
  // did after its deadline does not count
  if (timedOut) return timeout();
  if (report.kind === 'output') return { kind: 'output', message: report.text };
  return thrown(parseThrown(report.text), job, exhausted);
}

interface GuestError {
  name: string;
  message: string;
  line?: number | undefined;
  /** False when the code threw something other than an error object (a string, null). */
  isError: boolean;
}

/**
 * A failure for an error the guest threw, telling QuickJS's own resource errors apart. `exhausted`: the
 * memory reached its maximum during the run.
 */
function thrown(error: GuestError, job: SandboxJob, exhausted: boolean): SandboxFailure {
  const where = error.line === undefined ? '' : ` (line ${error.line})`;
  // QuickJS raises these as InternalError with fixed messages and no code: the message is all there is
  const outOfMemory = error.name === 'InternalError' && error.message === 'out of memory';
  if (outOfMemory || (exhausted && !error.isError)) {
    return {
      kind: 'memory',
      message: `the code used more than its memory limit of ${job.memoryMb} MB${where}`,
    };
  }
  if (error.name === 'InternalError' && error.message === 'stack overflow') {
    return {
      kind: 'stack',
      message: `the code recursed too deeply (stack overflow)${where}`,
      line: error.line,
    };
  }
  return { kind: 'thrown', message: `${error.name}: ${error.message}${where}`, line: error.line };
}

function parseThrown(text: string): GuestError {
  const value: unknown = JSON.parse(text);
  // the guest's runner reports an object; its fields are checked one by one below
  const record = typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
  return {
    name: typeof record.name === 'string' ? record.name : 'Error',
    message: typeof record.message === 'string' ? record.message : 'the code threw',
    line: typeof record.line === 'number' ? record.line : undefined,
    isError: record.isError === true,
  };
}

const USER_LINE = new RegExp(`${USER_FILE.replace('.', '\\.')}:(\\d+)`);

/**
 * Reads name, message and line of an error the guest raised outside the runner (a syntax error, running out
 * of memory where the runner could not catch it). Only strings are read: other fields count as missing.
 */
function readError(context: QuickJSContext, error: QuickJSHandle): GuestError {
  const kind = context.typeof(error);
  if (kind === 'string') return { name: 'Error', message: context.getString(error), isError: false };
  if (kind !== 'object' || context.sameValue(error, context.null)) {
    return { name: 'Error', message: `the code threw ${kind === 'object' ? 'null' : kind}`, isError: false };
  }
  const text = (key: string): string | undefined => {
    const field = context.getProp(error, key);
    return context.typeof(field) === 'string' ? context.getString(field) : undefined;
  };
  const line = USER_LINE.exec(text('stack') ?? '')?.[1];
  return {
    name: text('name') ?? 'Error',
    message: text('message') ?? 'the code threw',
    line: line === undefined ? undefined : Number(line),
    isError: true,
  };
}
