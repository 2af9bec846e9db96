// docs/nodes/README.md: every node type with a link to its page, then every credential type.
import type { CredentialType, NodeType } from '@tributary/nodes';
import { credentialFieldList } from './credential-fields.js';
import { cell, document, firstSentence, table, text } from './markdown.js';
import { GENERATED_NOTE } from './node-page.js';

/** The page file of a node type, relative to docs/nodes. */
export function pageFileOf(node: NodeType): string {
  return `${node.type}.md`;
}

const byType = <T extends { type: string }>(a: T, b: T) => (a.type < b.type ? -1 : a.type > b.type ? 1 : 0);

/** The index of node types and credential types, each sorted by type id. */
export function renderIndexPage(nodes: readonly NodeType[], credentials: readonly CredentialType[]): string {
  const nodeRows = [...nodes]
    .sort(byType)
    .map((node) =>
      [
        `[\`${node.type}\`](${pageFileOf(node)})`,
        text(node.title),
        node.category,
        text(firstSentence(node.description)),
      ].map(cell),
    );
  const credentialRows = [...credentials]
    .sort(byType)
    .map((credential) =>
      [
        `\`${credential.type}\``,
        text(credential.title),
        credentialFieldList(credential),
        credential.test ? 'yes' : 'no',
      ].map(cell),
    );
  return document([
    GENERATED_NOTE,
    '# Node reference',
    'Every node type a flow can use, with its ports, config fields, credentials, retry defaults, output and an example. The same facts come from `GET /api/v1/node-types` (config as JSON Schema).',
    '## Node types',
    table(['Type', 'Title', 'Category', 'Description'], nodeRows),
    '## Credential types',
    'A node with a `credential` field takes the id of a stored credential (`POST /api/v1/credentials`) of a type it accepts. Secret fields are encrypted at rest, never returned by the API and redacted from step output, errors and logs. Types with a connection test can be checked with `POST /api/v1/credentials/:id/test`.',
    table(['Type', 'Title', 'Fields', 'Connection test'], credentialRows),
  ]);
}
