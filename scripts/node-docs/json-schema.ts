// The part of a config's JSON Schema the node docs read, and readable names for its types.
import { z } from 'zod';

/** The JSON Schema keywords zod writes that the docs use. */
export interface JsonSchema {
  type?: string | string[];
  title?: string;
  description?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  additionalProperties?: JsonSchema | boolean;
  propertyNames?: JsonSchema;
  enum?: unknown[];
  const?: unknown;
  default?: unknown;
  examples?: unknown[];
  oneOf?: JsonSchema[];
  anyOf?: JsonSchema[];
  allOf?: JsonSchema[];
  format?: string;
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  minItems?: number;
  writeOnly?: boolean;
  $ref?: string;
  $defs?: Record<string, JsonSchema>;
  'x-credential-types'?: string[];
}

/** The input JSON Schema of a config, as the editor receives it from the API. */
export function jsonSchemaOf(config: z.ZodType): JsonSchema {
  // toJSONSchema's own result type is a wide union; JsonSchema names the subset of it read here
  return z.toJSONSchema(config, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
}

/** The schema a `$ref` points at (only local `#/$defs/…` refs occur), else the schema itself. */
export function deref(schema: JsonSchema, root: JsonSchema): JsonSchema {
  const name = schema.$ref?.replace('#/$defs/', '');
  return (name !== undefined && root.$defs?.[name]) || schema;
}

/** A `$ref` whose target refers to itself: zod's `z.json()`, any JSON value. */
function isRecursiveRef(schema: JsonSchema, root: JsonSchema): boolean {
  if (schema.$ref === undefined) return false;
  return JSON.stringify(deref(schema, root)).includes(`"${schema.$ref}"`);
}

/** A union whose options are objects told apart by one constant property (a zod discriminatedUnion). */
export interface DiscriminatedUnion {
  key: string;
  variants: JsonSchema[];
}

/** The union's discriminator and variants, or undefined when the schema is no such union. */
export function discriminatedUnionOf(schema: JsonSchema): DiscriminatedUnion | undefined {
  const variants = schema.oneOf ?? schema.anyOf;
  const first = variants?.[0];
  if (!variants || !first?.properties) return undefined;
  const key = Object.keys(first.properties).find((name) =>
    variants.every((variant) => {
      const property = variant.properties?.[name];
      return property !== undefined && 'const' in property;
    }),
  );
  return key === undefined ? undefined : { key, variants };
}

/** The constant a variant has under the discriminator. */
export function variantValue(variant: JsonSchema, key: string): unknown {
  return variant.properties?.[key]?.const;
}

/** A JSON value as inline code. */
export function codeValue(value: unknown): string {
  return `\`${JSON.stringify(value)}\``;
}

const SIMPLE_TYPES: Record<string, string> = {
  string: 'string',
  integer: 'integer',
  number: 'number',
  boolean: 'boolean',
  null: 'null',
};

/** A short readable name of the type a schema accepts, e.g. "string (uri)" or "array of string". */
export function typeLabel(schema: JsonSchema, root: JsonSchema): string {
  if (isRecursiveRef(schema, root)) return 'any JSON value';
  const s = deref(schema, root);
  if ('const' in s) return codeValue(s.const);
  if (s.enum) return `one of ${s.enum.map(codeValue).join(', ')}`;
  if (s['x-credential-types']) return 'credential id (see [Credentials](#credentials))';
  const union = discriminatedUnionOf(s);
  if (union) return `one of ${union.variants.length} variants by \`${union.key}\` (see below)`;
  const options = s.oneOf ?? s.anyOf;
  if (options) return options.map((option) => typeLabel(option, root)).join(' or ');
  const types = typeof s.type === 'string' ? [s.type] : (s.type ?? []);
  if (types.length === 0) return 'any (a value or an expression)';
  return types.map((type) => singleTypeLabel(type, s, root)).join(' or ');
}

function singleTypeLabel(type: string, s: JsonSchema, root: JsonSchema): string {
  if (type === 'string' && s.format) return `string (${s.format})`;
  if (type === 'array') {
    const items = s.items ? deref(s.items, root) : {};
    return items.properties ? 'array of objects (fields below)' : `array of ${typeLabel(items, root)}`;
  }
  if (type === 'object') {
    if (s.properties) return 'object (fields below)';
    const values = s.additionalProperties;
    if (typeof values === 'object') return `object: name → ${typeLabel(values, root)}`;
    return 'object';
  }
  return SIMPLE_TYPES[type] ?? type;
}
