// The code node through its real sandbox (QuickJS in worker threads): results, console lines, errors, and the
// escape-and-limit suite — every way out of the sandbox or past its limits fails clearly or stays harmless.
import { FatalError } from '@tributary/flow';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { StepLogs } from '../define-node.js';
import { code } from './code.js';
import { runNode } from './test-context.js';

interface Ran {
  items: unknown[] | undefined;
  logs: StepLogs | undefined;
}

async function run(source: string, input: unknown = {}, config: Record<string, unknown> = {}): Promise<Ran> {
  let logs: StepLogs | undefined;
  const out = await runNode(code, { code: source, ...config }, input, {
    attachLogs: (printed) => {
      logs = printed;
    },
  });
  return { items: out.main, logs };
}

async function failure(source: string, input: unknown = {}, config: Record<string, unknown> = {}) {
  let logs: StepLogs | undefined;
  const started = performance.now();
  const error: unknown = await runNode(code, { code: source, ...config }, input, {
    attachLogs: (printed) => {
      logs = printed;
    },
  }).then(
    (out) => {
      throw new Error(`expected the code to fail, it returned ${JSON.stringify(out)}`);
    },
    (err: unknown) => err,
  );
  if (!(error instanceof FatalError)) throw error;
  return { error, logs, tookMs: performance.now() - started };
}

/** Every global of the guest is an ECMAScript built-in or the sandbox's console: nothing of the host. */
const STANDARD_GLOBALS = new Set(
  (
    'AggregateError Array ArrayBuffer BigInt BigInt64Array BigUint64Array Boolean DataView Date Error EvalError ' +
    'FinalizationRegistry Float16Array Float32Array Float64Array Function Infinity Int16Array Int32Array ' +
    'Int8Array InternalError Iterator JSON Map Math NaN Number Object Promise Proxy RangeError ReferenceError ' +
    'Reflect RegExp Set SharedArrayBuffer String Symbol SyntaxError TypeError URIError Uint16Array Uint32Array ' +
    'Uint8Array Uint8ClampedArray WeakMap WeakRef WeakSet decodeURI decodeURIComponent encodeURI ' +
    'encodeURIComponent escape eval globalThis isFinite isNaN parseFloat parseInt undefined unescape console'
  ).split(' '),
);

describe('code: results', () => {
  it('gets the input item as $json and as items[0], and emits the items it returns on main', async () => {
    const input = { price: 4, qty: 3, customer: { name: 'Ada' } };
    const { items } = await run(
      'const [first] = items;\nreturn [{ ...$json, total: $json.price * first.qty, count: items.length }];',
      input,
    );
    expect(items).toEqual([{ price: 4, qty: 3, customer: { name: 'Ada' }, total: 12, count: 1 }]);
    expect(input).toEqual({ price: 4, qty: 3, customer: { name: 'Ada' } });
  });

  it('awaits, returns several items or none, and any JSON value as an item', async () => {
    expect((await run('await null; return [1, "two", null, [3], { four: 4 }];')).items).toEqual([
      1,
      'two',
      null,
      [3],
      { four: 4 },
    ]);
    expect((await run('return [];')).items).toEqual([]);
  });

  it('keeps a "__proto__" key of the result as an ordinary field, changing no prototype in the host', async () => {
    const { items } = await run('return [JSON.parse(\'{"__proto__": {"polluted": true}, "a": 1}\')];');
    const [item] = items ?? [];
    expect(Object.getPrototypeOf(item)).toBe(Object.prototype);
    expect(Object.hasOwn(item as object, '__proto__')).toBe(true);
    expect(({} as { polluted?: unknown }).polluted).toBeUndefined();
  });
});

describe('code: console', () => {
  it('keeps console lines with their level, objects rendered briefly', async () => {
    const { logs } = await run(
      'console.log("total", 12, { a: [1, 2], b: "x" });\nconsole.warn("low stock");\n' +
        'console.error(new TypeError("bad sku"));\nconsole.info(null, undefined, true);\nreturn [];',
    );
    expect(logs?.dropped).toBe(0);
    expect(logs?.lines.map((l) => l.level)).toEqual(['log', 'warn', 'error', 'info']);
    expect(logs?.lines[0]?.text).toBe('total 12 {a: [1, 2], b: "x"}');
    expect(logs?.lines[1]?.text).toBe('low stock');
    expect(logs?.lines[2]?.text).toMatch(/^TypeError: bad sku/);
    expect(logs?.lines[3]?.text).toBe('null undefined true');
  });

  it('keeps 100 lines and counts the rest', async () => {
    const { logs } = await run('for (let i = 0; i < 250; i++) console.log("line", i); return [];');
    expect(logs?.lines).toHaveLength(100);
    expect(logs?.lines.at(-1)?.text).toBe('line 99');
    expect(logs?.dropped).toBe(150);
  });

  it('keeps 16 KB of text, cutting a line longer than 2000 characters', async () => {
    const { logs } = await run('for (let i = 0; i < 20; i++) console.log("x".repeat(5000)); return [];');
    const chars = (logs?.lines ?? []).reduce((sum, l) => sum + l.text.length, 0);
    expect(chars).toBeLessThanOrEqual(16 * 1024);
    expect(logs?.lines[0]?.text).toHaveLength(2000);
    expect(logs?.lines[0]?.text.endsWith('…')).toBe(true);
    expect(logs?.dropped).toBe(20 - (logs?.lines.length ?? 0));
    expect(logs?.dropped).toBeGreaterThan(0);
  });

  it('renders cycles and deep or long values without failing', async () => {
    const { logs } = await run(
      'const a = { name: "a" }; a.self = a; let deep = {}; for (let i = 0; i < 10000; i++) deep = { deep };\n' +
        'console.log(a, deep, Array.from({ length: 60 }, (_, i) => i).length, [..."x".repeat(60)]);\nreturn [];',
    );
    expect(logs?.lines[0]?.text).toContain('self: [Circular]');
    expect(logs?.lines[0]?.text).toContain('[Object]');
    expect(logs?.lines[0]?.text).toContain('… 10 more');
  });

  it('keeps the lines printed before the code failed', async () => {
    const { error, logs } = await failure('console.log("about to fail");\nthrow new Error("nope");');
    expect(error.code).toBe('code_error');
    expect(logs?.lines).toEqual([{ level: 'log', text: 'about to fail' }]);
  });
});

describe('code: errors', () => {
  it('fails with the error the code threw, its message and line, not retried', async () => {
    const { error } = await failure('const a = 1;\n\nthrow new RangeError("bad amount " + a);');
    expect(error).toBeInstanceOf(FatalError);
    expect(error.code).toBe('code_error');
    expect(error.message).toBe('RangeError: bad amount 1 (line 3)');
  });

  it('names the line of an error raised by the runtime inside a nested function', async () => {
    const { error } = await failure(
      'function total(order) {\n  return order.lines.length;\n}\nreturn [total($json)];',
    );
    expect(error.message).toMatch(/^TypeError: .* \(line 2\)$/);
  });

  it('fails with a syntax error and its line', async () => {
    const { error } = await failure('const a = 1;\nconst b = ;\nreturn [a];');
    expect(error.code).toBe('code_error');
    expect(error.message).toMatch(/^SyntaxError: .* \(line 2\)$/);
  });

  it('describes a thrown value that is not an Error', async () => {
    const { error } = await failure('throw { reason: "out of stock" };');
    expect(error.message).toContain('the code threw {reason: "out of stock"}');
  });
});

describe('code: output validation', () => {
  it.each([
    ['an object', 'return { a: 1 };', 'the code must return an array of items, not an object'],
    ['nothing', 'const a = 1;', 'the code must return an array of items, not undefined'],
    ['a number', 'return 42;', 'the code must return an array of items, not a number'],
    ['undefined inside', 'return [{ a: undefined }];', 'result[0].a is undefined, which JSON cannot hold'],
    ['NaN', 'return [{ ratio: 0 / 0 }];', 'result[0].ratio is NaN, which JSON cannot hold'],
    ['a function', 'return [{ f() {} }];', 'result[0].f is a function, which JSON cannot hold'],
    ['a BigInt', 'return [{ id: 10n }];', 'result[0].id is a bigint, which JSON cannot hold'],
    ['a Date', 'return [{ at: new Date(0) }];', 'result[0].at is a Date: return plain objects'],
    ['a Map', 'return [new Map()];', 'result[0] is a Map: return plain objects'],
    ['a cycle', 'const a = {}; a.a = a; return [a];', 'nested deeper than 100 levels (or contains itself)'],
    ['a hole', 'return [1, , 3];', 'result[1] is undefined'],
  ])('refuses %s with a clear error', async (_, source, message) => {
    const { error } = await failure(source);
    expect(error.code).toBe('code_output');
    expect(error.message).toContain(message);
  });

  it('refuses more than 1000 items', async () => {
    const { error } = await failure('return Array.from({ length: 1001 }, (_, i) => i);');
    expect(error.code).toBe('code_output');
    expect(error.message).toBe('the code returned 1001 items; at most 1000 are allowed');
  });
});

describe('code: escapes', () => {
  it('has no process, require, timers, network, files or WebAssembly: only ECMAScript built-ins and console', async () => {
    const { items } = await run(
      'return [Object.getOwnPropertyNames(globalThis), [typeof process, typeof require, typeof module, ' +
        'typeof setTimeout, typeof setInterval, typeof queueMicrotask, typeof fetch, typeof WebAssembly, ' +
        'typeof std, typeof os, typeof Deno, typeof Bun, typeof print]];',
    );
    const [names, kinds] = items as [string[], string[]];
    expect(names.filter((name) => !STANDARD_GLOBALS.has(name))).toEqual([]);
    expect(new Set(kinds)).toEqual(new Set(['undefined']));
  });

  it('refuses import() of a module: there is no loader', async () => {
    const { error } = await failure('const fs = await import("node:fs");\nreturn [Object.keys(fs)];');
    expect(error.code).toBe('code_error');
    expect(error.message).not.toMatch(/readFile/);
  });

  it('reaches only QuickJS’s own Function and global through constructor chains', async () => {
    const { items } = await run(
      'const F = (() => {}).constructor.constructor;\nconst AsyncF = (async () => {}).constructor;\n' +
        'const g = F("return this")();\nconst viaConsole = console.log.constructor.constructor("return this")();\n' +
        'return [g === globalThis, viaConsole === globalThis, F === Function, typeof g.process, ' +
        'await AsyncF("return typeof process + typeof require")(), ' +
        '[].constructor.constructor("return typeof globalThis.process")(), ' +
        'Object.getOwnPropertyNames(Object.getPrototypeOf(F("return this")())).length > 0];',
    );
    expect(items).toEqual([true, true, true, 'undefined', 'undefinedundefined', 'undefined', true]);
  });

  it('fails a Function-made escape attempt with a clear error', async () => {
    const { error } = await failure('return [globalThis.constructor.constructor("return process")().env];');
    expect(error.code).toBe('code_error');
    expect(error.message).toContain("'process' is not defined");
  });

  it('gives Error.prepareStackTrace no hook: errors keep their message and line', async () => {
    const { error } = await failure(
      'Error.prepareStackTrace = (err, frames) => { throw new Error("hook ran"); };\n' +
        'Error.captureStackTrace = () => { throw new Error("hook ran"); };\nnull.boom;',
    );
    expect(error.code).toBe('code_error');
    expect(error.message).toMatch(/^TypeError: .* \(line 3\)$/);
  });

  it('keeps one step’s changes to globals and prototypes from every later step', async () => {
    await run(
      'Object.prototype.polluted = "yes"; Array.prototype.map = () => "hijacked"; JSON.stringify = () => "[]";\n' +
        'globalThis.leaked = 42; console.log = () => {}; return [{}];',
    );
    // several later steps, so every thread of the pool runs one after the change
    for (let i = 0; i < 6; i++) {
      const { items, logs } = await run(
        'console.log("still here");\nreturn [{ polluted: ({}).polluted ?? null, leaked: typeof leaked, ' +
          'mapped: [1].map((x) => x + 1), json: JSON.stringify({ a: 1 }) }];',
      );
      expect(items).toEqual([{ polluted: null, leaked: 'undefined', mapped: [2], json: '{"a":1}' }]);
      expect(logs?.lines).toEqual([{ level: 'log', text: 'still here' }]);
    }
    expect(({} as { polluted?: unknown }).polluted).toBeUndefined();
  });
});

describe('code: limits', () => {
  it('stops an endless loop at its time limit', async () => {
    const { error, tookMs } = await failure('for (;;) {}', {}, { timeoutMs: 300 });
    expect(error.code).toBe('code_timeout');
    expect(error.message).toBe('the code ran longer than its time limit of 300 ms');
    // generous: a loaded machine may start a thread slowly; an unstopped loop would never end
    expect(tookMs).toBeLessThan(5_000);
  });

  it('stops catastrophic backtracking in a regular expression at the time limit', async () => {
    const { error } = await failure('return [/(a+)+$/.test("a".repeat(40) + "b")];', {}, { timeoutMs: 300 });
    expect(error.code).toBe('code_timeout');
  });

  it('fails at once on a promise that can never settle', async () => {
    const { error, tookMs } = await failure(
      'await new Promise(() => {});\nreturn [];',
      {},
      { timeoutMs: 20_000 },
    );
    expect(error.code).toBe('code_never_settles');
    expect(tookMs).toBeLessThan(5_000);
  });

  it('stops a flood of promise jobs at the time limit', async () => {
    const { error } = await failure(
      '(function again() { Promise.resolve().then(again); })();\nawait new Promise(() => {});',
      {},
      { timeoutMs: 300 },
    );
    expect(error.code).toBe('code_timeout');
    const awaits = await failure('for (;;) await null;', {}, { timeoutMs: 300 });
    expect(awaits.error.code).toBe('code_timeout');
  });

  it('drops promise jobs still queued when the code returns', async () => {
    const started = performance.now();
    const { items } = await run('(function again() { Promise.resolve().then(again); })();\nreturn ["done"];');
    expect(items).toEqual(['done']);
    expect(performance.now() - started).toBeLessThan(2_000);
  });

  it.each([
    ['many small strings', 'const kept = [];\nfor (;;) kept.push("x".repeat(1000) + kept.length);'],
    ['many objects', 'const kept = [];\nfor (;;) kept.push({ n: kept.length });'],
    ['large strings', 'const kept = [];\nfor (;;) kept.push("y".repeat(1 << 20) + kept.length);'],
    ['typed arrays', 'const kept = [];\nfor (;;) kept.push(new Uint8Array(1 << 20));'],
    ['one huge buffer', 'return [new ArrayBuffer(1 << 30).byteLength];'],
    ['a doubling string', 'let s = "ab";\nfor (;;) s = s + s + "";\nreturn [s.length];'],
  ])('stops %s at the memory limit', async (_, source) => {
    const { error } = await failure(source, {}, { memoryMb: 16, timeoutMs: 10_000 });
    expect(['code_memory', 'code_error']).toContain(error.code);
    // a string past QuickJS's longest (2^30 characters) fails as too long before it fails as too large
    if (error.code === 'code_error') expect(error.message).toMatch(/invalid string length|string too long/);
    else expect(error.message).toContain('memory limit of 16 MB');
  });

  it('fails deep recursion with a stack overflow and its line', async () => {
    const { error } = await failure('function down(n) {\n  return down(n + 1) + 1;\n}\nreturn [down(0)];');
    expect(error.code).toBe('code_stack_overflow');
    expect(error.message).toBe('the code recursed too deeply (stack overflow) (line 2)');
  });

  it('fails deep nesting in a native call (JSON.parse) with a clear error', async () => {
    const { error } = await failure('return [JSON.parse("[".repeat(100000))];');
    expect(['code_error', 'code_stack_overflow']).toContain(error.code);
    expect(error.message).toMatch(/stack overflow/);
  });

  it('runs normally after each kind of failure', async () => {
    await failure('for (;;) {}', {}, { timeoutMs: 100 });
    await failure('const kept = [];\nfor (;;) kept.push({ n: kept.length });', {}, { memoryMb: 8 });
    expect((await run('return [$json.n + 1];', { n: 1 })).items).toEqual([2]);
  });
});

describe('code: config', () => {
  it('has a 5 s time limit and 32 MB of memory by default', () => {
    expect(code.config.parse({ code: 'return [];' })).toEqual({
      code: 'return [];',
      timeoutMs: 5_000,
      memoryMb: 32,
    });
  });

  it('refuses empty code, limits out of range and unknown fields', () => {
    for (const config of [
      { code: '' },
      { code: 'return [];', timeoutMs: 30_001 },
      { code: 'return [];', timeoutMs: 5 },
      { code: 'return [];', memoryMb: 129 },
      { code: 'return [];', memoryMb: 4 },
      { code: 'return [];', memoryMb: 1.5 },
      { code: 'return [];', language: 'python' },
    ]) {
      expect(code.config.safeParse(config).success, JSON.stringify(config)).toBe(false);
    }
  });

  it('works at the highest limits validation accepts', async () => {
    const { items } = await run(
      'const big = "z".repeat(64 * 1024 * 1024);\nreturn [big.length];',
      {},
      { memoryMb: 128, timeoutMs: 30_000 },
    );
    expect(items).toEqual([64 * 1024 * 1024]);
  });

  it('is not pure: the engine never runs it inline at ingest', () => {
    expect(code.traits.pure).toBe(false);
  });

  it('keeps its JSON Schema for the editor', () => {
    expect(z.toJSONSchema(code.config, { io: 'input' })).toMatchSnapshot();
  });
});
