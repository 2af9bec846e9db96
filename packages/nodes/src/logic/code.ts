// The code node: runs the flow's own JavaScript on the item, in a QuickJS sandbox in a worker thread.
import { FatalError, RetryableError } from '@tributary/flow';
import { z } from 'zod';
import { defineNode } from '../define-node.js';
import type { SandboxFailure } from '../sandbox/protocol.js';
import {
  MAX_LOG_CHARS,
  MAX_LOG_LINES,
  MAX_OUTPUT_CHARS,
  MAX_OUTPUT_DEPTH,
  MAX_OUTPUT_ITEMS,
} from '../sandbox/protocol.js';
import { codeSandbox } from '../sandbox/sandbox-pool.js';

/** Longest time limit the code may ask for (the step's own default limit is 30 s). */
export const MAX_CODE_TIMEOUT_MS = 30_000;
/** Largest memory limit the code may ask for. */
export const MAX_CODE_MEMORY_MB = 128;

const codeConfig = z.strictObject({
  code: z
    .string()
    .min(1)
    .max(100_000)
    .describe(
      'JavaScript: the body of an async function that gets `items` (the input items: here always the one ' +
        'input item) and `$json` (that item) and returns an array of items, e.g. ' +
        '`return [{ ...$json, total: $json.price * $json.qty }]`. Strict mode; `await` works; console.log, ' +
        'info, warn and error lines are kept on the step. Like every text field, `{{ }}` is an expression: ' +
        'write `\\{{` for a literal `{{`.',
    ),
  timeoutMs: z
    .number()
    .int()
    .min(10)
    .max(MAX_CODE_TIMEOUT_MS)
    .default(5_000)
    .describe(
      `Time limit of the code in ms, 10 to ${MAX_CODE_TIMEOUT_MS}; the step's own time limit applies as well`,
    ),
  memoryMb: z
    .number()
    .int()
    .min(8)
    .max(MAX_CODE_MEMORY_MB)
    .default(32)
    .describe(
      `Memory limit of the code in MB, 8 to ${MAX_CODE_MEMORY_MB}: everything it allocates, its input and result included`,
    ),
});

/** Runs JavaScript on the item in a sandbox and emits the items it returns. */
export const code = defineNode({
  type: 'logic.code',
  version: 1,
  category: 'logic',
  title: 'Code',
  description:
    'Runs JavaScript on the item and emits the items it returns. The code runs in a QuickJS sandbox in a ' +
    'worker thread, fresh for every step: ECMAScript built-ins (JSON, Math, Date, RegExp, Map, Promise, …) ' +
    'and console, but no require, import, process, timers, files or network, and no object of the server — ' +
    'JSON in, JSON out. A time limit (checked inside QuickJS, and the thread is ' +
    'stopped from outside if it does not answer) and a memory limit apply. Console lines are kept on the ' +
    `step, at most ${MAX_LOG_LINES} lines and ${MAX_LOG_CHARS / 1024} KB (the rest is counted). Errors the ` +
    'code throws fail the step with their message and line and are not retried.',
  icon: 'code',
  config: codeConfig,
  outputDescription:
    `The items the code returns, on \`main\`, each running the following nodes once (at most ${MAX_OUTPUT_ITEMS} ` +
    `items, ${MAX_OUTPUT_CHARS / 1024 / 1024} MB of JSON, nested at most ${MAX_OUTPUT_DEPTH} deep). Each ` +
    'item must be JSON: plain objects, arrays, strings, finite numbers, booleans, null. An empty array ends ' +
    'the branch.',
  run: async (ctx, input) => {
    const { config } = ctx;
    const outcome = await codeSandbox().run(
      { code: config.code, items: [input], timeoutMs: config.timeoutMs, memoryMb: config.memoryMb },
      ctx.signal,
    );
    if (outcome.logs.lines.length > 0 || outcome.logs.dropped > 0) ctx.attachLogs(outcome.logs);
    if (!outcome.ok) throw failureError(outcome.failure);
    return { main: outcome.items };
  },
});

/** The step error for a failed run: the code's own faults are fatal (they would fail again the same way). */
function failureError(failure: SandboxFailure): Error {
  switch (failure.kind) {
    case 'thrown':
      return new FatalError(failure.message, { code: 'code_error' });
    case 'timeout':
      return new FatalError(failure.message, { code: 'code_timeout' });
    case 'memory':
      return new FatalError(failure.message, { code: 'code_memory' });
    case 'stack':
      return new FatalError(failure.message, { code: 'code_stack_overflow' });
    case 'output':
      return new FatalError(failure.message, { code: 'code_output' });
    case 'never_settles':
      return new FatalError(failure.message, { code: 'code_never_settles' });
    case 'sandbox':
      // the sandbox's own trouble (a thread that could not start or died), not the code's
      return new RetryableError(failure.message, { code: 'sandbox_failed' });
  }
}
