// Deciding what deploy does, before anything changes: every file read, its credential names resolved on
// the target instance, validated as the API validates it, then compared with the flow stored under its
// slug — create, update the draft, publish, or leave it alone.
import type { FlowDefinition, Problem } from '@tributary/flow';
import {
  flowDefinitionSchema,
  formatPath,
  unknownVariableProblems,
  validateFlow,
  valueAt,
  variablePlacementProblems,
} from '@tributary/flow';
import type { ApiCredential, ApiFlow, ApiFlowVersion } from './api-types.js';
import { canonicalFlow, isObject, type JsonObject } from './canonical.js';
import type { LocalCatalogue } from './catalogue.js';
import { resolveCredentialNames } from './credential-refs.js';
import type { FileProblem } from './errors.js';
import { diffFlows, type FlowChanges, isUnchanged, SECRET_MASK } from './flow-diff.js';
import type { FlowFile } from './flow-files.js';

/** A file that passed every check: the definition to send, credential ids in place of names. */
export interface PreparedFlow {
  file: string;
  slug: string;
  definition: FlowDefinition;
}

/** What deploy does with one flow. */
export type DeployAction = 'create' | 'update' | 'publish' | 'unchanged';

/** The decision for one file. */
export interface FlowPlan {
  file: string;
  slug: string;
  action: DeployAction;
  /** The stored flow, when there is one. */
  flowId: string | undefined;
  definition: FlowDefinition;
  /** Changes to the draft (for a new flow: everything added). */
  changes: FlowChanges;
  /** Whether a publish follows the save (not with --draft). */
  publish: boolean;
  /** A published version equal to the draft to make live again instead of publishing a new one. */
  reactivate: number | undefined;
  /** Why a publish is needed although the draft is the file's. */
  reason: string | undefined;
  /** The version live before deploy. */
  liveVersion: number | null;
}

/** What the instance holds that the checks need. */
export interface InstanceState {
  flows: readonly ApiFlow[];
  credentials: readonly ApiCredential[];
  /** The names of the instance's variables (needed only when a file reads `$vars`). */
  variables?: ReadonlySet<string> | undefined;
  /** Where the instance is, for messages. */
  url: string;
}

function problemsOf(file: string, problems: ReadonlyArray<Omit<FileProblem, 'file'>>): FileProblem[] {
  return problems.map((p) => ({ file, ...p }));
}

/** Where the flow reads `$vars` where no step would see them, and variables the instance does not have. */
function variableProblems(def: FlowDefinition, state: InstanceState, catalogue: LocalCatalogue): Problem[] {
  const missing = state.variables
    ? unknownVariableProblems(def, state.variables).map((p) => {
        const name = /\$vars\.(\S+?),/.exec(p.message)?.[1] ?? '';
        return {
          ...p,
          message: `reads $vars.${name}, which ${state.url} does not have; set it first (tributary vars set ${name} <value>)`,
        };
      })
    : [];
  return [...variablePlacementProblems(def, catalogue.info), ...missing];
}

/**
 * Resolves and validates every file. Problems of every file are reported together; a flow is prepared only
 * when its file has none.
 */
export function prepareFlows(
  files: readonly FlowFile[],
  state: InstanceState,
  catalogue: LocalCatalogue,
): { prepared: PreparedFlow[]; problems: FileProblem[] } {
  const problems: FileProblem[] = [];
  const prepared: PreparedFlow[] = [];
  const slugs = new Map<string, string>();
  const stored = new Map(state.flows.map((f) => [f.slug, f]));
  for (const { file, document } of files) {
    const resolved = resolveCredentialNames(document, state.credentials, catalogue, state.url);
    const found = problemsOf(file, resolved.problems);
    const slug = typeof document.slug === 'string' ? document.slug : undefined;
    const masks = maskedSecrets(
      resolved.definition,
      slug === undefined ? undefined : stored.get(slug),
      catalogue,
    );
    found.push(...problemsOf(file, masks.refused));
    const validation = validateFlow(resolved.definition, catalogue.validation);
    // a masked secret the API will put back is no value to validate: its stored value passed before
    const invalid = validation.ok ? [] : validation.problems.filter((p) => !masks.kept.has(p.path));
    found.push(...problemsOf(file, invalid));
    if (validation.ok) found.push(...problemsOf(file, variableProblems(validation.flow, state, catalogue)));
    if (slug !== undefined) {
      const first = slugs.get(slug);
      if (first !== undefined) {
        found.push({
          file,
          path: 'slug',
          code: 'duplicate_slug',
          message: `"${slug}" is also the slug of ${first}`,
        });
      } else slugs.set(slug, file);
    }
    problems.push(...found);
    if (found.length > 0) continue;
    const definition = validation.ok
      ? validation.flow
      : flowDefinitionSchema.safeParse(resolved.definition).data;
    if (definition) prepared.push({ file, slug: definition.slug, definition });
  }
  // an error flow must exist on the instance or come with this deploy (publish refuses it otherwise)
  const known = new Set([...state.flows.map((f) => f.slug), ...slugs.keys()]);
  for (const flow of prepared) {
    const errorFlow = flow.definition.settings.errorFlow;
    if (errorFlow !== undefined && !known.has(errorFlow)) {
      problems.push({
        file: flow.file,
        path: 'settings.errorFlow',
        code: 'error_flow_not_found',
        message: `no flow has the slug "${errorFlow}" on ${state.url} or in the files deployed; deploy the error flow too, or fix the slug`,
      });
    }
  }
  return { prepared: problems.length === 0 ? prepared : [], problems };
}

/**
 * Secrets an export wrote as the mask: the API puts the stored value back for a node it has (same flow, id
 * and type) — `kept`, by path — and refuses the mask anywhere else, found here before anything changes.
 */
function maskedSecrets(
  definition: JsonObject,
  storedFlow: ApiFlow | undefined,
  catalogue: LocalCatalogue,
): { kept: Set<string>; refused: Problem[] } {
  const kept = new Set<string>();
  const refused: Problem[] = [];
  const storedNodes = Array.isArray(storedFlow?.draft.nodes) ? storedFlow.draft.nodes.filter(isObject) : [];
  const nodes = Array.isArray(definition.nodes) ? definition.nodes : [];
  nodes.forEach((node: unknown, index) => {
    if (!isObject(node) || typeof node.type !== 'string' || !isObject(node.config)) return;
    const keeps = storedNodes.some((n) => n.id === node.id && n.type === node.type);
    for (const field of catalogue.info(node.type)?.secretFields ?? []) {
      const segments = field.split('.');
      if (valueAt(node.config, segments) !== SECRET_MASK) continue;
      const path = formatPath(['nodes', index, 'config', ...segments]);
      if (keeps) kept.add(path);
      else {
        refused.push({
          path,
          ...(typeof node.id === 'string' ? { nodeId: node.id } : {}),
          code: 'masked_secret',
          message:
            'this secret was masked when the flow was exported, and the flow on this instance has no such node to keep it from; enter it again (better: use a credential)',
        });
      }
    }
  });
  return { kept, refused };
}

/** A definition as compared: canonical, and in the flow document's own shape. */
function comparable(definition: unknown): JsonObject {
  return canonicalFlow(isObject(definition) ? definition : {});
}

/** Whether two definitions say the same (key order, node and edge order and sub-pixel positions aside). */
export function sameDefinition(
  a: unknown,
  b: unknown,
  secretFields: (type: string) => readonly string[],
): boolean {
  return isUnchanged(diffFlows(comparable(a), comparable(b), secretFields));
}

/** Looks up the published versions of a flow (only when the draft alone cannot decide). */
export type VersionsOf = (flowId: string) => Promise<readonly ApiFlowVersion[]>;

/** Decides what to do with one prepared flow. */
export async function planFlow(
  flow: PreparedFlow,
  existing: ApiFlow | undefined,
  options: { draftOnly: boolean; secretFields: (type: string) => readonly string[]; versionsOf: VersionsOf },
): Promise<FlowPlan> {
  const base = {
    file: flow.file,
    slug: flow.slug,
    definition: flow.definition,
    reactivate: undefined,
    reason: undefined,
    liveVersion: existing?.activeVersion ?? null,
  };
  const after = comparable(flow.definition);
  if (!existing) {
    const changes = diffFlows(undefined, after, options.secretFields);
    return { ...base, action: 'create', flowId: undefined, changes, publish: !options.draftOnly };
  }
  const changes = diffFlows(comparable(existing.draft), after, options.secretFields);
  const flowId = existing.id;
  if (!isUnchanged(changes))
    return { ...base, action: 'update', flowId, changes, publish: !options.draftOnly };
  const unchanged: FlowPlan = { ...base, action: 'unchanged', flowId, changes, publish: false };
  if (options.draftOnly) return unchanged;

  const versions = existing.latestVersion > 0 ? await options.versionsOf(flowId) : [];
  const live = versions.find((v) => v.version === existing.activeVersion);
  if (
    existing.status === 'published' &&
    live &&
    sameDefinition(live.definition, existing.draft, options.secretFields)
  ) {
    return unchanged;
  }
  const latest = versions.find((v) => v.version === existing.latestVersion);
  const reason =
    existing.status === 'inactive'
      ? 'the flow is inactive'
      : existing.status === 'draft'
        ? 'the flow has never been published'
        : `the live version ${existing.activeVersion} is not the draft`;
  // a published version that already says the same is made live again: no new version for nothing
  const reactivate =
    latest && sameDefinition(latest.definition, existing.draft, options.secretFields)
      ? latest.version
      : undefined;
  return { ...base, action: 'publish', flowId, changes, publish: true, reactivate, reason };
}
