// `npm run docs:nodes`: writes docs/nodes/<type>.md for every node type and docs/nodes/README.md, and removes
// the pages of node types that are gone.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { credentialTypes, getCredentialType, nodeTypes } from '@tributary/nodes';
import { DOCS_DIR, driftOf, renderNodeDocs } from './node-docs/render.js';

const rendered = renderNodeDocs(nodeTypes, credentialTypes, getCredentialType);
const { stale, extra } = driftOf(DOCS_DIR, rendered);
mkdirSync(DOCS_DIR, { recursive: true });
for (const name of stale) writeFileSync(join(DOCS_DIR, name), rendered.get(name) ?? '');
for (const name of extra) rmSync(join(DOCS_DIR, name));
process.stdout.write(
  `docs/nodes: ${rendered.size} files, ${stale.length} written, ${extra.length} removed\n`,
);
