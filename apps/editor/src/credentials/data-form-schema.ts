// The RJSF schema of a credential type's data: secret fields as password inputs; when editing, every field
// optional and empty, stored ones marked "leave empty to keep", and no defaults that would overwrite them.
import type { RJSFSchema, UiSchema } from '@rjsf/utils';
import type { CredentialType } from '../api/types';
import { formSchema } from '../panel/form-schema';

/** The placeholder of a field whose value is stored but never shown. */
export const STORED_PLACEHOLDER = 'stored — leave empty to keep';

type Schema = Record<string, unknown>;

function isSchema(value: unknown): value is Schema {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * RJSF schema and uiSchema of `type`'s data. `stored` is null for a new credential, else the names of the
 * fields the stored credential has set.
 */
export function dataFormSchema(
  type: Pick<CredentialType, 'dataSchema' | 'secretFields'>,
  stored: readonly string[] | null,
): { schema: RJSFSchema; uiSchema: UiSchema } {
  const { schema, uiSchema } = formSchema(type.dataSchema);
  const properties: Schema = isSchema(schema.properties) ? { ...schema.properties } : {};
  const ui: UiSchema = { ...uiSchema };
  for (const [field, child] of Object.entries(properties)) {
    if (!isSchema(child)) continue;
    const fieldUi: UiSchema = { ...(isSchema(ui[field]) ? ui[field] : {}) };
    // browsers must not offer to save or fill in a credential's secrets
    if (type.secretFields.includes(field)) fieldUi['ui:autocomplete'] = 'new-password';
    if (stored !== null) {
      const { default: _default, ...rest } = child;
      properties[field] = rest;
      const isStored = stored.includes(field);
      // a checkbox cannot say "keep what is stored"; a select with an empty choice can
      if (child.type === 'boolean') fieldUi['ui:widget'] = 'select';
      if (isStored)
        fieldUi['ui:placeholder'] = child.type === 'boolean' ? 'stored — keep' : STORED_PLACEHOLDER;
    }
    if (Object.keys(fieldUi).length > 0) ui[field] = fieldUi;
  }
  const out: Schema = { ...schema, properties };
  // when editing, an empty field keeps its stored value, so none is required
  if (stored !== null) delete out.required;
  // the prepared root of a data schema is an object schema, which is what RJSFSchema describes
  return { schema: out as RJSFSchema, uiSchema: ui };
}
