import { describe, expect, test } from 'vitest';
import { formSchema } from './form-schema';

describe('form schema for RJSF', () => {
  test('renders values of any type with the any-value field and drops the lossy allOf patterns', () => {
    const { schema, uiSchema } = formSchema({
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      type: 'object',
      properties: {
        condition: { description: 'an expression' },
        body: { $ref: '#/$defs/json' },
        path: { type: 'string', allOf: [{ pattern: 'a' }, { pattern: 'b' }] },
      },
      $defs: { json: { anyOf: [{ type: 'string' }, { type: 'object' }] } },
    });
    expect(schema).toEqual({
      type: 'object',
      properties: {
        condition: { title: 'Condition', description: 'an expression' },
        body: { title: 'Body' },
        path: { type: 'string', title: 'Path' },
      },
    });
    expect(uiSchema).toEqual({
      condition: { 'ui:field': 'AnyValueField' },
      body: { 'ui:field': 'AnyValueField' },
    });
  });

  test('edits milliseconds as durations with units, titled without "(ms)"', () => {
    const { schema, uiSchema } = formSchema({
      type: 'object',
      properties: {
        timeoutMs: { type: 'integer', default: 3_600_000 },
        items: { type: 'integer' },
        ms: { type: 'string' },
      },
    });
    expect(schema.properties).toEqual({
      timeoutMs: { type: 'integer', default: 3_600_000, title: 'Timeout' },
      items: { type: 'integer', title: 'Items' },
      ms: { type: 'string', title: '(ms)' },
    });
    expect(uiSchema).toEqual({ timeoutMs: { 'ui:widget': 'DurationWidget' } });
  });

  test('titles the options of a union of objects, hides their discriminator and keeps their widgets', () => {
    const { schema, uiSchema } = formSchema({
      type: 'object',
      properties: {
        auth: {
          oneOf: [
            { type: 'object', properties: { type: { type: 'string', const: 'none' } } },
            {
              type: 'object',
              properties: {
                type: { type: 'string', const: 'header' },
                value: { type: 'string', writeOnly: true },
              },
            },
          ],
        },
      },
    });
    // the prepared auth schema is the oneOf built above
    const auth = schema.properties?.auth as { oneOf: { title: string }[] } | undefined;
    const options = auth?.oneOf ?? [];
    expect(options.map((o) => o.title)).toEqual(['None', 'Header']);
    expect(uiSchema).toEqual({
      auth: {
        oneOf: [
          { type: { 'ui:widget': 'hidden' } },
          { type: { 'ui:widget': 'hidden' }, value: { 'ui:widget': 'password' } },
        ],
      },
    });
  });

  test('renders a field naming credential types as the credential picker', () => {
    const { schema, uiSchema } = formSchema({
      type: 'object',
      properties: {
        url: { type: 'string' },
        credential: { type: 'string', format: 'uuid', 'x-credential-types': ['http.bearer', 'http.basic'] },
      },
    });
    expect(uiSchema).toEqual({ credential: { 'ui:widget': 'CredentialWidget' } });
    const auth = formSchema({
      type: 'object',
      properties: {
        auth: {
          oneOf: [
            { type: 'object', properties: { type: { type: 'string', const: 'none' } } },
            {
              type: 'object',
              properties: {
                type: { type: 'string', const: 'header' },
                credential: { type: 'string', 'x-credential-types': ['webhook.header'] },
              },
            },
          ],
        },
      },
    });
    expect(auth.uiSchema.auth?.oneOf?.[1]).toEqual({
      type: { 'ui:widget': 'hidden' },
      credential: { 'ui:widget': 'CredentialWidget' },
    });
    expect(schema.properties?.credential).toEqual(
      expect.objectContaining({ title: 'Credential', 'x-credential-types': ['http.bearer', 'http.basic'] }),
    );
  });

  test("renders a tracking trigger's sources as the sources field", () => {
    const { uiSchema } = formSchema({
      type: 'object',
      properties: {
        sources: { type: 'array', items: { type: 'string', format: 'uuid' }, 'x-tracking-sources': true },
        events: { type: 'array', items: { type: 'string' } },
      },
    });
    expect(uiSchema.sources).toEqual({ 'ui:field': 'SourcesField' });
    expect(uiSchema.events).toBeUndefined();
  });
});
