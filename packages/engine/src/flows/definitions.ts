// Flows: the draft, numbered immutable versions, publish/rollback/deactivate and the trigger routing index.
import type { Database, Queryable } from '@tributary/db';
import { newId, schema } from '@tributary/db';
import type { FlowDefinition, Problem } from '@tributary/flow';
import {
  ConflictError,
  flowDefinitionSchema,
  NotFoundError,
  readsVariables,
  unknownVariableProblems,
  ValidationError,
  validateFlow,
  variablePlacementProblems,
} from '@tributary/flow';
import { catalogue, getNodeType } from '@tributary/nodes';
import { and, desc, eq, gt, isNull } from 'drizzle-orm';
import { audit, isUniqueViolation, loadDefinition, normaliseHookPath } from '../core/index.js';
import type { KnownCredentials } from '../credentials/index.js';
import {
  credentialProblems,
  knownCredentials,
  referenceProblems,
  takesCredentials,
} from '../credentials/index.js';
import { variableNames } from '../variables/index.js';
import { respondProblems } from './respond-nodes.js';
import { inlineSecretProblems, maskedSecretProblems, maskSecrets, restoreSecrets } from './secrets.js';
import { errorFlowProblems, settingsProblems } from './settings.js';
import { subFlowProblems } from './sub-flow-calls.js';
import { staticConfigProblems } from './trigger-config.js';

export type FlowRow = typeof schema.flows.$inferSelect;

/** A flow as the API shows it: secrets masked. */
export interface FlowView {
  id: string;
  slug: string;
  name: string;
  description: string;
  status: FlowRow['status'];
  activeVersion: number | null;
  latestVersion: number;
  draft: FlowDefinition;
  /** What stands between the draft and publishing; empty when it is publishable. */
  problems: Problem[];
  createdAt: Date;
  updatedAt: Date;
}

/** What a flow's references are checked against: the credentials and variables there are. */
interface Known {
  credentials?: KnownCredentials | undefined;
  variables?: ReadonlySet<string> | undefined;
}

/** Loads what `view` checks the drafts' references against, only the parts some draft needs. */
async function knownFor(db: Queryable, drafts: readonly FlowDefinition[]): Promise<Known> {
  const [credentials, variables] = await Promise.all([
    drafts.some(takesCredentials) ? knownCredentials(db) : undefined,
    drafts.some(readsVariables) ? variableNames(db) : undefined,
  ]);
  return { credentials, variables };
}

/**
 * The answer for a flow; with `known`, its problems include credentials it names that are missing or of a
 * type its node does not accept, and variables it reads that are not defined, so they show before publish
 * refuses them.
 */
function view(row: FlowRow, known: Known = {}): FlowView {
  const draft = row.draft as FlowDefinition;
  const checked = validateFlow(row.draft, catalogue);
  const credentials = known.credentials ? referenceProblems(known.credentials, draft) : [];
  const variables = [
    ...variablePlacementProblems(draft, getNodeType),
    ...(known.variables ? unknownVariableProblems(draft, known.variables) : []),
  ];
  // drafts always pass flowDefinitionSchema (allowInvalid keeps shape-valid ones)
  const masked = [...maskedSecretProblems(row.draft as FlowDefinition), ...inlineSecretProblems(row.draft)];
  return {
    id: row.id,
    slug: row.slug,
    name: row.name,
    description: row.description,
    status: row.status,
    activeVersion: row.activeVersion,
    latestVersion: row.latestVersion,
    // drafts always pass flowDefinitionSchema (allowInvalid keeps shape-valid ones)
    draft: maskSecrets(row.draft as FlowDefinition),
    problems: [
      ...(checked.ok ? [] : checked.problems),
      ...masked,
      ...credentials,
      ...variables,
      ...settingsProblems(row.draft as FlowDefinition),
      ...staticConfigProblems(row.draft as FlowDefinition),
      ...respondProblems(row.draft as FlowDefinition),
    ],
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

/** `view` with the reference checks, which read the credentials and variables only when the flow needs them. */
async function viewIn(db: Queryable, row: FlowRow): Promise<FlowView> {
  return view(row, await knownFor(db, [row.draft as FlowDefinition]));
}

function validated(input: unknown): FlowDefinition {
  // before the schema, whose complaints about the old shape's fields would hide what to do instead
  const inline = inlineSecretProblems(input);
  if (inline.length > 0) throw new ValidationError('the flow definition holds secrets inline', inline);
  const result = validateFlow(input, catalogue);
  if (!result.ok) throw new ValidationError('the flow definition is not valid', result.problems);
  const masked = maskedSecretProblems(result.flow);
  if (masked.length > 0) throw new ValidationError('the flow definition has masked secrets', masked);
  const settings = settingsProblems(result.flow);
  if (settings.length > 0) throw new ValidationError('the flow has settings that cannot work', settings);
  return result.flow;
}

/** The `$vars.NAME` the definition reads that are not defined on this instance. */
async function variableProblems(db: Queryable, def: FlowDefinition): Promise<Problem[]> {
  const placement = variablePlacementProblems(def, getNodeType);
  if (!readsVariables(def)) return placement;
  return [...placement, ...unknownVariableProblems(def, await variableNames(db))];
}

/** A definition that may run: valid, and every credential it names exists and is of a type its node accepts. */
async function runnable(db: Queryable, input: unknown): Promise<FlowDefinition> {
  const def = validated(input);
  const problems = await credentialProblems(db, def);
  if (problems.length > 0)
    throw new ValidationError('the flow refers to credentials it cannot use', problems);
  const variables = await variableProblems(db, def);
  if (variables.length > 0)
    throw new ValidationError('the flow reads variables this instance does not have', variables);
  const computed = staticConfigProblems(def);
  if (computed.length > 0)
    throw new ValidationError('the trigger’s config cannot hold expressions', computed);
  const calls = await subFlowProblems(db, def);
  if (calls.length > 0) throw new ValidationError('the flow calls flows it cannot call', calls);
  const respond = respondProblems(def);
  if (respond.length > 0)
    throw new ValidationError('the flow’s webhook answer cannot work as configured', respond);
  const errorFlow = await errorFlowProblems(db, def);
  if (errorFlow.length > 0)
    throw new ValidationError('the flow names an error flow that does not exist', errorFlow);
  return def;
}

/** How strictly a draft is checked on save. */
export interface SaveOptions {
  /**
   * Keep a draft that has the right shape but problems (unknown config, dangling edges, …), so an editor can
   * autosave work in progress; publishing still requires a valid draft.
   */
  allowInvalid?: boolean | undefined;
}

function acceptedDraft(input: unknown, options: SaveOptions): FlowDefinition {
  if (options.allowInvalid) {
    // a secret typed inline would be stored in the clear and shown in answers: refused even in a draft
    const inline = inlineSecretProblems(input, true);
    if (inline.length > 0) throw new ValidationError('the flow definition holds secrets inline', inline);
    const shape = flowDefinitionSchema.safeParse(input);
    if (shape.success) return shape.data;
  }
  return validated(input);
}

async function loadRow(db: Queryable, id: string, lock = false): Promise<FlowRow> {
  const query = db
    .select()
    .from(schema.flows)
    .where(and(eq(schema.flows.id, id), isNull(schema.flows.deletedAt)));
  const rows = lock ? await query.for('update') : await query;
  const row = rows[0];
  if (!row) throw new NotFoundError(`flow ${id} does not exist`);
  return row;
}

function slugTaken(slug: string, cause: unknown): ConflictError {
  return new ConflictError(`a flow with slug "${slug}" already exists`, { code: 'slug_taken', cause });
}

/** Creates a flow from a definition (its draft). */
export async function createFlow(
  db: Database,
  input: unknown,
  actor: string,
  options: SaveOptions = {},
): Promise<FlowView> {
  const def = acceptedDraft(input, options);
  const id = newId();
  try {
    const row = await db.transaction(async (tx) => {
      const [created] = await tx
        .insert(schema.flows)
        .values({ id, slug: def.slug, name: def.name, description: def.description, draft: def })
        .returning();
      await audit(tx, actor, 'flow.create', 'flow', id, { slug: def.slug });
      return created;
    });
    if (!row) throw new NotFoundError(`flow ${id} was not created`);
    return await viewIn(db, row);
  } catch (err) {
    if (isUniqueViolation(err)) throw slugTaken(def.slug, err);
    throw err;
  }
}

/** Lists flows that are not deleted, newest first. */
export async function listFlows(db: Queryable): Promise<FlowView[]> {
  const rows = await db
    .select()
    .from(schema.flows)
    .where(isNull(schema.flows.deletedAt))
    .orderBy(desc(schema.flows.id));
  const known = await knownFor(
    db,
    rows.map((row) => row.draft as FlowDefinition),
  );
  return rows.map((row) => view(row, known));
}

/** One flow by id. */
export async function getFlow(db: Queryable, id: string): Promise<FlowView> {
  return viewIn(db, await loadRow(db, id));
}

/** Replaces a flow's draft; masked secrets keep their stored values. */
export async function updateDraft(
  db: Database,
  id: string,
  input: unknown,
  actor: string,
  options: SaveOptions = {},
): Promise<FlowView> {
  try {
    return await db.transaction(async (tx) => {
      const current = await loadRow(tx, id, true);
      // drafts always pass flowDefinitionSchema (allowInvalid keeps shape-valid ones)
      const def = acceptedDraft(restoreSecrets(input, current.draft as FlowDefinition), options);
      const [row] = await tx
        .update(schema.flows)
        .set({
          draft: def,
          slug: def.slug,
          name: def.name,
          description: def.description,
          updatedAt: new Date(),
        })
        .where(eq(schema.flows.id, id))
        .returning();
      await audit(tx, actor, 'flow.update', 'flow', id);
      if (!row) throw new NotFoundError(`flow ${id} does not exist`);
      return viewIn(tx, row);
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw slugTaken(String((input as { slug?: unknown })?.slug), err);
    throw err;
  }
}

/** Soft-deletes a flow and removes its triggers; its runs and events stay in history. */
export async function deleteFlow(db: Database, id: string, actor: string): Promise<void> {
  await db.transaction(async (tx) => {
    await loadRow(tx, id, true);
    await tx.delete(schema.triggers).where(eq(schema.triggers.flowId, id));
    await tx
      .update(schema.flows)
      .set({ deletedAt: new Date(), status: 'inactive', activeVersion: null, updatedAt: new Date() })
      .where(eq(schema.flows.id, id));
    await audit(tx, actor, 'flow.delete', 'flow', id);
  });
}

async function routeTriggers(
  tx: Queryable,
  flowId: string,
  version: number,
  def: FlowDefinition,
): Promise<void> {
  await tx.delete(schema.triggers).where(eq(schema.triggers.flowId, flowId));
  const rows = def.nodes
    .filter((n) => getNodeType(n.type)?.traits.trigger === 'webhook' && !n.disabled)
    .map((n) => {
      // a published definition passed validation, so the webhook config has its path and method
      const config = n.config as { path: string; method?: string };
      return {
        id: newId(),
        flowId,
        version,
        nodeId: n.id,
        kind: 'webhook',
        key: normaliseHookPath(config.path),
        method: config.method ?? 'POST',
      };
    });
  if (rows.length === 0) return;
  try {
    await tx.insert(schema.triggers).values(rows);
  } catch (err) {
    if (isUniqueViolation(err)) {
      throw new ConflictError(`webhook path "${rows[0]?.key}" is already used by another published flow`, {
        code: 'webhook_path_taken',
        cause: err,
      });
    }
    throw err;
  }
}

/** Publishes the draft as the next version and routes its triggers to it. */
export async function publishFlow(db: Database, id: string, actor: string): Promise<{ version: number }> {
  return db.transaction(async (tx) => {
    const row = await loadRow(tx, id, true);
    const def = await runnable(tx, row.draft);
    const version = row.latestVersion + 1;
    await tx
      .insert(schema.flowVersions)
      .values({ id: newId(), flowId: id, version, definition: def, createdBy: actor });
    await routeTriggers(tx, id, version, def);
    await tx
      .update(schema.flows)
      .set({ status: 'published', activeVersion: version, latestVersion: version, updatedAt: new Date() })
      .where(eq(schema.flows.id, id));
    await audit(tx, actor, 'flow.publish', 'flow', id, { version });
    return { version };
  });
}

/**
 * Freezes the current (valid) draft as a test snapshot — version -1, -2, … — that runs can be pinned to
 * without publishing anything or routing any trigger to it.
 */
export async function snapshotDraftForTest(
  db: Queryable,
  id: string,
  actor: string,
): Promise<{ version: number }> {
  const row = await loadRow(db, id, true);
  const def = await runnable(db, row.draft);
  const version = -(row.testSnapshots + 1);
  await db
    .insert(schema.flowVersions)
    .values({ id: newId(), flowId: id, version, definition: def, createdBy: actor });
  await db
    .update(schema.flows)
    .set({ testSnapshots: row.testSnapshots + 1 })
    .where(eq(schema.flows.id, id));
  return { version };
}

/** A flow's published versions, newest first (definitions masked); test snapshots are not listed. */
export async function listVersions(db: Queryable, id: string) {
  await loadRow(db, id);
  const rows = await db
    .select()
    .from(schema.flowVersions)
    .where(and(eq(schema.flowVersions.flowId, id), gt(schema.flowVersions.version, 0)))
    .orderBy(desc(schema.flowVersions.version));
  return rows.map((r) => ({
    version: r.version,
    createdAt: r.createdAt,
    createdBy: r.createdBy,
    // versions only ever hold definitions that passed validateFlow
    definition: maskSecrets(r.definition as FlowDefinition),
  }));
}

/** Makes an earlier published version the live one again (rollback). */
export async function activateVersion(
  db: Database,
  id: string,
  version: number,
  actor: string,
): Promise<{ version: number }> {
  return db.transaction(async (tx) => {
    await loadRow(tx, id, true);
    const def = await loadDefinition(tx, id, version);
    // a credential the version names may have been deleted since it was published
    const problems = await credentialProblems(tx, def);
    if (problems.length > 0) {
      throw new ValidationError(`version ${version} refers to credentials it cannot use`, problems);
    }
    // and a variable it reads may have been deleted
    const variables = await variableProblems(tx, def);
    if (variables.length > 0) {
      throw new ValidationError(`version ${version} reads variables this instance does not have`, variables);
    }
    await routeTriggers(tx, id, version, def);
    await tx
      .update(schema.flows)
      .set({ status: 'published', activeVersion: version, updatedAt: new Date() })
      .where(eq(schema.flows.id, id));
    await audit(tx, actor, 'flow.activate_version', 'flow', id, { version });
    return { version };
  });
}

/** Stops a flow from starting new runs; runs under way go on. */
export async function deactivateFlow(db: Database, id: string, actor: string): Promise<FlowView> {
  return db.transaction(async (tx) => {
    await loadRow(tx, id, true);
    await tx.delete(schema.triggers).where(eq(schema.triggers.flowId, id));
    const [row] = await tx
      .update(schema.flows)
      .set({ status: 'inactive', activeVersion: null, updatedAt: new Date() })
      .where(eq(schema.flows.id, id))
      .returning();
    await audit(tx, actor, 'flow.deactivate', 'flow', id);
    if (!row) throw new NotFoundError(`flow ${id} does not exist`);
    return viewIn(tx, row);
  });
}
