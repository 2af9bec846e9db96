// A credential type's data fields, as a table on the pages of the nodes that accept it and in the index.
import type { CredentialType } from '@tributary/nodes';
import { configDocOf, requiredLabel } from './config-fields.js';
import { jsonSchemaOf } from './json-schema.js';
import { cell, table, text } from './markdown.js';

/** The data fields of a credential type: name, type, whether required, secret or not, description. */
export function credentialFieldsTable(credential: CredentialType): string {
  const { fields } = configDocOf(jsonSchemaOf(credential.data), credential.secretFields);
  const rows = fields.map((field) => {
    return [
      `\`${field.path}\``,
      field.type,
      requiredLabel(field),
      field.secret ? 'yes' : 'no',
      text(field.description),
    ].map(cell);
  });
  return table(['Field', 'Type', 'Required', 'Secret', 'Description'], rows);
}

/** The field names of a credential type, the secret ones marked, e.g. "`host`, `password` (secret)". */
export function credentialFieldList(credential: CredentialType): string {
  const secret = new Set(credential.secretFields);
  return credential.fields.map((name) => `\`${name}\`${secret.has(name) ? ' (secret)' : ''}`).join(', ');
}
