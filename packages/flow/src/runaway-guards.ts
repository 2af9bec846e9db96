// Runaway guards: what keeps one `{{ }}` expression from blocking the event loop or exhausting the heap.
//
// jsonata's own `timeout` and `stack` options are checked between evaluation steps, so they cannot stop a
// single long native call. Three kinds of native call can run away, and each is bounded here, on the main
// thread, without a per-expression cost beyond one hook call per evaluation step:
//
// 1. Regular expressions. V8 is told to fall back to its linear-time (automaton) engine once a match
//    backtracks excessively (`--enable-experimental-regexp-engine-on-excessive-backtracks`, after V8's default
//    `--regexp-backtracks-before-fallback` of 50 000 backtracks: a catastrophic `/(a+)+$/` then answers in
//    ~2 ms on Node 20 instead of hanging). Ordinary patterns keep running on the fast backtracking engine.
//    The fallback only exists for patterns the linear engine can run — on Node 20 not case-insensitive or
//    unicode ones, back-references, look-arounds, or counted repetitions like `{50}` — so a pattern it
//    cannot run is refused (at publish, and again at evaluation for patterns `$eval` builds). Whether it can
//    is V8's own answer: compiling the pattern with the `l` (linear) flag, which
//    `--enable-experimental-regexp-engine` makes available.
// 2. Values that grow in one call: `$pad` to a huge width and `$join` of huge parts are replaced by bounded
//    versions that check the size before allocating; every evaluation step's result is then checked
//    (a string over MAX_STRING_LENGTH characters, an array over MAX_ITEMS items) and the characters and items
//    that functions and operators make in one evaluation are summed against MAX_MADE, which stops doubling
//    loops (`$a & $a`, `$append($a, $a)`) and maps that allocate on every call long before the heap fills.
// 3. Time: jsonata checks its `timeout` between steps, but its steps are microtasks, which never let the event
//    loop run; an evaluation therefore yields to it every SLICE_MS (see pause), so health checks and other
//    runs wait at most a slice, not the whole time limit.
// 4. Recursion: jsonata's `stack` option (ExpressionOptions.maxDepth) fails a deep non-tail recursion; a tail
//    recursion without end is a loop, which the time limit stops.
//
// A worker thread with resourceLimits was weighed as well: it would also contain an unforeseen native
// allocation, but copying the scope (event, earlier steps' outputs) to the thread and back costs more than
// the evaluation of a typical expression, on every step of every run (bench phase a runs expressions on
// every request). The bounds above cover the known runaway shapes on the main thread; the per-step check is
// installed only on expressions that call functions or make ranges (see callsFunctions), so plain paths and
// comparisons pay nothing.
import v8 from 'node:v8';
import type jsonata from 'jsonata';

// Set once per process, before any expression is compiled: V8 reads these flags when a pattern is compiled
// or falls back, so they also hold when this module is imported after start.
v8.setFlagsFromString('--enable-experimental-regexp-engine-on-excessive-backtracks');
v8.setFlagsFromString('--enable-experimental-regexp-engine');

/** Most characters one string an expression makes may hold (10 M: 20 MB as UTF-16). */
export const MAX_STRING_LENGTH = 10_000_000;
/** Most items one array or sequence an expression makes may hold. */
export const MAX_ITEMS = 1_000_000;
/** Most characters plus items that functions and operators make in one evaluation. */
export const MAX_MADE = 50_000_000;

/** Which bound an expression hit. */
export type RunawayLimit = 'size' | 'regex';

/** An expression hit one of the bounds above; thrown from inside jsonata, mapped to ExpressionError. */
export class RunawayError extends Error {
  readonly limit: RunawayLimit;
  constructor(limit: RunawayLimit, message: string) {
    super(message);
    this.name = 'RunawayError';
    this.limit = limit;
  }
}

/** V8's flag for "run this pattern on the linear engine, or refuse it". */
const LINEAR_FLAG = 'l';

/** Whether this V8 offers the linear engine's `l` flag (it does with the flag above on Node 20–24). */
const LINEAR_ENGINE = (() => {
  try {
    // built from a string: as a literal, /a/l would be a syntax error where the flag is missing
    new RegExp('a', LINEAR_FLAG);
    return true;
  } catch {
    return false;
  }
})();

const linearVerdicts = new Map<string, string | undefined>();

/** Why `pattern` may not run (it could backtrack without the linear fallback), or undefined when it may. */
export function regexRefusal(pattern: RegExp): string | undefined {
  const key = `${pattern.flags}/${pattern.source}`;
  if (linearVerdicts.has(key)) return linearVerdicts.get(key);
  let refusal: string | undefined;
  if (!LINEAR_ENGINE) {
    refusal = `regular expressions are disabled: this Node.js has no linear-time regexp engine`;
  } else {
    try {
      new RegExp(pattern.source, `${pattern.flags.replace(/[dgy]/g, '')}${LINEAR_FLAG}`);
    } catch {
      refusal =
        `the regular expression /${pattern.source}/${pattern.flags} could backtrack without end: ` +
        'case-insensitive (i) and unicode (u) matching, back-references, look-arounds and counted repetitions ' +
        'like {50} are not allowed (write [Aa] for one letter in either case, or $lowercase() the text first)';
    }
  }
  if (linearVerdicts.size > 10_000) linearVerdicts.clear();
  linearVerdicts.set(key, refusal);
  return refusal;
}

/** The RegexEngine jsonata builds every regex literal with: refuses what regexRefusal refuses. */
function GuardedRegExp(pattern: RegExp): RegExp {
  const refusal = regexRefusal(pattern);
  if (refusal) throw new RunawayError('regex', refusal);
  return new RegExp(pattern);
}

/** The first refusal among the regex literals of a parsed expression (its AST), if any. */
export function firstRegexRefusal(ast: unknown): string | undefined {
  let refusal: string | undefined;
  walk(ast, (node) => {
    if (node instanceof RegExp) refusal = regexRefusal(node);
    return refusal !== undefined;
  });
  return refusal;
}

/** Step kinds that call or define functions: the only way an expression repeats work beyond its input's size. */
const CALLING_STEPS = new Set(['function', 'lambda', 'partial', 'apply']);

/**
 * Whether an expression calls or defines a function, or makes a range. One that does neither (a path, a
 * comparison, a condition, `&` of a few parts) does work in proportion to its input and its own length, so
 * it runs without the step check (measured: ~4 µs per expression less, and the webhook → set → if flows of
 * bench phase a evaluate such expressions on every request).
 */
function callsFunctions(ast: unknown): boolean {
  return walk(ast, (node) => {
    const { type, value } = node as { type?: unknown; value?: unknown };
    // a range makes up to MAX_ITEMS items from two numbers: what iterates over it is not bounded by the input
    return CALLING_STEPS.has(type as string) || (type === 'binary' && value === '..');
  });
}

/** Visits every object in an AST until `found` says yes; whether it did. */
function walk(ast: unknown, found: (node: object) => boolean): boolean {
  const seen = new Set<object>();
  const visit = (node: unknown): boolean => {
    if (node === null || typeof node !== 'object' || seen.has(node)) return false;
    seen.add(node);
    if (found(node)) return true;
    for (const child of Object.values(node)) if (visit(child)) return true;
    return false;
  };
  return visit(ast);
}

/** jsonata options carrying the bounds that jsonata enforces itself. */
export function guardedOptions(limits: { timeoutMs: number; maxDepth: number }): jsonata.JsonataOptions {
  return {
    timeout: limits.timeoutMs,
    stack: limits.maxDepth,
    sequence: MAX_ITEMS,
    // jsonata calls `new RegexEngine(literal)`; a function returning an object is a valid constructor
    RegexEngine: GuardedRegExp as unknown as RegExpConstructor,
  };
}

const MADE = Symbol('tributary.expression.made');
const STEPS = Symbol('tributary.expression.steps');
const SLICE_START = Symbol('tributary.expression.sliceStart');
/** Longest stretch an evaluation holds the event loop before it lets other work run. */
export const SLICE_MS = 10;
const EXIT = Symbol.for('jsonata.__evaluate_exit');
/** Step kinds whose result is a value made by the step, not one read from the input or a variable. */
const MAKING_STEPS = new Set(['function', 'binary', 'apply', 'partial', 'unary']);

interface Frame {
  base: Record<symbol, number | undefined>;
}

/**
 * Checked after every evaluation step (jsonata's exit hook, which jsonata awaits): the size of its result,
 * the running total of what this evaluation made, and the time since it last let the event loop run.
 * A tail call in a lambda (`function($i){ $uppercase($big) }`) returns past the hook, so the array a `$map`
 * gathers such results in is measured with its items' own lengths.
 */
function checkStep(
  expr: { type: string },
  _input: unknown,
  environment: Frame,
  result: unknown,
): Promise<void> | undefined {
  const making = MAKING_STEPS.has(expr.type);
  if (typeof result === 'string') {
    if (result.length > MAX_STRING_LENGTH) throw tooLarge(`a string of ${result.length} characters`);
    if (making) count(environment, result.length);
  } else if (Array.isArray(result)) {
    if (result.length > MAX_ITEMS) throw tooLarge(`an array of ${result.length} items`);
    if (making) {
      let size = result.length;
      for (const item of result) {
        if (typeof item === 'string' || Array.isArray(item)) size += item.length;
      }
      count(environment, size);
    }
  }
  return pause(environment.base);
}

/**
 * jsonata awaits only settled promises between steps, which run as microtasks: a long evaluation would hold
 * the event loop for its whole time limit (health checks, other runs, timers all wait). Every 256 steps it
 * looks at the clock, and after SLICE_MS of evaluation it yields to the event loop once (setImmediate), so
 * a runaway costs the others at most a slice at a time. Evaluations shorter than a slice never yield.
 */
function pause(base: Frame['base']): Promise<void> | undefined {
  const steps = (base[STEPS] ?? 0) + 1;
  base[STEPS] = steps;
  if (steps === 1) base[SLICE_START] = performance.now();
  if ((steps & 255) !== 0) return undefined;
  const now = performance.now();
  if (now - (base[SLICE_START] ?? now) < SLICE_MS) return undefined;
  return new Promise((resolve) =>
    setImmediate(() => {
      base[SLICE_START] = performance.now();
      resolve();
    }),
  );
}

/** Adds to what this evaluation made; past MAX_MADE the evaluation fails. */
function count(environment: Frame, size: number): void {
  const made = (environment.base[MADE] ?? 0) + size;
  environment.base[MADE] = made;
  if (made > MAX_MADE) {
    throw new RunawayError(
      'size',
      `made more than ${MAX_MADE} characters and items in one evaluation (limit of what an expression may build)`,
    );
  }
}

/** What jsonata passes as `this` to a built-in function. */
interface Focus {
  environment: Frame;
}

function tooLarge(what: string): RunawayError {
  return new RunawayError(
    'size',
    `made ${what}; the limit is ${MAX_STRING_LENGTH} characters per string and ${MAX_ITEMS} items per array`,
  );
}

/** `$pad` that checks the size of the padding before making it (jsonata's makes it first). */
function boundedPad(this: Focus, str: string | undefined, width: number, char?: string): string | undefined {
  if (str === undefined) return undefined;
  const fill = char === undefined || char.length === 0 ? ' ' : char;
  const target = Math.abs(Math.trunc(width));
  const padLength = target - Array.from(str).length;
  if (padLength <= 0) return str;
  if (padLength * fill.length > MAX_STRING_LENGTH) throw tooLarge(`a $pad of ${target} characters`);
  count(this.environment, padLength);
  let padding = fill.repeat(padLength);
  if (fill.length > 1) padding = Array.from(padding).slice(0, padLength).join('');
  return width > 0 ? str + padding : padding + str;
}

/** `$join` that checks the length of the result before joining. */
function boundedJoin(this: Focus, strs: string[] | undefined, separator?: string): string | undefined {
  if (strs === undefined) return undefined;
  const sep = separator ?? '';
  let total = sep.length * Math.max(0, strs.length - 1);
  for (const s of strs) total += s.length;
  if (total > MAX_STRING_LENGTH) throw tooLarge(`a $join of ${total} characters`);
  count(this.environment, total);
  return strs.join(sep);
}

type BuiltIn = Parameters<jsonata.Expression['registerFunction']>[1];

/** Installs the bounded functions and the step check on one compiled expression. */
export function guard(expression: jsonata.Expression): jsonata.Expression {
  // jsonata's Focus type leaves out `environment.base`, which every frame has at run time
  expression.registerFunction('pad', boundedPad as unknown as BuiltIn, '<s-ns?:s>');
  expression.registerFunction('join', boundedJoin as unknown as BuiltIn, '<a<s>s?:s>');
  // assign binds in the expression's own frame, where jsonata looks the hook up by symbol (jsonata's types
  // only name string keys); the bindings passed to evaluate are string keys, so no scope can replace it
  if (callsFunctions(expression.ast())) {
    const assign = expression.assign as unknown as (name: symbol, value: unknown) => void;
    assign(EXIT, checkStep);
  }
  return expression;
}

/** The RunawayError behind a jsonata failure (`$eval` wraps the real one in `.error`), if any. */
export function runawayOf(err: unknown): RunawayError | undefined {
  let current: unknown = err;
  for (let i = 0; i < 10 && current !== null && typeof current === 'object'; i++) {
    if (current instanceof RunawayError) return current;
    current = (current as { error?: unknown }).error;
  }
  return undefined;
}
