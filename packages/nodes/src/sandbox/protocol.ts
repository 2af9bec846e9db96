// What the host and a sandbox worker thread say to each other (JSON-safe only), and the sandbox's fixed limits.
import type { StepLogs } from '../define-node.js';

/** Most console lines kept per step; later lines are counted in `dropped`. */
export const MAX_LOG_LINES = 100;
/** Most console text kept per step (characters, all lines together). */
export const MAX_LOG_CHARS = 16 * 1024;
/** Longest console line kept whole; a longer one is cut and ends with "…". */
export const MAX_LOG_LINE_CHARS = 2000;
/** Most items the code may return. */
export const MAX_OUTPUT_ITEMS = 1000;
/** Largest output, as JSON text (characters). */
export const MAX_OUTPUT_CHARS = 8 * 1024 * 1024;
/** Deepest nesting of objects and arrays in the output. */
export const MAX_OUTPUT_DEPTH = 100;
/** QuickJS's own stack limit: deep recursion fails with "stack overflow" well before the thread's stack. */
export const GUEST_STACK_BYTES = 512 * 1024;
/** The worker thread's stack (V8's `stackSizeMb`): room for the guest stack above and the host frames. */
export const WORKER_STACK_MB = 4;

/** One run of user code, sent to a worker. */
export interface SandboxJob {
  id: number;
  code: string;
  /** The input items as JSON text: parsed inside the guest. */
  itemsJson: string;
  timeoutMs: number;
  memoryMb: number;
}

/** How a run of user code failed. */
export type SandboxFailureKind =
  /** The code threw (or did not compile): its message and line. */
  | 'thrown'
  /** The code ran past its time limit. */
  | 'timeout'
  /** The code used more memory than its limit. */
  | 'memory'
  /** The code recursed or nested too deep for the guest's stack. */
  | 'stack'
  /** The code returned something other than a list of JSON items. */
  | 'output'
  /** The code awaited a promise nothing can ever settle (there are no timers or I/O in the sandbox). */
  | 'never_settles'
  /** The sandbox itself failed (a bug here, not in the code). */
  | 'sandbox';

/** A failure as the worker reports it. */
export interface SandboxFailure {
  kind: SandboxFailureKind;
  message: string;
  /** The line of the user's code the error points at, when known. */
  line?: number | undefined;
}

/** The worker's answer to a job. */
export type SandboxReply =
  | { id: number; ok: true; itemsJson: string; logs: StepLogs; recycle: boolean }
  | { id: number; ok: false; failure: SandboxFailure; logs: StepLogs; recycle: boolean };

/** The first message of a worker: it has loaded QuickJS and takes jobs. */
export interface SandboxReady {
  ready: true;
}
