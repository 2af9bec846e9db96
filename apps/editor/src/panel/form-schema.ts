// Prepares a node type's config JSON Schema for RJSF: labels, option titles, "any value" fields and credential
// pickers.
import type { RJSFSchema, UiSchema } from '@rjsf/utils';
import { humanize } from '@tributary/flow/labels';

type Schema = Record<string, unknown>;

/** A number of milliseconds (`timeoutMs`, `delayMs`): edited with units ("20 s") instead of raw ms. */
function isDuration(key: string, schema: Schema): boolean {
  return /[a-z]Ms$/.test(key) && (schema.type === 'integer' || schema.type === 'number');
}

function isSchema(value: unknown): value is Schema {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function resolve(schema: Schema, defs: Schema): Schema {
  const ref = schema.$ref;
  if (typeof ref === 'string' && ref.startsWith('#/$defs/')) {
    const target = defs[ref.slice('#/$defs/'.length)];
    if (isSchema(target)) {
      const { $ref: _ref, ...rest } = schema;
      return { ...target, ...rest };
    }
  }
  return schema;
}

/** A schema RJSF cannot render as one typed field: no type at all, or a union of different kinds. */
function isAnyValue(schema: Schema): boolean {
  if (schema.type !== undefined || schema.enum !== undefined || schema.const !== undefined) return false;
  const options = (schema.anyOf ?? schema.oneOf) as unknown;
  if (Array.isArray(options)) {
    // a union of objects (e.g. webhook auth variants) renders as a choice; anything else is free-form
    return !options.every((o) => isSchema(o) && o.type === 'object');
  }
  return schema.properties === undefined && schema.items === undefined;
}

function titleOption(option: unknown, index: number): unknown {
  if (!isSchema(option) || option.title !== undefined) return option;
  const properties = isSchema(option.properties) ? option.properties : {};
  const kind = isSchema(properties.type) ? properties.type.const : undefined;
  return { ...option, title: typeof kind === 'string' ? humanize(kind) : `Option ${index + 1}` };
}

function prepare(input: Schema, defs: Schema, title: string | undefined, ui: UiSchema): Schema {
  const schema = resolve(input, defs);
  if (isAnyValue(schema)) {
    const out: Schema = {};
    if (title) out.title = title;
    if (schema.description !== undefined) out.description = schema.description;
    if (schema.default !== undefined) out.default = schema.default;
    ui['ui:field'] = 'AnyValueField';
    return out;
  }
  // allOf only carries extra patterns here; the API validates them and RJSF's merge of patterns is lossy
  const { allOf: _allOf, propertyNames: _names, $schema: _s, $defs: _d, ...rest } = schema;
  const out: Schema = { ...rest };
  if (title && out.title === undefined) out.title = title;
  if (schema.writeOnly === true && schema.type === 'string') ui['ui:widget'] = 'password';
  // a stored credential's id, chosen from the credentials of the types the node accepts
  if (Array.isArray(schema['x-credential-types'])) ui['ui:widget'] = 'CredentialWidget';
  // the flow a sub-flow node calls, chosen among the flows that can be called
  if (schema['x-flow-slug'] === true) ui['ui:widget'] = 'FlowSlugWidget';
  // a tracking trigger's sources, ticked by name
  if (schema['x-tracking-sources'] === true) ui['ui:field'] = 'SourcesField';
  // a tracking trigger's event names, with the names seen lately suggested
  if (schema['x-event-names'] === true) ui['ui:field'] = 'EventNamesField';
  // the discriminator of a union (auth `type`) is chosen by the option selector, not typed in
  if (schema.const !== undefined) ui['ui:widget'] = 'hidden';
  if (isSchema(schema.properties)) {
    const properties: Schema = {};
    for (const [key, child] of Object.entries(schema.properties)) {
      if (!isSchema(child)) continue;
      const childUi: UiSchema = {};
      const duration = isDuration(key, resolve(child, defs));
      properties[key] = prepare(child, defs, humanize(duration ? key.slice(0, -2) : key), childUi);
      if (duration) childUi['ui:widget'] = 'DurationWidget';
      if (Object.keys(childUi).length > 0) ui[key] = childUi;
    }
    out.properties = properties;
  }
  if (isSchema(schema.additionalProperties)) {
    const childUi: UiSchema = {};
    out.additionalProperties = prepare(schema.additionalProperties, defs, undefined, childUi);
    if (Object.keys(childUi).length > 0) ui.additionalProperties = childUi;
  }
  if (isSchema(schema.items)) {
    const childUi: UiSchema = {};
    out.items = prepare(schema.items, defs, undefined, childUi);
    if (Object.keys(childUi).length > 0) ui.items = childUi;
  }
  for (const union of ['oneOf', 'anyOf'] as const) {
    const options = schema[union];
    if (Array.isArray(options)) {
      const optionUis: UiSchema[] = options.map(() => ({}));
      out[union] = options.map((option, index) =>
        isSchema(option)
          ? titleOption(prepare(option, defs, undefined, optionUis[index] ?? {}), index)
          : option,
      );
      // RJSF renders the chosen option with uiSchema.oneOf[i] (password inputs, credential pickers inside it)
      if (optionUis.some((optionUi) => Object.keys(optionUi).length > 0)) ui[union] = optionUis;
    }
  }
  return out;
}

/** The RJSF schema and uiSchema for a config JSON Schema. */
export function formSchema(configSchema: Schema): { schema: RJSFSchema; uiSchema: UiSchema } {
  const defs = isSchema(configSchema.$defs) ? configSchema.$defs : {};
  const uiSchema: UiSchema = {};
  const prepared = prepare(configSchema, defs, undefined, uiSchema);
  // the root of every config schema is an object schema; RJSFSchema is JSON Schema
  return { schema: prepared as RJSFSchema, uiSchema };
}
