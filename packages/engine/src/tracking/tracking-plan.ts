// A source's tracking plan as stored: its mode, and a versioned JSON Schema per track event name.
import type { Database, PlanMode, Queryable, Transaction, UnplannedEvents } from '@tributary/db';
import { newId, schema } from '@tributary/db';
import { NotFoundError, ValidationError } from '@tributary/flow';
import { and, desc, eq, sql } from 'drizzle-orm';
import { audit } from '../core/index.js';
import { forgetCompiledPlan, newestSchemaRows } from './plan-check.js';
import { compileEventSchema } from './schema-compiler.js';
import type { SourceView } from './sources.js';
import { forgetSource, getSource } from './sources.js';

type SchemaRow = typeof schema.eventSchemas.$inferSelect;

/** One version of an event's schema; `schema: null` is the version that took the event out of the plan. */
export interface EventSchemaVersion {
  event: string;
  version: number;
  schema: Record<string, unknown> | null;
  createdBy: string;
  createdAt: Date;
}

/** An event's schema in force. */
export interface EventSchemaView extends EventSchemaVersion {
  schema: Record<string, unknown>;
}

function versionOf(row: SchemaRow): EventSchemaVersion {
  return {
    event: row.event,
    version: row.version,
    schema: row.schema,
    createdBy: row.createdBy,
    createdAt: row.createdAt,
  };
}

/** The schemas in force of a source's plan, by event name. */
export async function listEventSchemas(db: Queryable, sourceId: string): Promise<EventSchemaView[]> {
  await getSource(db, sourceId);
  const rows = await newestSchemaRows(db, sourceId);
  return rows.flatMap((row) => (row.schema === null ? [] : [{ ...versionOf(row), schema: row.schema }]));
}

/** Every version of one event's schema, newest first. */
export async function eventSchemaVersions(
  db: Queryable,
  sourceId: string,
  event: string,
): Promise<EventSchemaVersion[]> {
  await getSource(db, sourceId);
  const S = schema.eventSchemas;
  const rows = await db
    .select()
    .from(S)
    .where(and(eq(S.sourceId, sourceId), eq(S.event, event)))
    .orderBy(desc(S.version));
  if (rows.length === 0) throw new NotFoundError(`the tracking plan has no schema for "${event}"`);
  return rows.map(versionOf);
}

/** JSON text with object keys sorted: jsonb keeps its own key order, so equality is decided on this. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** Locks the source row (versions of one source are numbered one at a time) and its newest event version. */
async function lockNewest(tx: Transaction, sourceId: string, event: string): Promise<SchemaRow | undefined> {
  const [source] = await tx
    .select({ id: schema.sources.id })
    .from(schema.sources)
    .where(eq(schema.sources.id, sourceId))
    .for('update');
  if (!source) throw new NotFoundError(`source ${sourceId} does not exist`);
  const S = schema.eventSchemas;
  const [newest] = await tx
    .select()
    .from(S)
    .where(and(eq(S.sourceId, sourceId), eq(S.event, event)))
    .orderBy(desc(S.version))
    .limit(1);
  return newest;
}

/** Writes the next version and raises the source's plan revision, so every process recompiles its plan. */
async function writeVersion(
  tx: Transaction,
  sourceId: string,
  event: string,
  version: number,
  body: Record<string, unknown> | null,
  actor: string,
): Promise<SchemaRow> {
  const [row] = await tx
    .insert(schema.eventSchemas)
    .values({ id: newId(), sourceId, event, version, schema: body, createdBy: actor })
    .returning();
  if (!row) throw new NotFoundError(`the schema of "${event}" was not written`);
  await tx
    .update(schema.sources)
    .set({ planRevision: sql`${schema.sources.planRevision} + 1` })
    .where(eq(schema.sources.id, sourceId));
  return row;
}

/** Forgets what this process compiled or looked up for the source: its next event sees the change. */
function changed(sourceId: string): void {
  forgetSource(sourceId);
  forgetCompiledPlan(sourceId);
}

/**
 * Sets the schema of a track event name. A schema that differs from the one in force (keys in any order
 * are the same schema) becomes a new version; the same one again changes nothing (`created: false`).
 * A schema that does not compile is a ValidationError naming each problem.
 */
export async function putEventSchema(
  db: Database,
  sourceId: string,
  event: string,
  body: Record<string, unknown>,
  actor: string,
): Promise<EventSchemaVersion & { created: boolean }> {
  const compiled = compileEventSchema(body);
  if (!compiled.ok) {
    throw new ValidationError(
      `the schema of "${event}" is not a valid JSON Schema: ${compiled.problems.map((p) => `${p.path} ${p.message}`).join('; ')}`,
      compiled.problems,
    );
  }
  const result = await db.transaction(async (tx) => {
    const newest = await lockNewest(tx, sourceId, event);
    if (newest?.schema && canonical(newest.schema) === canonical(body)) {
      return { ...versionOf(newest), created: false };
    }
    const row = await writeVersion(tx, sourceId, event, (newest?.version ?? 0) + 1, body, actor);
    await audit(tx, actor, 'source.schema.put', 'source', sourceId, { event, version: row.version });
    return { ...versionOf(row), created: true };
  });
  if (result.created) changed(sourceId);
  return result;
}

/** Takes an event name out of the plan: a version without a schema (the older versions stay). */
export async function deleteEventSchema(
  db: Database,
  sourceId: string,
  event: string,
  actor: string,
): Promise<void> {
  await db.transaction(async (tx) => {
    const newest = await lockNewest(tx, sourceId, event);
    if (!newest?.schema) throw new NotFoundError(`the tracking plan has no schema for "${event}"`);
    const row = await writeVersion(tx, sourceId, event, newest.version + 1, null, actor);
    await audit(tx, actor, 'source.schema.delete', 'source', sourceId, { event, version: row.version });
  });
  changed(sourceId);
}

/** Sets what a source does with calls that break its plan, and with track events the plan does not name. */
export async function setSourcePlan(
  db: Database,
  sourceId: string,
  plan: { planMode?: PlanMode | undefined; unplannedEvents?: UnplannedEvents | undefined },
  actor: string,
): Promise<SourceView> {
  const set = {
    ...(plan.planMode ? { planMode: plan.planMode } : {}),
    ...(plan.unplannedEvents ? { unplannedEvents: plan.unplannedEvents } : {}),
  };
  if (Object.keys(set).length === 0) return getSource(db, sourceId);
  await db.transaction(async (tx) => {
    const [updated] = await tx
      .update(schema.sources)
      .set(set)
      .where(eq(schema.sources.id, sourceId))
      .returning({ id: schema.sources.id });
    if (!updated) throw new NotFoundError(`source ${sourceId} does not exist`);
    await audit(tx, actor, 'source.plan', 'source', sourceId, set);
  });
  changed(sourceId);
  return getSource(db, sourceId);
}
