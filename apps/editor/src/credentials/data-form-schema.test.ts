import { describe, expect, test } from 'vitest';
import { dataFormSchema, STORED_PLACEHOLDER } from './data-form-schema';

const smtp = {
  secretFields: ['password'],
  dataSchema: {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    type: 'object',
    properties: {
      host: { type: 'string', minLength: 1 },
      port: { type: 'integer', default: 587 },
      secure: { type: 'boolean', default: false },
      username: { type: 'string' },
      password: { type: 'string', minLength: 1, writeOnly: true },
    },
    required: ['host'],
    additionalProperties: false,
  },
};

describe('credential data form schema', () => {
  test('a new credential gets password inputs for secrets, its defaults and required fields', () => {
    const { schema, uiSchema } = dataFormSchema(smtp, null);
    expect(schema.required).toEqual(['host']);
    expect(schema.properties?.port).toEqual({ type: 'integer', default: 587, title: 'Port' });
    expect(uiSchema).toEqual({ password: { 'ui:widget': 'password', 'ui:autocomplete': 'new-password' } });
  });

  test('editing marks stored fields "leave empty to keep", drops defaults and requires nothing', () => {
    const { schema, uiSchema } = dataFormSchema(smtp, ['host', 'port', 'secure', 'password']);
    expect(schema.required).toBeUndefined();
    expect(schema.properties?.port).toEqual({ type: 'integer', title: 'Port' });
    expect(schema.properties?.secure).toEqual({ type: 'boolean', title: 'Secure' });
    expect(uiSchema).toEqual({
      host: { 'ui:placeholder': STORED_PLACEHOLDER },
      port: { 'ui:placeholder': STORED_PLACEHOLDER },
      secure: { 'ui:widget': 'select', 'ui:placeholder': 'stored — keep' },
      password: {
        'ui:widget': 'password',
        'ui:autocomplete': 'new-password',
        'ui:placeholder': STORED_PLACEHOLDER,
      },
    });
  });
});
