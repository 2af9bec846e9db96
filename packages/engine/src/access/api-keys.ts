// API keys: random 256-bit secrets, stored only as SHA-256 hashes, each with a role.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Database, Queryable, Role } from '@tributary/db';
import { newId, schema } from '@tributary/db';
import { and, eq, isNull, sql } from 'drizzle-orm';
import { audit } from '../core/index.js';

/** Who is calling: a stored key or the key from TRIBUTARY_API_KEY. */
export interface Principal {
  keyId: string | null;
  name: string;
  role: Role;
}

function hashKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

/** A new key: `trb_` and 43 base64url characters. */
export function generateApiKey(): string {
  return `trb_${randomBytes(32).toString('base64url')}`;
}

/** Stores a new key and returns it in plain text — the only time it is ever shown. */
export async function createApiKey(db: Queryable, name: string, role: Role, actor: string) {
  const key = generateApiKey();
  const id = newId();
  await db.insert(schema.apiKeys).values({ id, name, role, prefix: key.slice(0, 12), hash: hashKey(key) });
  await audit(db, actor, 'api_key.create', 'api_key', id, { name, role });
  return { id, name, role, prefix: key.slice(0, 12), key };
}

function equalStrings(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/** Looks a presented key up; undefined when it is unknown or revoked. */
export async function verifyApiKey(
  db: Queryable,
  presented: string,
  envKey: string | undefined,
): Promise<Principal | undefined> {
  if (envKey && equalStrings(presented, envKey))
    return { keyId: null, name: 'TRIBUTARY_API_KEY', role: 'owner' };
  const [row] = await db
    .select({ id: schema.apiKeys.id, name: schema.apiKeys.name, role: schema.apiKeys.role })
    .from(schema.apiKeys)
    .where(and(eq(schema.apiKeys.hash, hashKey(presented)), isNull(schema.apiKeys.revokedAt)));
  return row ? { keyId: row.id, name: row.name, role: row.role } : undefined;
}

const BOOTSTRAP_SETTING = 'bootstrap_api_key_created';

/**
 * On the very first start without TRIBUTARY_API_KEY, creates an owner key and returns it so the caller
 * can print it once; afterwards returns undefined.
 */
export async function bootstrapOwnerKey(
  db: Database,
  envKey: string | undefined,
): Promise<string | undefined> {
  if (envKey) return undefined;
  return db.transaction(async (tx) => {
    // one starter at a time: concurrent first starts must not both create a key
    await tx.execute(sql`select pg_advisory_xact_lock(7210001)`);
    const [done] = await tx
      .select()
      .from(schema.systemSettings)
      .where(eq(schema.systemSettings.key, BOOTSTRAP_SETTING));
    if (done) return undefined;
    const created = await createApiKey(tx, 'bootstrap owner key', 'owner', 'system');
    await tx.insert(schema.systemSettings).values({ key: BOOTSTRAP_SETTING, value: { keyId: created.id } });
    return created.key;
  });
}
