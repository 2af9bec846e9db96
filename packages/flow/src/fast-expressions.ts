// A fast path for the expressions most flows are made of — a field read, compared with a literal, in a
// condition (`$json.body.plan = 'pro' ? 'gold' : 'basic'`) — evaluated synchronously on the scope as it is,
// without jsonata's asynchronous walk and without the JSON copy of the scope that jsonata is given. Measured
// reason: on webhook ingest of a set → if → set flow, jsonata's evaluation and the scope copies were about a
// tenth of the server's CPU per event, most of it allocation.
//
// It must give exactly what jsonata gives. So it takes only a small part of the language (paths of plain
// names, string/number/true/false/null literals, = != < <= > >=, and, or, `? :`), and at run time it gives up
// (NOT_FAST, and jsonata evaluates as before) whenever the data leaves the cases whose result it knows for
// sure: an array on a path (jsonata maps over it), an object or array compared, a value that is not plain
// JSON data (jsonata sees the scope through a JSON copy), a comparison jsonata would refuse, a variable the
// scope does not hold. fast-expressions.test.ts checks it against jsonata on generated data.
import type jsonata from 'jsonata';
import { isPlainObject } from './plain-object.js';

/** The fast path cannot tell this evaluation's result: evaluate with jsonata. */
export const NOT_FAST: unique symbol = Symbol('tributary.expression.notFast');

/** Evaluates a compiled expression against the scope (keys without `$`; `json` is also the input `$`). */
export type FastExpression = (scope: Readonly<Record<string, unknown>>) => unknown;

type Node = jsonata.ExprNode & { steps?: Node[]; condition?: Node; then?: Node; else?: Node };

/** The expression's fast evaluator, or undefined when it uses anything beyond the fast path's part. */
export function compileFast(ast: jsonata.ExprNode): FastExpression | undefined {
  return compileNode(ast as Node);
}

/** Keys of a node that the fast path knows; a node with any other (a predicate, a stage…) is not taken. */
const KNOWN_KEYS = new Set(['type', 'value', 'position', 'steps', 'lhs', 'rhs', 'condition', 'then', 'else']);

function compileNode(node: Node): FastExpression | undefined {
  for (const key of Object.keys(node)) if (!KNOWN_KEYS.has(key)) return undefined;
  // jsonata.ExprNode leaves out "path", which its parser makes for every a.b
  switch (node.type as string) {
    case 'string':
      return typeof node.value === 'string' ? constant(node.value) : undefined;
    case 'number':
      return typeof node.value === 'number' && Number.isFinite(node.value) ? constant(node.value) : undefined;
    case 'value':
      return node.value === true || node.value === false || node.value === null
        ? constant(node.value)
        : undefined;
    case 'variable':
      return compilePath([node]);
    case 'path':
      return node.steps && node.steps.length > 0 ? compilePath(node.steps) : undefined;
    case 'binary':
      return compileBinary(node);
    case 'condition':
      return compileCondition(node);
    default:
      return undefined;
  }
}

function constant(value: unknown): FastExpression {
  return () => value;
}

/**
 * `$var.a.b` or `a.b` (from the input). Each step must be a plain name with nothing attached; what the path
 * meets on its way decides at run time whether the fast path may answer.
 */
function compilePath(steps: Node[]): FastExpression | undefined {
  const [first, ...rest] = steps;
  if (!first) return undefined;
  for (const step of steps) {
    for (const key of Object.keys(step))
      if (key !== 'type' && key !== 'value' && key !== 'position') return undefined;
  }
  // `__proto__` reads differently on an object with such a key of its own and on one without: left to jsonata
  if (rest.some((s) => s.type !== 'name' || typeof s.value !== 'string' || s.value === '__proto__'))
    return undefined;
  const names = rest.map((s) => s.value as string);
  let start: (scope: Readonly<Record<string, unknown>>) => unknown;
  if (first.type === 'variable' && typeof first.value === 'string') {
    const name = first.value;
    // `$` is the input; another name must be one the scope holds (else jsonata's own functions and the
    // variables it binds itself are meant)
    start =
      name === '' ? (scope) => scope.json : (scope) => (Object.hasOwn(scope, name) ? scope[name] : NOT_FAST);
  } else if (first.type === 'name' && typeof first.value === 'string' && first.value !== '__proto__') {
    const name = first.value;
    start = (scope) => step(scope.json, name);
  } else {
    return undefined;
  }
  return (scope) => {
    let value = checked(start(scope));
    for (const name of names) {
      if (value === NOT_FAST) return NOT_FAST;
      value = checked(step(value, name));
    }
    return value;
  };
}

/** One step of a path from `value`: jsonata's lookup, for the values the fast path knows. */
function step(value: unknown, name: string): unknown {
  if (value === NOT_FAST) return NOT_FAST;
  // an array maps the rest of the path over its items: jsonata's sequences decide
  if (Array.isArray(value)) return NOT_FAST;
  if (typeof value !== 'object' || value === null) return checked(value) === NOT_FAST ? NOT_FAST : undefined;
  if (!isPlainObject(value)) return NOT_FAST;
  // jsonata reads own properties only: an inherited one (constructor, toString) is not there
  return Object.hasOwn(value, name) ? (value as Record<string, unknown>)[name] : undefined;
}

/**
 * A value as jsonata would see it through the scope's JSON copy, when that is the value itself: primitives
 * JSON keeps, and plain objects (read on by the path) — not arrays, functions, dates, class instances,
 * numbers JSON turns into null, or objects with a toJSON of their own.
 */
function checked(value: unknown): unknown {
  switch (typeof value) {
    case 'undefined':
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      return Number.isFinite(value) ? value : NOT_FAST;
    case 'object':
      if (value === null) return null;
      if (!isPlainObject(value) || 'toJSON' in value) return NOT_FAST;
      return value;
    default:
      return NOT_FAST;
  }
}

function compileBinary(node: Node): FastExpression | undefined {
  const op = node.value;
  if (!node.lhs || !node.rhs) return undefined;
  const lhs = compileNode(node.lhs as Node);
  const rhs = compileNode(node.rhs as Node);
  if (!lhs || !rhs) return undefined;
  switch (op) {
    case '=':
    case '!=': {
      const equal = op === '=';
      return (scope) => {
        const l = lhs(scope);
        const r = rhs(scope);
        if (!isScalar(l) || !isScalar(r)) return NOT_FAST;
        // jsonata: either side missing → false, for != too
        if (l === undefined || r === undefined) return false;
        return (l === r) === equal;
      };
    }
    case '<':
    case '<=':
    case '>':
    case '>=':
      return (scope) => {
        const l = lhs(scope);
        const r = rhs(scope);
        if (!isScalar(l) || !isScalar(r)) return NOT_FAST;
        // jsonata refuses other types (T2009/T2010): its own error says which
        const lt = typeof l;
        const rt = typeof r;
        const comparable = (t: string) => t === 'undefined' || t === 'string' || t === 'number';
        if (!comparable(lt) || !comparable(rt)) return NOT_FAST;
        if (l === undefined || r === undefined) return undefined;
        if (lt !== rt) return NOT_FAST;
        const a = l as string | number;
        const b = r as string | number;
        return op === '<' ? a < b : op === '<=' ? a <= b : op === '>' ? a > b : a >= b;
      };
    case 'and':
    case 'or': {
      const and = op === 'and';
      return (scope) => {
        const l = truth(lhs(scope));
        if (l === NOT_FAST) return NOT_FAST;
        // jsonata does not evaluate the right side when the left one decides
        if (and ? !l : l) return l;
        return truth(rhs(scope));
      };
    }
    default:
      return undefined;
  }
}

/** `c ? a : b` (b may be absent: undefined): the condition's truth as jsonata's $boolean gives it. */
function compileCondition(node: Node): FastExpression | undefined {
  if (!node.condition || !node.then) return undefined;
  const condition = compileNode(node.condition);
  const then = compileNode(node.then);
  const otherwise = node.else ? compileNode(node.else) : constant(undefined);
  if (!condition || !then || !otherwise) return undefined;
  return (scope) => {
    const c = truth(condition(scope));
    if (c === NOT_FAST) return NOT_FAST;
    return c ? then(scope) : otherwise(scope);
  };
}

function isScalar(value: unknown): boolean {
  return value === undefined || value === null || (typeof value !== 'object' && value !== NOT_FAST);
}

/** jsonata's truth of a value (undefined → false), for scalars; objects and arrays are left to jsonata. */
function truth(value: unknown): boolean | typeof NOT_FAST {
  if (value === NOT_FAST || !isScalar(value)) return NOT_FAST;
  if (value === undefined || value === null) return false;
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string') return value.length > 0;
  if (typeof value === 'number') return value !== 0;
  return NOT_FAST;
}
