// Import: reads a flow definition from a JSON file and picks a free slug when the file's one is taken.
import type { FlowListItem } from '../api/types';

export class ImportError extends Error {}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Parses an exported flow; the API checks the rest. */
export function parseFlowFile(text: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new ImportError('The file is not JSON.');
  }
  // an export of the whole flow answer carries the definition under `draft`
  const definition = isRecord(value) && isRecord(value.draft) ? value.draft : value;
  if (!isRecord(definition) || !Array.isArray(definition.nodes)) {
    throw new ImportError('The file is not a flow definition (it has no "nodes" list).');
  }
  return definition;
}

/** Turns a name into a slug: lower-case letters, digits and single dashes. */
export function slugify(text: string): string {
  const slug = text
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 80);
  return slug || 'flow';
}

/** `slug`, or `slug-2`, `slug-3`… when another flow uses it. */
export function freeSlug(slug: string, flows: readonly Pick<FlowListItem, 'slug'>[]): string {
  const taken = new Set(flows.map((f) => f.slug));
  if (!taken.has(slug)) return slug;
  for (let n = 2; ; n++) {
    const candidate = `${slug}-${n}`;
    if (!taken.has(candidate)) return candidate;
  }
}

/** A name and slug for a copy of a flow. */
export function copyOf(
  name: string,
  slug: string,
  flows: readonly Pick<FlowListItem, 'slug'>[],
): { name: string; slug: string } {
  return { name: `${name} (copy)`, slug: freeSlug(`${slug}-copy`, flows) };
}
