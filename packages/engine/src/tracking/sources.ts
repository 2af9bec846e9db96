// Tracking sources: each has a random write key, stored only as a SHA-256 hash, that Segment-style SDKs send.
import { hash, randomBytes } from 'node:crypto';
import type { Database, PlanMode, Queryable, SourceStatus, UnplannedEvents } from '@tributary/db';
import { newId, schema } from '@tributary/db';
import { NotFoundError } from '@tributary/flow';
import { desc, eq, inArray, sql } from 'drizzle-orm';
import { audit } from '../core/index.js';

type SourceRow = typeof schema.sources.$inferSelect;

/** A source as the API shows it: never the key, only its first characters. */
export interface SourceView {
  id: string;
  name: string;
  status: SourceStatus;
  writeKeyPrefix: string;
  createdAt: Date;
  rotatedAt: Date | null;
  /** When an event last came in through it (up to SEEN_WRITE_MS late). */
  lastEventAt: Date | null;
  /** What happens to a tracking call that breaks the source's tracking plan. */
  planMode: PlanMode;
  /** Whether a track event whose name the plan has no schema for breaks the plan. */
  unplannedEvents: UnplannedEvents;
  /** Raised by every change of the plan's schemas (what tells a process its compiled plan is old). */
  planRevision: number;
}

/** A source with its write key in plain text: only answered by create and rotate. */
export interface SourceWithKey extends SourceView {
  writeKey: string;
}

/** What a presented write key resolves to: its active source, or why it is refused. */
export type WriteKeyResolution =
  | { ok: true; source: SourceView }
  | { ok: false; reason: 'unknown' }
  | { ok: false; reason: 'disabled'; sourceId: string };

const PREFIX_LENGTH = 12;

/** A new write key: `trw_` and 43 base64url characters (256 random bits; never contains a colon). */
export function generateWriteKey(): string {
  return `trw_${randomBytes(32).toString('base64url')}`;
}

function hashWriteKey(key: string): string {
  // the one-shot form: no Hash object per call (a tracking call hashes its key every time)
  return hash('sha256', key, 'hex');
}

function view(row: SourceRow): SourceView {
  return {
    id: row.id,
    name: row.name,
    status: row.status,
    writeKeyPrefix: row.writeKeyPrefix,
    createdAt: row.createdAt,
    rotatedAt: row.rotatedAt,
    lastEventAt: row.lastEventAt,
    planMode: row.planMode,
    unplannedEvents: row.unplannedEvents,
    planRevision: row.planRevision,
  };
}

/** How often a process writes a source's last-event time at most: a row update per commit would cost ingest. */
const SEEN_WRITE_MS = 5_000;
const lastWritten = new Map<string, number>();

/**
 * Records that events just came in through these sources (after their commit); each source's row is written
 * at most once per SEEN_WRITE_MS by this process, and never moved backwards.
 */
export async function markSourcesSeen(
  db: Queryable,
  sourceIds: Iterable<string>,
  at = new Date(),
): Promise<void> {
  const due = [...new Set(sourceIds)].filter(
    (id) => at.getTime() - (lastWritten.get(id) ?? 0) >= SEEN_WRITE_MS,
  );
  if (due.length === 0) return;
  for (const id of due) lastWritten.set(id, at.getTime());
  await db
    .update(schema.sources)
    .set({
      lastEventAt: sql`greatest(coalesce(${schema.sources.lastEventAt}, ${at.toISOString()}::timestamptz), ${at.toISOString()}::timestamptz)`,
    })
    .where(inArray(schema.sources.id, due));
}

async function loadSource(db: Queryable, id: string): Promise<SourceRow> {
  const [row] = await db.select().from(schema.sources).where(eq(schema.sources.id, id));
  if (!row) throw new NotFoundError(`source ${id} does not exist`);
  return row;
}

/** Creates a source and returns its write key in plain text — the only time (with rotate) it is shown. */
export async function createSource(db: Database, name: string, actor: string): Promise<SourceWithKey> {
  const writeKey = generateWriteKey();
  const id = newId();
  const row = await db.transaction(async (tx) => {
    const [created] = await tx
      .insert(schema.sources)
      .values({
        id,
        name,
        writeKeyHash: hashWriteKey(writeKey),
        writeKeyPrefix: writeKey.slice(0, PREFIX_LENGTH),
      })
      .returning();
    await audit(tx, actor, 'source.create', 'source', id, { name });
    return created;
  });
  if (!row) throw new NotFoundError(`source ${id} was not created`);
  return { ...view(row), writeKey };
}

/** Every source, newest first. */
export async function listSources(db: Queryable): Promise<SourceView[]> {
  const rows = await db.select().from(schema.sources).orderBy(desc(schema.sources.id));
  return rows.map(view);
}

/** One source by id. */
export async function getSource(db: Queryable, id: string): Promise<SourceView> {
  return view(await loadSource(db, id));
}

/** Replaces a source's write key; the old key stops working at once. Returns the new key in plain text. */
export async function rotateWriteKey(db: Database, id: string, actor: string): Promise<SourceWithKey> {
  const writeKey = generateWriteKey();
  const row = await db.transaction(async (tx) => {
    await loadSource(tx, id);
    const [updated] = await tx
      .update(schema.sources)
      .set({
        writeKeyHash: hashWriteKey(writeKey),
        writeKeyPrefix: writeKey.slice(0, PREFIX_LENGTH),
        rotatedAt: new Date(),
      })
      .where(eq(schema.sources.id, id))
      .returning();
    await audit(tx, actor, 'source.rotate', 'source', id);
    return updated;
  });
  if (!row) throw new NotFoundError(`source ${id} does not exist`);
  forgetSource(id);
  return { ...view(row), writeKey };
}

/** Switches a source on (`active`) or off (`disabled`: its key is refused with 403). Idempotent. */
export async function setSourceStatus(
  db: Database,
  id: string,
  status: SourceStatus,
  actor: string,
): Promise<SourceView> {
  const changed = await db.transaction(async (tx) => {
    const current = await loadSource(tx, id);
    if (current.status === status) return view(current);
    const [updated] = await tx
      .update(schema.sources)
      .set({ status })
      .where(eq(schema.sources.id, id))
      .returning();
    await audit(tx, actor, status === 'active' ? 'source.enable' : 'source.disable', 'source', id);
    if (!updated) throw new NotFoundError(`source ${id} does not exist`);
    return view(updated);
  });
  // after the commit: a lookup in between would otherwise keep the old status for a while
  forgetSource(id);
  return changed;
}

/**
 * How long a looked-up write key is trusted without asking Postgres again. Rotating, disabling or enabling a
 * source forgets it at once in this process; other processes notice within this time.
 */
export const WRITE_KEY_CACHE_MS = 2_000;
/**
 * From this age on, the first call that uses a key looks it up again in the background (and is answered from
 * the entry, still within WRITE_KEY_CACHE_MS): a key in steady use never expires, so no call waits for it.
 */
const REFRESH_AFTER_MS = WRITE_KEY_CACHE_MS / 2;
const MAX_CACHED_KEYS = 10_000;
/** Known keys by hash (unknown ones are never kept: a caller could fill the cache with them). */
const resolved = new Map<
  string,
  { at: number; resolution: (WriteKeyResolution & { ok: true }) | DisabledKey }
>();
type DisabledKey = { ok: false; reason: 'disabled'; sourceId: string };
/** The lookup under way for a hash: every call that needs the key meanwhile waits for that one query. */
const lookups = new Map<string, Promise<WriteKeyResolution>>();
/** Raised by forgetSource: a lookup begun before keeps its answer to itself (it may have read the old row). */
let generation = 0;

/** Forgets the looked-up keys of a source in this process: its next call reads the source again. */
export function forgetSource(id: string): void {
  generation++;
  lookups.clear();
  for (const [hash, entry] of resolved) {
    const sourceId = entry.resolution.ok ? entry.resolution.source.id : entry.resolution.sourceId;
    if (sourceId === id) resolved.delete(hash);
  }
}

/**
 * What a presented write key resolves to: the active source it belongs to, or why it is refused. A key looked
 * up within WRITE_KEY_CACHE_MS is answered at once, without a promise (a caller may skip the time limit it puts
 * on a database call); otherwise one query looks it up, however many calls wait for it at the same time.
 */
export function lookUpWriteKey(db: Queryable, key: string): WriteKeyResolution | Promise<WriteKeyResolution> {
  if (key.length === 0) return { ok: false, reason: 'unknown' };
  const hash = hashWriteKey(key);
  const cached = resolved.get(hash);
  const age = cached ? performance.now() - cached.at : Number.POSITIVE_INFINITY;
  if (cached && age < WRITE_KEY_CACHE_MS) {
    // a failed refresh costs nothing: the call that finds the entry expired looks the key up itself
    if (age >= REFRESH_AFTER_MS && !lookups.has(hash)) lookUp(db, hash).catch(() => {});
    return cached.resolution;
  }
  return lookUp(db, hash);
}

/** lookUpWriteKey, always as a promise. */
export async function resolveWriteKey(db: Queryable, key: string): Promise<WriteKeyResolution> {
  return lookUpWriteKey(db, key);
}

function lookUp(db: Queryable, hash: string): Promise<WriteKeyResolution> {
  const pending = lookups.get(hash);
  if (pending) return pending;
  const begun = generation;
  const lookup = readKey(db, hash, begun).finally(() => {
    if (lookups.get(hash) === lookup) lookups.delete(hash);
  });
  lookups.set(hash, lookup);
  return lookup;
}

async function readKey(db: Queryable, hash: string, begun: number): Promise<WriteKeyResolution> {
  // the key is 256-bit random, so looking it up by its hash leaks nothing through timing
  const [row] = await db.select().from(schema.sources).where(eq(schema.sources.writeKeyHash, hash));
  const current = begun === generation;
  if (!row) {
    if (current) resolved.delete(hash);
    return { ok: false, reason: 'unknown' };
  }
  const resolution: WriteKeyResolution & ({ ok: true } | DisabledKey) =
    row.status !== 'active'
      ? { ok: false, reason: 'disabled', sourceId: row.id }
      : { ok: true, source: view(row) };
  if (!current) return resolution;
  if (!resolved.has(hash) && resolved.size >= MAX_CACHED_KEYS) {
    resolved.delete(resolved.keys().next().value as string);
  }
  resolved.set(hash, { at: performance.now(), resolution });
  return resolution;
}
