// Reading flow files: the paths given (files, or folders searched for them), each one flow as JSON or YAML.
import { readdir, readFile, stat } from 'node:fs/promises';
import { extname, join, relative } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { isObject, type JsonObject } from './canonical.js';
import type { FileProblem } from './errors.js';
import { messageOf, systemCode, UsageError } from './errors.js';

/** The extensions of flow files. */
export const FLOW_FILE_EXTENSIONS = ['.json', '.yaml', '.yml'];

/** A flow file that was read: its name as shown to people, and its parsed document. */
export interface FlowFile {
  file: string;
  document: JsonObject;
}

function shown(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel === '' || rel.startsWith('..') ? path : rel;
}

async function walk(dir: string, out: string[]): Promise<void> {
  const entries = await readdir(dir, { withFileTypes: true });
  for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    // hidden folders and files (.git, editor backups) and dependencies are never flows
    if (entry.name.startsWith('.') || entry.name === 'node_modules') continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) await walk(path, out);
    else if (entry.isFile() && FLOW_FILE_EXTENSIONS.includes(extname(entry.name).toLowerCase()))
      out.push(path);
  }
}

/** The flow files the paths name: files as given, folders searched (recursively) for .json/.yaml/.yml. */
export async function findFlowFiles(paths: readonly string[]): Promise<string[]> {
  const found: string[] = [];
  for (const path of paths) {
    let info: Awaited<ReturnType<typeof stat>>;
    try {
      info = await stat(path);
    } catch (err) {
      if (systemCode(err) === 'ENOENT') throw new UsageError(`${path}: no such file or folder`);
      throw new UsageError(`${path}: ${messageOf(err)}`, { cause: err });
    }
    if (info.isDirectory()) {
      const before = found.length;
      await walk(path, found);
      if (found.length === before) throw new UsageError(`${path}: no .json, .yaml or .yml flow files in it`);
    } else if (FLOW_FILE_EXTENSIONS.includes(extname(path).toLowerCase())) {
      found.push(path);
    } else {
      throw new UsageError(`${path}: a flow file ends in .json, .yaml or .yml`);
    }
  }
  return [...new Set(found)];
}

/** Line and column of a character offset, for JSON syntax errors. */
function lineColumn(text: string, offset: number): string {
  const before = text.slice(0, offset).split('\n');
  return `line ${before.length}, column ${(before.at(-1)?.length ?? 0) + 1}`;
}

function parseJson(text: string): { value: unknown } | { error: string } {
  try {
    return { value: JSON.parse(text) };
  } catch (err) {
    const message = messageOf(err);
    const at = /position (\d+)/.exec(message);
    return { error: `not valid JSON: ${message}${at?.[1] ? ` (${lineColumn(text, Number(at[1]))})` : ''}` };
  }
}

function parseYaml(text: string): { value: unknown } | { error: string } {
  const documents = parseAllDocuments(text, { prettyErrors: true });
  if (documents.length === 0) return { error: 'the file is empty' };
  if (documents.length !== 1)
    return { error: `holds ${documents.length} YAML documents; write one flow per file` };
  const [document] = documents;
  const error = document?.errors[0];
  if (!document || error) return { error: `not valid YAML: ${error?.message ?? 'no document'}` };
  return { value: document.toJS({ maxAliasCount: 100 }) };
}

/** Reads and parses one flow file; what cannot be read or is not one object is a problem of the file. */
export async function readFlowFile(path: string): Promise<FlowFile | FileProblem> {
  const file = shown(path);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    return { file, path: '', message: `cannot read it: ${messageOf(err)}`, code: 'unreadable' };
  }
  const parsed = extname(path).toLowerCase() === '.json' ? parseJson(text) : parseYaml(text);
  if ('error' in parsed) return { file, path: '', message: parsed.error, code: 'unparseable' };
  if (!isObject(parsed.value)) {
    return { file, path: '', message: 'a flow file holds one flow: a JSON object', code: 'invalid_shape' };
  }
  return { file, document: parsed.value };
}
