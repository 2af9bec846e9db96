// Credentials by name in flow files: a node's `credential` field (top level, or one level down as in the
// webhook trigger's `auth`) may be written {"name": "crm-prod"}; deploy turns names into the target
// instance's ids, export turns ids back into names. The same places the API looks for references.
import type { Problem } from '@tributary/flow';
import { formatPath } from '@tributary/flow';
import { isObject, type JsonObject } from './canonical.js';
import type { LocalCatalogue } from './catalogue.js';

/** A credential as GET /api/v1/credentials lists it (only what references need). */
export interface CredentialSummary {
  id: string;
  name: string;
  type: string;
}

/** One `credential` field of a node: where it is and what it holds. */
interface Reference {
  nodeIndex: number;
  nodeId: string;
  /** The object holding the `credential` key (the config, or e.g. its `auth`). */
  holder: JsonObject;
  /** Path segments from the config to the field. */
  segments: string[];
  /** The node's config and the credential types it accepts. */
  config: JsonObject;
  accepted: readonly string[];
}

/**
 * A stand-in id for a name that could not be resolved, so that graph validation reports the missing name
 * once (as a credential problem) and not again as a malformed config field.
 */
const UNRESOLVED_ID = '00000000-0000-4000-8000-000000000000';

function referencesIn(definition: JsonObject, catalogue: LocalCatalogue): Reference[] {
  const refs: Reference[] = [];
  const nodes = Array.isArray(definition.nodes) ? definition.nodes : [];
  nodes.forEach((node: unknown, nodeIndex) => {
    if (!isObject(node) || typeof node.type !== 'string' || !isObject(node.config)) return;
    const info = catalogue.info(node.type);
    if (!info || info.credentialTypes.length === 0) return;
    const config = node.config;
    const base = {
      nodeIndex,
      nodeId: typeof node.id === 'string' ? node.id : String(nodeIndex),
      config,
      accepted: info.credentialTypesFor(config),
    };
    if ('credential' in config) refs.push({ ...base, holder: config, segments: ['credential'] });
    for (const [key, value] of Object.entries(config)) {
      if (isObject(value) && 'credential' in value) {
        refs.push({ ...base, holder: value, segments: [key, 'credential'] });
      }
    }
  });
  return refs;
}

/** A reference written by name: `{"name": "…"}` and nothing else. */
function nameOf(value: unknown): string | undefined {
  if (!isObject(value) || typeof value.name !== 'string') return undefined;
  return Object.keys(value).length === 1 ? value.name : undefined;
}

/** Whether a definition names any credential by name (so resolving needs the instance's credentials). */
export function namesCredentials(definition: JsonObject, catalogue: LocalCatalogue): boolean {
  return referencesIn(definition, catalogue).some((ref) => nameOf(ref.holder.credential) !== undefined);
}

/**
 * Replaces credential names with the ids of `known` (in a copy); a name that is missing, or of a type the
 * node does not accept, is a problem at the field's path.
 */
export function resolveCredentialNames(
  definition: JsonObject,
  known: readonly CredentialSummary[],
  catalogue: LocalCatalogue,
  where: string,
): { definition: JsonObject; problems: Problem[] } {
  const copy = structuredClone(definition);
  const byName = new Map(known.map((c) => [c.name, c]));
  const problems: Problem[] = [];
  for (const ref of referencesIn(copy, catalogue)) {
    const name = nameOf(ref.holder.credential);
    if (name === undefined) continue;
    const path = formatPath(['nodes', ref.nodeIndex, 'config', ...ref.segments]);
    const found = byName.get(name);
    if (!found) {
      const names = known.map((c) => `"${c.name}"`).join(', ');
      problems.push({
        path,
        nodeId: ref.nodeId,
        code: 'credential_name_not_found',
        message: `no credential named "${name}" on ${where} (${names === '' ? 'it has none' : `it has ${names}`}); create it there first`,
      });
      ref.holder.credential = UNRESOLVED_ID;
    } else if (!ref.accepted.includes(found.type)) {
      problems.push({
        path,
        nodeId: ref.nodeId,
        code: 'wrong_credential_type',
        message: `credential "${found.name}" is ${found.type}; this node accepts ${ref.accepted.join(', ')}`,
      });
      ref.holder.credential = found.id;
    } else {
      ref.holder.credential = found.id;
    }
  }
  return { definition: copy, problems };
}

/**
 * Replaces credential ids with `{"name": …}` (in a copy), so a file names what each instance binds its own
 * way; ids of credentials that no longer exist are kept, and returned for a warning.
 */
export function writeCredentialNames(
  definition: JsonObject,
  known: readonly CredentialSummary[],
  catalogue: LocalCatalogue,
): { definition: JsonObject; unknownIds: string[] } {
  const copy = structuredClone(definition);
  const byId = new Map(known.map((c) => [c.id, c]));
  const unknownIds: string[] = [];
  for (const ref of referencesIn(copy, catalogue)) {
    const id = ref.holder.credential;
    if (typeof id !== 'string' || id === '' || id.includes('{{')) continue;
    const found = byId.get(id);
    if (found) ref.holder.credential = { name: found.name };
    else unknownIds.push(id);
  }
  return { definition: copy, unknownIds };
}

/** Whether a definition holds credential ids (so writing names needs the instance's credentials). */
export function holdsCredentialIds(definition: JsonObject, catalogue: LocalCatalogue): boolean {
  return referencesIn(definition, catalogue).some((ref) => typeof ref.holder.credential === 'string');
}
