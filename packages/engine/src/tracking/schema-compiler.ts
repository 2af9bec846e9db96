// Prepares a tracking plan's JSON Schemas for checking events: draft 2020-12 by default, draft-07 when the
// schema's `$schema` says so (what Segment Protocols exports). The schema is user input, so it is never
// turned into code: @cfworker/json-schema interprets it (made for runtimes without eval / new Function).
//
// That validator accepts whatever it is given and ignores what it does not know, so a schema is checked here
// first, keyword by keyword, against what the draft allows (checkStructure): an unknown keyword or `format`,
// a value of the wrong kind, a `$ref` that does not resolve within the schema (nothing is ever fetched) or a
// `pattern` that is not a valid regular expression is a problem named with its place — a typo must not
// silently check nothing.
//
// Patterns: the validator would run each `pattern` as `new RegExp(pattern, 'u')` on every event, and V8's
// linear-time fallback for excessive backtracking (switched on by @tributary/flow's runaway-guards) does not
// exist for unicode patterns on Node 20 — a `^(a+)+$` would hold the event loop for seconds on 30 characters.
// So the schema the validator gets has each `pattern` replaced by a format of our own that runs the pattern
// without the `u` flag, where the fallback applies; a pattern that V8's linear engine cannot run (back
// references, look-arounds, large counted repetitions) is refused when the schema is put, exactly as an
// expression's regex is (regexRefusal). `patternProperties` runs its patterns on property names inside the
// validator, out of reach of that replacement, so it is refused (propertyNames with a pattern says the same).
import {
  dereference,
  format,
  type OutputUnit,
  type Schema,
  type SchemaDraft,
  validate,
} from '@cfworker/json-schema';
import type { PlanViolation } from '@tributary/db';
import type { Problem } from '@tributary/flow';
import { regexRefusal } from '@tributary/flow';

/** The `$schema` URIs of draft-07, checked by draft-07 rules. */
const DRAFT_07 = new Set([
  'http://json-schema.org/draft-07/schema#',
  'http://json-schema.org/draft-07/schema',
  'https://json-schema.org/draft-07/schema#',
  'https://json-schema.org/draft-07/schema',
]);

/** Violations kept per event at most: enough to fix the sender, bounded for a huge bad payload. */
export const MAX_VIOLATIONS = 20;
/** Problems reported for one refused schema at most. */
const MAX_PROBLEMS = 50;

/**
 * Formats the validator knows but a schema may not use: its `url` expression backtracks exponentially
 * (`http://` and 27 letters and `_` take a second, each further letter doubles it) on a unicode pattern,
 * where V8 has no linear fallback — any sender could stall ingest with one event. `uri` checks the same.
 */
const REFUSED_FORMATS: Record<string, string> = {
  url: 'format "url" is not offered: its check can take exponential time on crafted input; use "uri"',
};
/** The formats a schema may use (taken before ours are added). */
const KNOWN_FORMATS = Object.keys(format)
  .filter((name) => !Object.hasOwn(REFUSED_FORMATS, name))
  .sort();
/** Where a replaced `pattern` is registered among the validator's formats; no user format may start so. */
const PATTERN_FORMAT = 'tributary-pattern:';

type Draft = Extract<SchemaDraft, '2020-12' | '7'>;

/** What a keyword's value must be. */
type Kind =
  | 'schema' // a schema (object or boolean)
  | 'schemas' // a non-empty array of schemas
  | 'schemaMap' // an object of schemas
  | 'items07' // draft-07 `items`: a schema or an array of schemas
  | 'dependencies07' // draft-07 `dependencies`: an object of schemas or arrays of strings
  | 'stringArrayMap' // an object of arrays of unique strings
  | 'type'
  | 'any'
  | 'array'
  | 'strings' // an array of unique strings
  | 'count' // a non-negative integer
  | 'number'
  | 'positive' // a number > 0
  | 'boolean'
  | 'string'
  | 'pattern'
  | 'format'
  | 'ref'
  | 'anchor'
  | 'unsupported';

const COMMON: Record<string, Kind> = {
  $id: 'string',
  $ref: 'ref',
  $comment: 'string',
  $defs: 'schemaMap',
  definitions: 'schemaMap',
  title: 'string',
  description: 'string',
  default: 'any',
  examples: 'array',
  readOnly: 'boolean',
  writeOnly: 'boolean',
  contentEncoding: 'string',
  contentMediaType: 'string',
  type: 'type',
  enum: 'array',
  const: 'any',
  allOf: 'schemas',
  anyOf: 'schemas',
  oneOf: 'schemas',
  not: 'schema',
  if: 'schema',
  else: 'schema',
  properties: 'schemaMap',
  additionalProperties: 'schema',
  propertyNames: 'schema',
  required: 'strings',
  minProperties: 'count',
  maxProperties: 'count',
  contains: 'schema',
  minItems: 'count',
  maxItems: 'count',
  uniqueItems: 'boolean',
  minimum: 'number',
  maximum: 'number',
  exclusiveMinimum: 'number',
  exclusiveMaximum: 'number',
  multipleOf: 'positive',
  minLength: 'count',
  maxLength: 'count',
  pattern: 'pattern',
  format: 'format',
  patternProperties: 'unsupported',
  $dynamicRef: 'unsupported',
  $dynamicAnchor: 'unsupported',
  $recursiveRef: 'unsupported',
  $recursiveAnchor: 'unsupported',
  $vocabulary: 'unsupported',
};

// `then` is added apart: an object literal with a `then` key would look like a promise
function keywordMap(kinds: Record<string, Kind>): Map<string, Kind> {
  return new Map([...Object.entries(kinds), ['then', 'schema']]);
}

const KEYWORDS: Record<Draft, Map<string, Kind>> = {
  '2020-12': keywordMap({
    ...COMMON,
    $anchor: 'anchor',
    items: 'schema',
    prefixItems: 'schemas',
    unevaluatedItems: 'schema',
    unevaluatedProperties: 'schema',
    dependentSchemas: 'schemaMap',
    dependentRequired: 'stringArrayMap',
    minContains: 'count',
    maxContains: 'count',
    deprecated: 'boolean',
  }),
  '7': keywordMap({
    ...COMMON,
    items: 'items07',
    additionalItems: 'schema',
    dependencies: 'dependencies07',
  }),
};

const UNSUPPORTED: Record<string, string> = {
  patternProperties:
    'is not supported: its patterns would run on property names without a time bound; use propertyNames with a pattern',
  $dynamicRef: 'is not supported by the validator; use $ref',
  $dynamicAnchor: 'is not supported by the validator; use $anchor or $defs',
  $recursiveRef: 'is not supported by the validator; use $ref',
  $recursiveAnchor: 'is not supported by the validator; use $ref',
  $vocabulary: 'is for meta-schemas, not event schemas',
};

const TYPES = new Set(['array', 'boolean', 'integer', 'null', 'number', 'object', 'string']);
const ANCHOR = /^[A-Za-z_][-A-Za-z0-9._]*$/;

const isObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v);
const uniqueStrings = (v: unknown): boolean =>
  Array.isArray(v) && v.every((s) => typeof s === 'string') && new Set(v).size === v.length;

/** A JSON pointer token (RFC 6901). */
const token = (key: string) => key.replaceAll('~', '~0').replaceAll('/', '~1');

/**
 * Pattern sources as registered formats: a pattern is compiled once per process, and the formats grow with
 * the distinct patterns of valid schemas put or loaded in it (a Checker made earlier may still use one).
 */
const patternFormats = new Map<string, string>();

function patternFormat(pattern: string): string {
  let name = patternFormats.get(pattern);
  if (name === undefined) {
    name = `${PATTERN_FORMAT}${pattern}`;
    // no `u` flag: V8 falls back to its linear-time engine if this backtracks excessively (checked at put)
    const regex = new RegExp(pattern);
    format[name] = (value: string) => regex.test(value);
    patternFormats.set(pattern, name);
  }
  return name;
}

/** Why a pattern may not be used, or undefined. */
function patternProblem(pattern: string): string | undefined {
  let regex: RegExp;
  try {
    regex = new RegExp(pattern);
  } catch (err) {
    return `"${pattern}" is not a valid regular expression (${err instanceof Error ? err.message : String(err)})`;
  }
  if (regexRefusal(regex) !== undefined) {
    return (
      `"${pattern}" could backtrack without end on some input: back-references, look-arounds and long ` +
      'counted repetitions like {50} are not allowed (use maxLength for a length)'
    );
  }
  return undefined;
}

interface Walk {
  draft: Draft;
  problems: Problem[];
  refs: Array<{ node: Schema; path: string }>;
  /** The (copied) subschemas with a `pattern`, replaced once the whole schema passed. */
  patterns: Schema[];
}

/**
 * Checks one (sub)schema against what the draft allows and returns the copy the validator gets (patterns
 * replaced by our formats). `path` is the problem path (`schema/properties/total`).
 */
function checkStructure(value: unknown, path: string, walk: Walk, root: boolean): Schema | boolean {
  if (typeof value === 'boolean') return value;
  if (!isObject(value)) {
    walk.problems.push({
      path,
      code: 'invalid_schema',
      message: 'must be a schema (an object or true/false)',
    });
    return true;
  }
  const keywords = KEYWORDS[walk.draft];
  const out: Schema = {};
  const problem = (key: string, message: string) =>
    walk.problems.push({ path: `${path}/${token(key)}`, code: 'invalid_schema', message });
  for (const [key, v] of Object.entries(value)) {
    if (key === '$schema') {
      if (!root) problem(key, 'may only be given at the top of the schema');
      else out.$schema = v as string;
      continue;
    }
    const kind = keywords.get(key);
    const at = `${path}/${token(key)}`;
    switch (kind) {
      case undefined:
        problem(
          key,
          `"${key}" is not a JSON Schema keyword of draft ${walk.draft === '7' ? '07' : '2020-12'} (a typo would check nothing)`,
        );
        break;
      case 'unsupported':
        problem(key, `${key} ${UNSUPPORTED[key]}`);
        break;
      case 'schema':
        out[key] = checkStructure(v, at, walk, false);
        break;
      case 'schemas':
        if (!Array.isArray(v) || v.length === 0) problem(key, 'must be a non-empty array of schemas');
        else out[key] = v.map((s, i) => checkStructure(s, `${at}/${i}`, walk, false));
        break;
      case 'items07':
        if (Array.isArray(v)) out[key] = v.map((s, i) => checkStructure(s, `${at}/${i}`, walk, false));
        else out[key] = checkStructure(v, at, walk, false);
        break;
      case 'schemaMap':
        if (!isObject(v)) problem(key, 'must be an object of schemas');
        else
          out[key] = Object.fromEntries(
            Object.entries(v).map(([k, s]) => [k, checkStructure(s, `${at}/${token(k)}`, walk, false)]),
          );
        break;
      case 'dependencies07':
        if (!isObject(v)) problem(key, 'must be an object of schemas or arrays of property names');
        else
          out[key] = Object.fromEntries(
            Object.entries(v).map(([k, s]) => {
              if (Array.isArray(s)) {
                if (!uniqueStrings(s)) problem(`${key}/${k}`, 'must be an array of unique property names');
                return [k, s];
              }
              return [k, checkStructure(s, `${at}/${token(k)}`, walk, false)];
            }),
          );
        break;
      case 'stringArrayMap':
        if (!isObject(v) || !Object.values(v).every(uniqueStrings)) {
          problem(key, 'must be an object of arrays of unique property names');
        } else out[key] = v;
        break;
      case 'type':
        if (
          !(typeof v === 'string' && TYPES.has(v)) &&
          !(Array.isArray(v) && v.length > 0 && uniqueStrings(v) && v.every((t) => TYPES.has(t)))
        ) {
          problem(key, `must be one of ${[...TYPES].map((t) => `"${t}"`).join(', ')}, or a list of them`);
        } else out[key] = v;
        break;
      case 'any':
        out[key] = v;
        break;
      case 'array':
        if (!Array.isArray(v)) problem(key, 'must be an array');
        else out[key] = v;
        break;
      case 'strings':
        if (!uniqueStrings(v)) problem(key, 'must be an array of unique property names');
        else out[key] = v;
        break;
      case 'count':
        if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) problem(key, 'must be an integer >= 0');
        else out[key] = v;
        break;
      case 'number':
        if (typeof v !== 'number' || !Number.isFinite(v)) problem(key, 'must be a number');
        else out[key] = v;
        break;
      case 'positive':
        if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) problem(key, 'must be a number > 0');
        else out[key] = v;
        break;
      case 'boolean':
        if (typeof v !== 'boolean') problem(key, 'must be true or false');
        else out[key] = v;
        break;
      case 'string':
        if (typeof v !== 'string') problem(key, 'must be a string');
        else out[key] = v;
        break;
      case 'anchor':
        if (typeof v !== 'string' || !ANCHOR.test(v)) problem(key, 'must be a name (letters, digits, _ - .)');
        else out[key] = v;
        break;
      case 'ref':
        if (typeof v !== 'string') problem(key, 'must be a string');
        else out[key] = v;
        break;
      case 'pattern': {
        const refused = typeof v === 'string' ? patternProblem(v) : 'must be a string';
        if (refused) problem(key, refused);
        else out[key] = v;
        break;
      }
      case 'format':
        if (typeof v === 'string' && Object.hasOwn(REFUSED_FORMATS, v)) {
          problem(key, REFUSED_FORMATS[v] as string);
        } else if (typeof v !== 'string' || !KNOWN_FORMATS.includes(v)) {
          problem(
            key,
            `${typeof v === 'string' ? `format "${v}" is not known` : 'must be a string'}; known formats: ${KNOWN_FORMATS.join(', ')}`,
          );
        } else out[key] = v;
        break;
    }
  }
  if (typeof out.$ref === 'string') walk.refs.push({ node: out, path });
  if (typeof out.pattern === 'string') walk.patterns.push(out);
  return out;
}

/** A schema ready to check events with. */
export interface EventSchemaChecker {
  /** Checks an event's properties; the violations (at most MAX_VIOLATIONS), empty when it keeps to the schema. */
  check(properties: unknown, schemaVersion: number): PlanViolation[];
}

/** A prepared event schema, or what is wrong with it. */
export type CompiledSchema = { ok: true; checker: EventSchemaChecker } | { ok: false; problems: Problem[] };

/**
 * Checks a schema and prepares it for the validator. Never throws for a bad schema: its problems name the
 * keyword and where it is (`schema/properties/total/type`).
 */
export function compileEventSchema(schema: Record<string, unknown>): CompiledSchema {
  if (
    schema.$schema !== undefined &&
    (typeof schema.$schema !== 'string' ||
      (!DRAFT_07.has(schema.$schema) &&
        !schema.$schema.startsWith('https://json-schema.org/draft/2020-12/schema')))
  ) {
    return {
      ok: false,
      problems: [
        {
          path: 'schema/$schema',
          code: 'invalid_schema',
          message: `is ${JSON.stringify(schema.$schema)}; use draft 2020-12 (the default) or draft-07`,
        },
      ],
    };
  }
  const draft: Draft = typeof schema.$schema === 'string' && DRAFT_07.has(schema.$schema) ? '7' : '2020-12';
  const walk: Walk = { draft, problems: [], refs: [], patterns: [] };
  const prepared = checkStructure(schema, 'schema', walk, true);
  if (walk.problems.length > 0) return { ok: false, problems: walk.problems.slice(0, MAX_PROBLEMS) };
  let lookup: Record<string, Schema | boolean>;
  try {
    lookup = dereference(prepared);
  } catch (err) {
    // two subschemas with the same $id
    const message = err instanceof Error ? err.message : String(err);
    return { ok: false, problems: [{ path: 'schema', code: 'invalid_schema', message }] };
  }
  for (const { node, path } of walk.refs) {
    if (node.__absolute_ref__ === undefined || lookup[node.__absolute_ref__] === undefined) {
      walk.problems.push({
        path: `${path}/$ref`,
        code: 'invalid_schema',
        message: `"${node.$ref}" cannot be resolved: only references to this schema's own parts are (nothing is fetched)`,
      });
    }
  }
  if (walk.problems.length > 0) return { ok: false, problems: walk.problems.slice(0, MAX_PROBLEMS) };
  // each pattern runs as one of our formats (see the top of this file); beside a format, in an allOf of its own
  for (const node of walk.patterns) {
    const name = patternFormat(node.pattern as string);
    delete node.pattern;
    if (node.format === undefined) node.format = name;
    else node.allOf = [...((node.allOf as Schema[] | undefined) ?? []), { format: name }];
  }
  return { ok: true, checker: new Checker(prepared, draft, lookup) };
}

class Checker implements EventSchemaChecker {
  constructor(
    private readonly schema: Schema | boolean,
    private readonly draft: Draft,
    private readonly lookup: Record<string, Schema | boolean>,
  ) {}

  check(properties: unknown, schemaVersion: number): PlanViolation[] {
    let errors: OutputUnit[];
    try {
      // shortCircuit off: every problem of the event, not only the first
      errors = validate(properties, this.schema, this.draft, this.lookup, false).errors;
    } catch (err) {
      // refs were resolved when the schema was put; anything else thrown is the validator's own failure
      const reason = err instanceof Error ? err.message.split('\n')[0] : String(err);
      return [{ path: '', message: `the schema could not be applied: ${reason}`, schemaVersion }];
    }
    return describeErrors(errors, this.schema, this.lookup).map((v) => ({ ...v, schemaVersion }));
  }
}

/** Keywords whose errors stand for their subschemas' failing as a whole: what is below them is not listed. */
const COLLAPSED = new Set(['anyOf', 'oneOf', 'not', 'contains', 'propertyNames']);
/** The keywords after which a `false` subschema failing means "a property the plan leaves out". */
const CLOSED = new Set(['additionalProperties', 'unevaluatedProperties']);

/**
 * The validator's output as readable violations. It reports each failing subschema and then what failed
 * inside it ("Property "total" does not match schema.", then the `type` error): only the innermost are
 * kept, except below anyOf/oneOf/not/contains/propertyNames, whose one error says more than each branch's.
 * A `false` subschema's error comes right after the one of the keyword that applied it (its own
 * keywordLocation is the instance's, so it cannot be placed by location).
 */
function describeErrors(
  errors: readonly OutputUnit[],
  schema: Schema | boolean,
  lookup: Record<string, Schema | boolean>,
): Array<Omit<PlanViolation, 'schemaVersion'>> {
  const parents = new Set<string>();
  const collapsed: string[] = [];
  for (const error of errors) {
    if (error.keyword === 'false') continue;
    const parts = error.keywordLocation.split('/');
    for (let i = 1; i < parts.length; i++) parents.add(parts.slice(0, i).join('/'));
    if (COLLAPSED.has(error.keyword)) collapsed.push(`${error.keywordLocation}/`);
  }
  const out: Array<Omit<PlanViolation, 'schemaVersion'>> = [];
  for (let i = 0; i < errors.length && out.length < MAX_VIOLATIONS; i++) {
    const error = errors[i] as OutputUnit;
    const next = errors[i + 1];
    if (collapsed.some((prefix) => error.keywordLocation.startsWith(prefix))) continue;
    if (next?.keyword === 'false' && error.keyword !== 'false') {
      out.push(CLOSED.has(error.keyword) ? leftOut(next) : describe(next, schema, lookup));
      i++;
      continue;
    }
    // a failing subschema whose own failures are listed
    if (!COLLAPSED.has(error.keyword) && parents.has(error.keywordLocation)) continue;
    out.push(describe(error, schema, lookup));
  }
  return out;
}

/** A property that additionalProperties / unevaluatedProperties: false leaves out. */
function leftOut(error: OutputUnit): Omit<PlanViolation, 'schemaVersion'> {
  const path = pointerOf(error.instanceLocation);
  const cut = path.lastIndexOf('/');
  const parentPath = path.slice(0, cut);
  const name = path
    .slice(cut + 1)
    .replaceAll('~1', '/')
    .replaceAll('~0', '~');
  const parentAt = parentPath ? `properties${parentPath.replaceAll('/', '.')}` : 'properties';
  return {
    path: parentPath,
    message: `${parentAt} has ${JSON.stringify(name)}, which the plan does not allow`,
  };
}

/** A validator location (`#/total`) as a JSON pointer (`/total`). */
function pointerOf(location: string): string {
  const raw = location.startsWith('#') ? location.slice(1) : location;
  try {
    return decodeURI(raw.replaceAll('%23', '#'));
  } catch {
    return raw;
  }
}

/** The schema holding the keyword at a validator keyword location, following `$ref`s. */
function keywordSchema(
  keywordLocation: string,
  schema: Schema | boolean,
  lookup: Record<string, Schema | boolean>,
): Record<string, unknown> | undefined {
  const tokens = pointerOf(keywordLocation).split('/').slice(1, -1);
  let node: unknown = schema;
  for (const raw of tokens) {
    if (Array.isArray(node)) {
      node = node[Number(raw)];
      continue;
    }
    if (!isObject(node)) return undefined;
    if (raw === '$ref') {
      const target = (node as Schema).__absolute_ref__;
      node = target === undefined ? undefined : lookup[target];
      continue;
    }
    const key = raw.replaceAll('~1', '/').replaceAll('~0', '~');
    node = Object.hasOwn(node, key) ? node[key] : undefined;
  }
  return isObject(node) ? node : undefined;
}

const quote = (v: unknown) => JSON.stringify(v);

function describe(
  error: OutputUnit,
  schema: Schema | boolean,
  lookup: Record<string, Schema | boolean>,
): Omit<PlanViolation, 'schemaVersion'> {
  const path = pointerOf(error.instanceLocation);
  const at = path ? `properties${path.replaceAll('/', '.')}` : 'properties';
  const said = (message: string) => ({ path, message: `${at} ${message}` });
  const node = keywordSchema(error.keywordLocation, schema, lookup) ?? {};
  const value = node[error.keyword];
  switch (error.keyword) {
    case 'false':
      return said('is not allowed by the plan');
    case 'type':
      return said(`must be ${Array.isArray(value) ? value.join(',') : String(value)}`);
    case 'required': {
      const prefix = 'Instance does not have required property "';
      const name = error.error.startsWith(prefix) ? error.error.slice(prefix.length, -2) : '';
      return said(`must have required property '${name}'`);
    }
    case 'enum':
      return said(`must be one of ${Array.isArray(value) ? value.map(quote).join(', ') : quote(value)}`);
    case 'const':
      return said(`must be ${quote(value)}`);
    case 'minimum':
      return said(`must be >= ${value}`);
    case 'maximum':
      return said(`must be <= ${value}`);
    case 'exclusiveMinimum':
      return said(`must be > ${value}`);
    case 'exclusiveMaximum':
      return said(`must be < ${value}`);
    case 'multipleOf':
      return said(`must be a multiple of ${value}`);
    case 'minLength':
      return said(`must NOT have fewer than ${value} characters`);
    case 'maxLength':
      return said(`must NOT have more than ${value} characters`);
    case 'minItems':
      return said(`must NOT have fewer than ${value} items`);
    case 'maxItems':
      return said(`must NOT have more than ${value} items`);
    case 'minProperties':
      return said(`must NOT have fewer than ${value} properties`);
    case 'maxProperties':
      return said(`must NOT have more than ${value} properties`);
    case 'format':
      return typeof value === 'string' && value.startsWith(PATTERN_FORMAT)
        ? said(`must match pattern ${quote(value.slice(PATTERN_FORMAT.length))}`)
        : said(`must match format ${quote(value)}`);
    case 'anyOf':
      return said('must match a schema in anyOf');
    case 'oneOf':
      return said('must match exactly one schema in oneOf');
    case 'not':
      return said('must NOT be valid against the schema in "not"');
    default:
      // the validator's own words: "Instance has "a" but does not have "b".", "Duplicate items at indexes 0 and 2."
      return said(error.error.replace(/^Instance /, '').replace(/\.$/, ''));
  }
}
