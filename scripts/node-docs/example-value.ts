// Deterministic example values from a JSON Schema: the smallest config that shows what a node needs.
import type { z } from 'zod';
import { deref, type JsonSchema, jsonSchemaOf } from './json-schema.js';

/** The uuid every example uses (a credential id, a source id). */
export const EXAMPLE_UUID = '00000000-0000-4000-8000-000000000000';

const FORMAT_EXAMPLES: Record<string, string> = {
  uri: 'https://example.com/',
  url: 'https://example.com/',
  uuid: EXAMPLE_UUID,
  email: 'ada@example.com',
  'date-time': '2024-01-01T00:00:00.000Z',
  date: '2024-01-01',
  time: '00:00:00',
  hostname: 'example.com',
  ipv4: '192.0.2.1',
  ipv6: '2001:db8::1',
};

/** Strings tried in turn against a string's pattern when neither its description nor "example" fits. */
const PATTERN_CANDIDATES = ['ada@example.com', '1', 'https://example.com/', EXAMPLE_UUID];

/**
 * The smallest config that passes the schema: its required fields, plus the optional top-level fields its own
 * checks then ask for (as in "content is required unless embeds are given"), each from {@link exampleValue},
 * in schema order. A string the checks still refuse (an address checked in code, not by a pattern) takes the
 * next of {@link PATTERN_CANDIDATES}. With a union at the top, its first variant.
 */
export function exampleConfig(config: z.ZodType): Record<string, unknown> {
  const root = jsonSchemaOf(config);
  const first = (root.oneOf ?? root.anyOf)?.[0];
  const properties = (first ? deref(first, root) : root).properties ?? {};
  const example = exampleValue(root, root);
  const values = new Map(isRecord(example) ? Object.entries(example) : []);
  const tried = new Map<string, number>();
  const build = () =>
    Object.fromEntries(
      Object.keys(properties).flatMap((name) => (values.has(name) ? [[name, values.get(name)]] : [])),
    );
  // each round mends the fields the failed checks name; when none can be mended, the config is as good as it gets
  for (let round = 0; round < 20; round += 1) {
    const parsed = config.safeParse(build());
    if (parsed.success) break;
    let mended = false;
    for (const issue of parsed.error.issues) {
      const name = issue.path[0];
      const property = typeof name === 'string' ? properties[name] : undefined;
      if (typeof name !== 'string' || !property) continue;
      if (!values.has(name)) {
        values.set(name, exampleValue(property, root));
        mended = true;
      } else if (typeof values.get(name) === 'string' && (tried.get(name) ?? 0) < PATTERN_CANDIDATES.length) {
        const next = tried.get(name) ?? 0;
        tried.set(name, next + 1);
        values.set(name, PATTERN_CANDIDATES[next]);
        mended = true;
      }
    }
    if (!mended) break;
  }
  return build();
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * An example of a value the schema accepts, preferring what the schema says itself: its `examples`, its
 * default, its constant or first enum value, then a value for its format, then the first `e.g. "…"` (or
 * `{{ … }}` expression) of its description that fits, then a plain value of its type.
 */
export function exampleValue(schema: JsonSchema, root: JsonSchema): unknown {
  const s = deref(schema, root);
  const description = schema.description ?? s.description ?? '';
  if (s.examples && s.examples.length > 0) return s.examples[0];
  if ('default' in s) return s.default;
  if ('const' in s) return s.const;
  if (s.enum && s.enum.length > 0) return s.enum[0];
  if (s['x-credential-types']) return EXAMPLE_UUID;
  const first = (s.oneOf ?? s.anyOf)?.[0];
  if (first) return exampleValue({ description, ...first }, root);
  const type = typeof s.type === 'string' ? s.type : s.type?.[0];
  switch (type) {
    case undefined:
      return expressionIn(description) ?? '{{ $json }}';
    case 'string':
      return exampleString(s, description);
    case 'integer':
    case 'number':
      return exampleNumber(s);
    case 'boolean':
      return true;
    case 'null':
      return null;
    case 'array': {
      const item = exampleValue(s.items ?? {}, root);
      return Array.from({ length: Math.max(1, s.minItems ?? 1) }, () => item);
    }
    case 'object':
      return exampleObject(s, root);
    default:
      return null;
  }
}

function requiredFields(schema: JsonSchema, root: JsonSchema): Record<string, unknown> {
  const properties = schema.properties ?? {};
  const result: Record<string, unknown> = {};
  for (const name of schema.required ?? []) {
    const property = properties[name];
    if (property) result[name] = exampleValue(property, root);
  }
  return result;
}

function exampleObject(s: JsonSchema, root: JsonSchema): Record<string, unknown> {
  if (s.properties) return requiredFields(s, root);
  if (typeof s.additionalProperties !== 'object') return {};
  const key = exampleString(s.propertyNames ?? {}, '', 'field');
  return { [key]: exampleValue(s.additionalProperties, root) };
}

function exampleString(s: JsonSchema, description: string, fallback = 'example'): string {
  const byFormat = s.format === undefined ? undefined : FORMAT_EXAMPLES[s.format];
  if (byFormat !== undefined) return byFormat;
  const candidates = [
    ...quotedExamplesIn(description),
    fallback,
    // for patterns that spell a format out (an e-mail address, a number, a URL)
    ...PATTERN_CANDIDATES,
    'a'.repeat(Math.max(1, s.minLength ?? 1)),
  ];
  return candidates.find((candidate) => fits(candidate, s)) ?? fallback;
}

function fits(value: string, s: JsonSchema): boolean {
  if (value.length < (s.minLength ?? 0) || value.length > (s.maxLength ?? Number.POSITIVE_INFINITY))
    return false;
  const patterns = [s.pattern, ...(s.allOf ?? []).map((part) => part.pattern)];
  return patterns.every((pattern) => pattern === undefined || new RegExp(pattern).test(value));
}

function exampleNumber(s: JsonSchema): number {
  const low = s.minimum ?? (s.exclusiveMinimum === undefined ? undefined : s.exclusiveMinimum + 1);
  const high = s.maximum ?? (s.exclusiveMaximum === undefined ? undefined : s.exclusiveMaximum - 1);
  return Math.min(Math.max(1, low ?? 1), high ?? Number.POSITIVE_INFINITY);
}

/** Every `e.g. "…"` of a description, in order. */
function quotedExamplesIn(description: string): string[] {
  return [...description.matchAll(/e\.g\. "([^"]+)"/g)].map((match) => match[1] ?? '');
}

/** The first `{{ … }}` expression of a description. */
function expressionIn(description: string): string | undefined {
  return /\{\{.*?\}\}/.exec(description)?.[0];
}
