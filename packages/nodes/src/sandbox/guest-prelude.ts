// The JavaScript the sandbox evaluates inside QuickJS before the user's code: console, the runner that calls
// the user's function, and the checks of what it returns. It runs in the guest, never in Node.
import { MAX_OUTPUT_DEPTH, MAX_OUTPUT_ITEMS } from './protocol.js';

/** The file name the user's code is compiled under: error lines are read from stack frames naming it. */
export const USER_FILE = 'code.js';

/**
 * Evaluates to a function `(report, print) => run`. `report(kind, text)` and `print(level, text)` are the
 * only host functions the guest ever gets; they stay in this closure, so the user's code cannot call them.
 * `run(fn, itemsJson)` parses the items, awaits `fn(items, items[0])` and reports exactly once: `ok` with
 * the items as JSON, `thrown` with `{ name, message, line, isError }` as JSON, or `output` with what is wrong with
 * the result. What the user's code changes in this realm (its globals, the prototypes) can only spoil its
 * own result: the host takes nothing from the guest but these strings, and checks the items again.
 */
export const GUEST_PRELUDE = `(function (report, print) {
  'use strict';
  const parse = JSON.parse;
  const stringify = JSON.stringify;
  const isArray = Array.isArray;
  const keys = Object.keys;
  const getPrototypeOf = Object.getPrototypeOf;
  const objectPrototype = Object.prototype;
  const isFinite = Number.isFinite;
  const ErrorClass = Error;
  const identifier = /^[A-Za-z_$][A-Za-z0-9_$]*$/;
  const userFrame = /${USER_FILE.replace('.', '\\.')}:(\\d+)/;

  function fieldPath(path, key) {
    return identifier.test(key) ? path + '.' + key : path + '[' + stringify(key) + ']';
  }

  function kindOf(value) {
    if (value === null) return 'null';
    if (isArray(value)) return 'an array';
    if (typeof value === 'object') {
      const proto = getPrototypeOf(value);
      const name = proto && typeof proto.constructor === 'function' ? proto.constructor.name : '';
      return name && proto !== objectPrototype ? 'a ' + name : 'an object';
    }
    if (typeof value === 'undefined') return 'undefined';
    return 'a ' + typeof value;
  }

  // a short, bounded rendering for console lines: depth 4, 50 entries, cycles marked
  function inspect(value, depth, seen) {
    if (typeof value === 'string') return depth === 0 ? value : stringify(value);
    if (typeof value === 'bigint') return String(value) + 'n';
    if (typeof value === 'function') return '[Function' + (value.name ? ': ' + value.name : '') + ']';
    if (typeof value !== 'object' || value === null) return String(value);
    if (value instanceof ErrorClass) {
      return String(value.name) + ': ' + String(value.message) + (depth === 0 && value.stack ? '\\n' + value.stack : '');
    }
    if (seen.indexOf(value) >= 0) return '[Circular]';
    if (depth >= 4) return isArray(value) ? '[Array]' : '[Object]';
    seen.push(value);
    const parts = [];
    if (isArray(value)) {
      for (let i = 0; i < value.length && i < 50; i++) parts.push(inspect(value[i], depth + 1, seen));
      if (value.length > 50) parts.push('… ' + (value.length - 50) + ' more');
      seen.pop();
      return '[' + parts.join(', ') + ']';
    }
    const names = keys(value);
    for (let i = 0; i < names.length && i < 50; i++) {
      const key = names[i];
      parts.push((identifier.test(key) ? key : stringify(key)) + ': ' + inspect(value[key], depth + 1, seen));
    }
    if (names.length > 50) parts.push('… ' + (names.length - 50) + ' more');
    seen.pop();
    return '{' + parts.join(', ') + '}';
  }

  function line(args) {
    const parts = [];
    for (let i = 0; i < args.length; i++) {
      try {
        parts.push(inspect(args[i], 0, []));
      } catch (err) {
        parts.push('[unprintable]');
      }
    }
    return parts.join(' ');
  }

  const console = {};
  for (const level of ['debug', 'info', 'log', 'warn', 'error']) {
    console[level] = function () {
      print(level, line(arguments));
    };
  }
  globalThis.console = console;

  function problemIn(value, path, depth) {
    if (value === null || typeof value === 'string' || typeof value === 'boolean') return undefined;
    if (typeof value === 'number') {
      return isFinite(value) ? undefined : path + ' is ' + String(value) + ', which JSON cannot hold';
    }
    if (typeof value !== 'object') return path + ' is ' + kindOf(value) + ', which JSON cannot hold';
    if (depth >= ${MAX_OUTPUT_DEPTH}) {
      return path + ' is nested deeper than ${MAX_OUTPUT_DEPTH} levels (or contains itself)';
    }
    if (isArray(value)) {
      for (let i = 0; i < value.length; i++) {
        const problem = problemIn(value[i], path + '[' + i + ']', depth + 1);
        if (problem) return problem;
      }
      return undefined;
    }
    const proto = getPrototypeOf(value);
    if (proto !== objectPrototype && proto !== null) {
      return path + ' is ' + kindOf(value) + ': return plain objects (a date as date.toISOString())';
    }
    const names = keys(value);
    for (let i = 0; i < names.length; i++) {
      const problem = problemIn(value[names[i]], fieldPath(path, names[i]), depth + 1);
      if (problem) return problem;
    }
    return undefined;
  }

  function describe(err) {
    if (err instanceof ErrorClass) {
      const match = typeof err.stack === 'string' ? userFrame.exec(err.stack) : null;
      return {
        name: String(err.name),
        message: String(err.message),
        line: match ? Number(match[1]) : undefined,
        isError: true,
      };
    }
    return {
      name: 'Error',
      message: 'the code threw ' + inspect(err, 1, []) + ' (throw an Error to get its line)',
      isError: false,
    };
  }

  return async function run(fn, itemsJson) {
    const items = parse(itemsJson);
    let result;
    try {
      result = await fn(items, items[0]);
    } catch (err) {
      let described;
      try {
        described = describe(err);
      } catch (inner) {
        described = { name: 'Error', message: 'the code threw a value that cannot be described' };
      }
      report('thrown', stringify(described));
      return;
    }
    if (!isArray(result)) {
      report('output', 'the code must return an array of items, not ' + kindOf(result));
      return;
    }
    if (result.length > ${MAX_OUTPUT_ITEMS}) {
      report('output', 'the code returned ' + result.length + ' items; at most ${MAX_OUTPUT_ITEMS} are allowed');
      return;
    }
    const problem = problemIn(result, 'result', 0);
    if (problem) {
      report('output', problem);
      return;
    }
    let json;
    try {
      json = stringify(result);
    } catch (err) {
      report('output', 'the result cannot be turned into JSON: ' + String(err && err.message));
      return;
    }
    report('ok', json);
  };
})`;

/** Wraps the user's code as the body of an async function of `items` and `$json`, on the code's own lines. */
export function userFunctionSource(code: string): string {
  // no line break before the code, so a line in an error is the line in the editor
  return `(async function (items, $json) { "use strict"; ${code}\n})`;
}
