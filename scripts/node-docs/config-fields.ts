// A config's JSON Schema as the rows of the docs' field tables: nested objects flattened, unions by variant.
import {
  codeValue,
  type DiscriminatedUnion,
  deref,
  discriminatedUnionOf,
  type JsonSchema,
  typeLabel,
  variantValue,
} from './json-schema.js';

/** One row of a field table. */
export interface ConfigField {
  /** Dotted path in the config; `[]` marks the items of an array, e.g. `rules[].port`. */
  path: string;
  type: string;
  required: boolean;
  /** Present when the field has a default. */
  default: { value: unknown } | undefined;
  description: string;
  /** Masked in API answers: writeOnly in the schema, or named in the node's secretFields. */
  secret: boolean;
}

/** One variant of a discriminated union: the discriminator's value and the other fields it takes. */
export interface Variant {
  value: unknown;
  description: string;
  fields: ConfigField[];
}

/** A discriminated union in the config, with each of its variants. */
export interface VariantGroup {
  path: string;
  key: string;
  variants: Variant[];
}

/** What the docs show of a config: its fields in schema order, then the unions among them. */
export interface ConfigDoc {
  fields: ConfigField[];
  unions: VariantGroup[];
}

/** Reads the field tables out of a config's JSON Schema; `secretPaths` are the node's secretFields. */
export function configDocOf(root: JsonSchema, secretPaths: readonly string[]): ConfigDoc {
  const doc: ConfigDoc = { fields: [], unions: [] };
  collect(root, '', doc.fields);
  // a config that is a union at the top (one form per mode) shows as that union's variants alone
  const union = discriminatedUnionOf(root);
  if (union) doc.unions.push(variantGroup(union, ''));
  return doc;

  function collect(schema: JsonSchema, prefix: string, into: ConfigField[], skip?: string): void {
    const required = new Set(schema.required ?? []);
    for (const [name, property] of Object.entries(schema.properties ?? {})) {
      if (name === skip) continue;
      const path = prefix === '' ? name : `${prefix}.${name}`;
      const target = deref(property, root);
      into.push({
        path,
        type: typeLabel(property, root),
        required: required.has(name),
        default: 'default' in property ? { value: property.default } : undefined,
        description: property.description ?? target.description ?? '',
        secret: property.writeOnly === true || target.writeOnly === true || secretPaths.includes(path),
      });
      nested(target, path, into);
    }
  }

  function nested(target: JsonSchema, path: string, into: ConfigField[]): void {
    const union = discriminatedUnionOf(target);
    if (union) {
      doc.unions.push(variantGroup(union, path));
    } else if (target.properties) {
      collect(target, path, into);
    } else if (target.items) {
      const items = deref(target.items, root);
      if (items.properties) collect(items, `${path}[]`, into);
    }
  }

  function variantGroup(union: DiscriminatedUnion, path: string): VariantGroup {
    const variants = union.variants.map((option) => {
      const variant = deref(option, root);
      const fields: ConfigField[] = [];
      collect(variant, path, fields, union.key);
      const description = variant.description ?? variant.properties?.[union.key]?.description;
      return {
        value: variantValue(variant, union.key),
        description: [variant.title, description].filter(Boolean).join(': '),
        fields,
      };
    });
    return { path, key: union.key, variants };
  }
}

/** The Required column: "yes", "no, default `…`" or "no". */
export function requiredLabel(field: ConfigField): string {
  if (field.required) return 'yes';
  return field.default ? `no, default ${codeValue(field.default.value)}` : 'no';
}
