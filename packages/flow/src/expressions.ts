// Expressions: JSONata inside `{{ }}` in node config, evaluated against plain data with time and depth limits.
import jsonata from 'jsonata';
import { FatalError } from './errors.js';
import { compileFast, type FastExpression, NOT_FAST } from './fast-expressions.js';
import { formatPath, type PathSegment } from './json-path.js';
import { defineField, isPlainObject } from './plain-object.js';
import {
  firstRegexRefusal,
  guard,
  guardedOptions,
  MAX_ITEMS,
  MAX_STRING_LENGTH,
  runawayOf,
} from './runaway-guards.js';
import { mayBeTemplate, parseTemplate, TemplateSyntaxError } from './template.js';
import { zonedDateFunctions } from './zoned-dates.js';

/**
 * What expressions can see, keyed by binding name WITHOUT the `$`: `{ json, event, steps, run }` is read
 * as `$json`, `$event`, `$steps`, `$run`. `json` is also the input (`$`), so `{{ name }}` reads
 * `$json.name`. Values are copied as JSON: functions and class behaviour never reach an expression.
 */
export type ExpressionScope = Record<string, unknown>;

/** Limits of one expression evaluation. */
export interface ExpressionOptions {
  /** Wall-clock limit of one expression, checked at every evaluation step. Default 1000. */
  timeoutMs?: number;
  /** Limit on nested evaluation steps (catches runaway non-tail recursion). Default 200. */
  maxDepth?: number;
  /**
   * The flow's time zone (settings.timezone, an IANA name): `$now()` and `$fromMillis()` write times in it.
   * Absent: UTC, as JSONata does.
   */
  timezone?: string | undefined;
  /**
   * Told of each `{{ }}` expression that gave nothing (undefined or null), with the field it fills (e.g.
   * `config.body.total`): the field became null, or '' in text, which is rarely what was meant.
   */
  onEmpty?: ((path: string, expression: string) => void) | undefined;
}

/** Time limit of one expression when the caller sets none. */
export const DEFAULT_EXPRESSION_TIMEOUT_MS = 1000;
/** Depth limit of one expression when the caller sets none. */
export const DEFAULT_EXPRESSION_MAX_DEPTH = 200;

/**
 * Why an expression failed: it does not parse, it threw, it ran too long, it nested too deep, it made a
 * value over the size limits, or it used a regular expression that could backtrack without end
 * (runaway-guards.ts says how each is bounded).
 */
export type ExpressionFailure = 'syntax' | 'evaluation' | 'timeout' | 'depth' | 'size' | 'regex';

/** An expression in a config field could not be evaluated; the message starts with the field's path. */
export class ExpressionError extends FatalError {
  /** JSON path of the field, e.g. `config.url`. */
  readonly path: string;
  /** The field's whole template string, e.g. `https://x/{{ $json.id }}`. */
  readonly expression: string;
  readonly reason: ExpressionFailure;
  constructor(
    path: string,
    expression: string,
    reason: ExpressionFailure,
    detail: string,
    options?: ErrorOptions,
  ) {
    super(`${path}: ${detail}`, { ...options, code: 'expression_failed' });
    this.path = path;
    this.expression = expression;
    this.reason = reason;
  }
}

export { isPlainObject };

type CompiledPart =
  | { kind: 'text'; text: string }
  // `fast`: the synchronous evaluator of fast-expressions.ts when the expression is one it takes
  | { kind: 'expression'; source: string; run: jsonata.Expression; fast: FastExpression | undefined };

/** The scope's bindings for jsonata, made on first use: an evaluation the fast path answers needs none. */
type Bindings = () => Record<string, unknown>;
interface CompiledTemplate {
  parts: CompiledPart[];
  whole: boolean;
  /** the limits its jsonata expressions were compiled with */
  timeoutMs: number;
  maxDepth: number;
  /** used since it was last passed over for eviction (see `compile`) */
  used: boolean;
}
interface Limits {
  timeoutMs: number;
  maxDepth: number;
  /** Not a limit: who hears of expressions that gave nothing (kept here as it travels the same way). */
  onEmpty?: ExpressionOptions['onEmpty'];
}

const CACHE_SIZE = 1000;
/**
 * Compiled templates by their text, oldest first (a Map keeps insertion order). A hit only marks its entry
 * used; when the cache is full, the oldest entry goes unless it was used since it was last looked at, in
 * which case it moves to the end unmarked (the "second chance" of the clock algorithm, close to least
 * recently used). Keyed by the config's own string, whose hash V8 keeps: a key built per call (with the
 * limits in it) and a re-insert on every hit were 0.8 % of a webhook's CPU.
 */
const cache = new Map<string, CompiledTemplate>();

/** Whether a config value is a template with at least one `{{ }}` (or a broken `{{` that must be reported). */
export function isExpression(value: unknown): value is string {
  if (typeof value !== 'string' || !mayBeTemplate(value)) return false;
  try {
    return parseTemplate(value).parts.some((p) => p.kind === 'expression');
  } catch (err) {
    if (err instanceof TemplateSyntaxError) return true;
    throw err;
  }
}

/** Every expression string inside `value`, with its JSON path (prefixed by `base`). */
export function findExpressions(
  value: unknown,
  base: readonly PathSegment[] = [],
): Array<{ path: string; source: string }> {
  const found: Array<{ path: string; source: string }> = [];
  const visit = (current: unknown, segments: PathSegment[]): void => {
    if (isExpression(current)) found.push({ path: formatPath(segments), source: current });
    else if (Array.isArray(current)) for (const [i, item] of current.entries()) visit(item, [...segments, i]);
    else if (isPlainObject(current)) for (const [k, v] of Object.entries(current)) visit(v, [...segments, k]);
  };
  visit(value, [...base]);
  return found;
}

/** The syntax error of a template string and its JSONata parts, or undefined when it parses. */
export function checkExpressionSyntax(template: string): string | undefined {
  try {
    compile(template, resolveLimits({}));
    return undefined;
  } catch (err) {
    if (err instanceof TemplateSyntaxError) return err.message;
    throw err;
  }
}

/** Evaluates one template string; `path` names the field in errors. See resolveConfig for the rules. */
export async function evaluateTemplate(
  template: string,
  scope: ExpressionScope,
  options: ExpressionOptions & { path?: string } = {},
): Promise<unknown> {
  const limits = resolveLimits(options);
  if (!mayBeTemplate(template)) return template;
  checkScope(scope);
  return evaluateString(template, options.path ?? 'expression', scope, lazyBindings(scope, options), limits);
}

/**
 * Resolves every string in a config, deeply; keys are left alone. A string that is one `{{ expr }}`
 * becomes the expression's JSON value (undefined → null); a string mixing text and `{{ }}` becomes
 * text (objects as JSON, null/undefined as ''); `\{{` is a literal `{{`. Throws ExpressionError.
 */
export async function resolveConfig(
  config: unknown,
  scope: ExpressionScope,
  options: ExpressionOptions = {},
): Promise<unknown> {
  const limits = resolveLimits(options);
  // the scope is copied once per call, and only when some expression is one the fast path cannot answer
  const lazy = lazyBindings(scope, options);
  let checked = false;
  // the path of the value being visited: one array, pushed and popped, formatted only for a template
  const path: PathSegment[] = ['config'];
  // values holding no template are copied without a promise of their own
  const needsVisit = (value: unknown): boolean =>
    typeof value === 'string' ? mayBeTemplate(value) : typeof value === 'object' && value !== null;
  const visit = async (value: unknown): Promise<unknown> => {
    if (typeof value === 'string') {
      if (!mayBeTemplate(value)) return value;
      if (!checked) {
        checkScope(scope);
        checked = true;
      }
      return evaluateString(value, formatPath(path), scope, lazy, limits);
    }
    if (Array.isArray(value)) {
      const out: unknown[] = [];
      for (let i = 0; i < value.length; i++) {
        const item: unknown = value[i];
        if (!needsVisit(item)) {
          out.push(item);
          continue;
        }
        path.push(i);
        out.push(await visit(item));
        path.pop();
      }
      return out;
    }
    if (isPlainObject(value)) {
      const out: Record<string, unknown> = {};
      for (const key in value) {
        let item = value[key];
        if (needsVisit(item)) {
          path.push(key);
          item = await visit(item);
          path.pop();
        }
        // defined, not assigned, so a `__proto__` key stays data instead of setting a prototype
        defineField(out, key, item);
      }
      return out;
    }
    return value;
  };
  return visit(config);
}

async function evaluateString(
  value: string,
  path: string,
  scope: ExpressionScope,
  bindings: Bindings,
  limits: Limits,
): Promise<unknown> {
  let compiled: CompiledTemplate;
  try {
    compiled = compile(value, limits);
  } catch (err) {
    if (err instanceof TemplateSyntaxError)
      throw new ExpressionError(path, value, 'syntax', err.message, { cause: err });
    throw err;
  }
  const lone = compiled.whole ? compiled.parts.find((p) => p.kind === 'expression') : undefined;
  if (lone?.kind === 'expression') {
    const result = toData(await run(lone, value, path, scope, bindings, limits)) ?? null;
    if (result === null) limits.onEmpty?.(path, lone.source);
    return result;
  }
  let out = '';
  for (const part of compiled.parts) {
    if (part.kind === 'text') {
      out += part.text;
      continue;
    }
    const result = await run(part, value, path, scope, bindings, limits);
    if (result === undefined || result === null) limits.onEmpty?.(path, part.source);
    out += toText(result);
  }
  return out;
}

async function run(
  part: Extract<CompiledPart, { kind: 'expression' }>,
  template: string,
  path: string,
  scope: ExpressionScope,
  bindings: Bindings,
  limits: Limits,
): Promise<unknown> {
  if (part.fast) {
    const fast = part.fast(scope);
    if (fast !== NOT_FAST) return fast;
  }
  try {
    const all = bindings();
    const result: unknown = await part.run.evaluate(all.json, all);
    return result;
  } catch (err) {
    const code = jsonataCode(err);
    if (code === 'D1012') {
      const detail = `expression {{ ${part.source} }} ran longer than ${limits.timeoutMs} ms`;
      throw new ExpressionError(path, template, 'timeout', detail, { cause: err });
    }
    if (code === 'D1011') {
      const detail = `expression {{ ${part.source} }} nested deeper than ${limits.maxDepth} steps (runaway recursion?)`;
      throw new ExpressionError(path, template, 'depth', detail, { cause: err });
    }
    if (code === 'D2014' || code === 'D2015') {
      // jsonata's own sequence bound, set to MAX_ITEMS (a range or $append past it)
      const detail = `expression {{ ${part.source} }} made too long a sequence (the limit is ${MAX_ITEMS} items): ${messageOf(err)}`;
      throw new ExpressionError(path, template, 'size', detail, { cause: err });
    }
    const runaway = runawayOf(err);
    if (runaway) {
      const detail = `expression {{ ${part.source} }} ${runaway.message}`;
      throw new ExpressionError(path, template, runaway.limit, detail, { cause: err });
    }
    if (err instanceof RangeError && /string length|array length/i.test(err.message)) {
      // a native call (e.g. $string of a huge structure) reached V8's own ceiling before ours could look
      const detail = `expression {{ ${part.source} }} made a value too large (${err.message}); the limit is ${MAX_STRING_LENGTH} characters per string`;
      throw new ExpressionError(path, template, 'size', detail, { cause: err });
    }
    const detail = `expression {{ ${part.source} }} failed: ${messageOf(err)}`;
    throw new ExpressionError(path, template, 'evaluation', detail, { cause: err });
  }
}

function compile(value: string, limits: Limits): CompiledTemplate {
  const hit = cache.get(value);
  if (hit && hit.timeoutMs === limits.timeoutMs && hit.maxDepth === limits.maxDepth) {
    hit.used = true;
    return hit;
  }
  const template = parseTemplate(value);
  const compiled: CompiledTemplate = {
    whole: template.whole,
    // jsonata 2.2 enforces time and depth itself, on every evaluation step; runaway-guards.ts bounds the rest
    parts: template.parts.map((p) => {
      if (p.kind === 'text') return p;
      const run = compileJsonata(p.source, limits);
      return { ...p, run, fast: compileFast(run.ast()) };
    }),
    timeoutMs: limits.timeoutMs,
    maxDepth: limits.maxDepth,
    used: false,
  };
  // the same text with other limits replaces the entry: every run-time caller passes the engine's settings,
  // one pair per process; only the syntax check at publish uses the defaults
  cache.delete(value);
  cache.set(value, compiled);
  while (cache.size > CACHE_SIZE) {
    const [oldest, entry] = cache.entries().next().value as [string, CompiledTemplate];
    cache.delete(oldest);
    if (entry.used) {
      entry.used = false;
      cache.set(oldest, entry);
    }
  }
  return compiled;
}

function compileJsonata(source: string, limits: Limits): jsonata.Expression {
  let expression: jsonata.Expression;
  try {
    expression = jsonata(source, guardedOptions(limits));
  } catch (err) {
    const failure = asFailure(err);
    const at = typeof failure?.position === 'number' ? ` at position ${failure.position}` : '';
    const detail = `{{ ${source} }} is not valid JSONata: ${messageOf(err)}${at}`;
    throw new TemplateSyntaxError(detail, { cause: err });
  }
  // refused at publish already; patterns that `$eval` makes are refused when they are built
  const refusal = firstRegexRefusal(expression.ast());
  if (refusal) throw new TemplateSyntaxError(`{{ ${source} }}: ${refusal}`);
  return guard(expression);
}

function resolveLimits(options: ExpressionOptions): Limits {
  const timeoutMs = options.timeoutMs ?? DEFAULT_EXPRESSION_TIMEOUT_MS;
  const maxDepth = options.maxDepth ?? DEFAULT_EXPRESSION_MAX_DEPTH;
  // jsonata treats 0 as "no limit", which must never happen by accident
  if (!(timeoutMs > 0 && Number.isFinite(timeoutMs)))
    throw new RangeError(`timeoutMs must be > 0, got ${timeoutMs}`);
  if (!(maxDepth > 0 && Number.isFinite(maxDepth)))
    throw new RangeError(`maxDepth must be > 0, got ${maxDepth}`);
  return { timeoutMs, maxDepth, onEmpty: options.onEmpty };
}

/** `bindingsFor(scope, options)`, made on the first call and the same object after it. */
function lazyBindings(scope: ExpressionScope, options: ExpressionOptions): Bindings {
  let bindings: Record<string, unknown> | undefined;
  return () => {
    bindings ??= bindingsFor(scope, options);
    return bindings;
  };
}

/** The scope as bindings, with the date functions of the flow's time zone when it has one. */
function bindingsFor(scope: ExpressionScope, options: ExpressionOptions): Record<string, unknown> {
  const bindings = bindingsOf(scope);
  return options.timezone ? Object.assign(bindings, zonedDateFunctions(options.timezone)) : bindings;
}

function bindingsOf(scope: ExpressionScope): Record<string, unknown> {
  const bindings: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(scope)) bindings[name] = toData(value);
  return bindings;
}

/** Refuses a scope key written with its `$` (checked before any evaluation, fast or not). */
function checkScope(scope: ExpressionScope): void {
  for (const name in scope) {
    // jsonata adds the `$` itself; a `$json` key would silently be `$$json` in expressions
    if (name.startsWith('$')) throw new TypeError(`expression scope keys have no "$": got "${name}"`);
  }
}

/** A JSON copy: drops functions and symbols (JSONata could call a function it finds), strips sequences. */
function toData(value: unknown): unknown {
  if (value === undefined || value === null || typeof value !== 'object') {
    return typeof value === 'function' || typeof value === 'symbol' ? undefined : value;
  }
  const text = JSON.stringify(value);
  return text === undefined ? undefined : JSON.parse(text);
}

function toText(value: unknown): string {
  if (typeof value === 'string') return value;
  const data = toData(value);
  if (data === undefined || data === null) return '';
  return typeof data === 'object' ? JSON.stringify(data) : String(data);
}

interface JsonataFailure {
  code?: unknown;
  message?: unknown;
  position?: unknown;
  error?: unknown;
}

function asFailure(err: unknown): JsonataFailure | undefined {
  // jsonata throws plain objects, not Error instances
  return typeof err === 'object' && err !== null ? err : undefined;
}

/** The innermost jsonata error code: `$eval` wraps the real failure (D3121 → D1012). */
function jsonataCode(err: unknown): string | undefined {
  const failure = asFailure(err);
  if (!failure) return undefined;
  const inner = jsonataCode(failure.error);
  if (inner) return inner;
  return typeof failure.code === 'string' ? failure.code : undefined;
}

function messageOf(err: unknown): string {
  const message = asFailure(err)?.message;
  return typeof message === 'string' ? message : String(err);
}
