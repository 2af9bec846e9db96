// The whole docs/nodes folder rendered in memory, and how it differs from the files on disk.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CredentialType, NodeType } from '@tributary/nodes';
import { pageFileOf, renderIndexPage } from './index-page.js';
import { type CredentialLookup, renderNodePage } from './node-page.js';

/** The folder the node docs live in. */
export const DOCS_DIR = join(dirname(fileURLToPath(import.meta.url)), '../../docs/nodes');

/** The index file of docs/nodes. */
export const INDEX_FILE = 'README.md';

/** Every file of docs/nodes by name: one page per node type and the index, sorted by name. */
export function renderNodeDocs(
  nodes: readonly NodeType[],
  credentials: readonly CredentialType[],
  credentialType: CredentialLookup,
): Map<string, string> {
  const files: [string, string][] = nodes.map((node) => [
    pageFileOf(node),
    renderNodePage(node, credentialType),
  ]);
  files.push([INDEX_FILE, renderIndexPage(nodes, credentials)]);
  return new Map(files.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** How a folder differs from the rendered files. */
export interface DocsDrift {
  /** Rendered files that are missing on disk or differ from it. */
  stale: string[];
  /** Markdown files on disk that nothing renders any more (a node type that is gone). */
  extra: string[];
}

/** Compares the rendered files with the Markdown files in `dir`. */
export function driftOf(dir: string, rendered: ReadonlyMap<string, string>): DocsDrift {
  const onDisk = existsSync(dir) ? readdirSync(dir).filter((name) => name.endsWith('.md')) : [];
  const stale = [...rendered]
    .filter(([name, content]) => !onDisk.includes(name) || readFileSync(join(dir, name), 'utf8') !== content)
    .map(([name]) => name);
  const extra = onDisk.filter((name) => !rendered.has(name)).sort();
  return { stale, extra };
}
