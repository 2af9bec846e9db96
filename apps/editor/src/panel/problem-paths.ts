// Maps the API's validation problems onto a node's config form (an RJSF error schema) and its other fields.
import type { ErrorSchema } from '@rjsf/utils';
import type { Problem } from '../api/types';

/** Parses a JSON path such as `nodes[2].config.headers["X-Key"]` into its segments. */
export function parsePath(path: string): (string | number)[] {
  const segments: (string | number)[] = [];
  const pattern = /([A-Za-z_$][A-Za-z0-9_$]*)|\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\]/g;
  for (const match of path.matchAll(pattern)) {
    if (match[1] !== undefined) segments.push(match[1]);
    else if (match[2] !== undefined) segments.push(Number(match[2]));
    else if (match[3] !== undefined) segments.push(String(JSON.parse(match[3])));
  }
  return segments;
}

export interface NodeProblems {
  /** Problems of config fields, shaped for RJSF's `extraErrors`. */
  configErrors: ErrorSchema;
  /** Problems of the config as a whole (unknown keys, wrong type). */
  configGeneral: string[];
  /** Problems of the node's other fields, by field name (name, retry, timeoutMs, …). */
  fields: Record<string, string[]>;
  /** Everything else about the node (ports, edges, duplicates). */
  other: string[];
}

type MutableErrors = { __errors?: string[]; [key: string]: unknown };

function addError(root: MutableErrors, segments: (string | number)[], message: string): void {
  let current = root;
  for (const segment of segments) {
    const key = String(segment);
    const child = current[key];
    // children of the error tree are only ever created here, as MutableErrors
    const next: MutableErrors = typeof child === 'object' && child !== null ? (child as MutableErrors) : {};
    current[key] = next;
    current = next;
  }
  current.__errors = [...(current.__errors ?? []), message];
}

/** Sorts a node's problems into form errors, field errors and the rest. */
export function nodeProblems(problems: readonly Problem[], nodeId: string): NodeProblems {
  const configErrors: MutableErrors = {};
  const result: NodeProblems = { configErrors: {}, configGeneral: [], fields: {}, other: [] };
  for (const problem of problems) {
    if (problem.nodeId !== nodeId) continue;
    const segments = parsePath(problem.path);
    const [top, , field, ...rest] = segments;
    if (top !== 'nodes' || field === undefined) {
      result.other.push(problem.message);
    } else if (field === 'config') {
      if (rest.length === 0) result.configGeneral.push(problem.message);
      else addError(configErrors, rest, problem.message);
    } else {
      const name = String(field);
      result.fields[name] = [...(result.fields[name] ?? []), problem.message];
    }
  }
  // the error schema is built from plain objects with __errors arrays, which is ErrorSchema's shape
  result.configErrors = configErrors as ErrorSchema;
  return result;
}
