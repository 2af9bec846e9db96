// Tracking sources: each has a random write key, stored only as a SHA-256 hash, that Segment-style SDKs send.
import { createHash, randomBytes } from 'node:crypto';
import type { Database, Queryable, SourceStatus } from '@tributary/db';
import { newId, schema } from '@tributary/db';
import { NotFoundError } from '@tributary/flow';
import { desc, eq } from 'drizzle-orm';
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
  return createHash('sha256').update(key).digest('hex');
}

function view(row: SourceRow): SourceView {
  return {
    id: row.id,
    name: row.name,
    status: row.status,
    writeKeyPrefix: row.writeKeyPrefix,
    createdAt: row.createdAt,
    rotatedAt: row.rotatedAt,
  };
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
  return { ...view(row), writeKey };
}

/** Switches a source on (`active`) or off (`disabled`: its key is refused with 403). Idempotent. */
export async function setSourceStatus(
  db: Database,
  id: string,
  status: SourceStatus,
  actor: string,
): Promise<SourceView> {
  return db.transaction(async (tx) => {
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
}

/** Looks a presented write key up: the active source it belongs to, or why it is refused. */
export async function resolveWriteKey(db: Queryable, key: string): Promise<WriteKeyResolution> {
  if (key.length === 0) return { ok: false, reason: 'unknown' };
  // the key is 256-bit random, so looking it up by its hash leaks nothing through timing
  const [row] = await db
    .select()
    .from(schema.sources)
    .where(eq(schema.sources.writeKeyHash, hashWriteKey(key)));
  if (!row) return { ok: false, reason: 'unknown' };
  if (row.status !== 'active') return { ok: false, reason: 'disabled', sourceId: row.id };
  return { ok: true, source: view(row) };
}
