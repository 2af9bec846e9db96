// API keys: random 256-bit secrets stored only as SHA-256 hashes, each with scopes no wider than its maker's role.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Database, Queryable, Role } from '@tributary/db';
import { newId, schema } from '@tributary/db';
import { ForbiddenError, NotFoundError, ValidationError } from '@tributary/flow';
import { and, desc, eq, isNull, sql } from 'drizzle-orm';
import { audit } from '../core/index.js';
import type { Principal } from './principal.js';
import { intersectScopes, isScope, ROLE_SCOPES, type Scope, scopesBeyond } from './scopes.js';

function hashKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

/** A new key: `trb_` and 43 base64url characters. */
export function generateApiKey(): string {
  return `trb_${randomBytes(32).toString('base64url')}`;
}

/** Options of a new key; without `scopes` it has its role's. */
export interface NewKeyOptions {
  scopes?: readonly Scope[] | undefined;
  createdBy?: string | null | undefined;
  expiresAt?: Date | null | undefined;
}

/** Stores a new key and returns it in plain text — the only time it is ever shown. */
export async function createApiKey(
  db: Queryable,
  name: string,
  role: Role,
  actor: string,
  options: NewKeyOptions = {},
) {
  const key = generateApiKey();
  const id = newId();
  const scopes = options.scopes ? intersectScopes(options.scopes, ROLE_SCOPES[role]) : [...ROLE_SCOPES[role]];
  const expiresAt = options.expiresAt ?? null;
  const prefix = key.slice(0, 12);
  await db.insert(schema.apiKeys).values({
    id,
    name,
    role,
    prefix,
    hash: hashKey(key),
    scopes: options.scopes ? scopes : null,
    createdBy: options.createdBy ?? null,
    expiresAt,
  });
  await audit(db, actor, 'api_key.create', 'api_key', id, { name, role, scopes, expiresAt });
  return { id, name, role, prefix, scopes, expiresAt, key };
}

/**
 * A key made by a caller through the API: its scopes must lie within the caller's own (a key can never hold
 * more than whoever made it), and its expiry must be in the future.
 */
export async function issueApiKey(
  db: Queryable,
  caller: Principal,
  input: { name: string; scopes: readonly Scope[]; expiresAt?: Date | undefined },
  actor: string,
) {
  const beyond = scopesBeyond(input.scopes, caller.scopes);
  if (beyond.length > 0) {
    throw new ForbiddenError(`a key cannot hold more than its maker: you lack ${beyond.join(', ')}`);
  }
  if (input.expiresAt && input.expiresAt.getTime() <= Date.now()) {
    throw new ValidationError('the expiry is in the past', [
      { path: 'body.expiresAt', message: 'choose a time in the future' },
    ]);
  }
  return createApiKey(db, input.name, caller.role, actor, {
    scopes: input.scopes,
    createdBy: caller.userId,
    expiresAt: input.expiresAt,
  });
}

function equalStrings(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/** How often a key's last use is written at most: a write per request would double the cost of reads. */
const LAST_USED_EVERY_MS = 60_000;
const lastWritten = new Map<string, number>();

async function noteUse(db: Queryable, keyId: string): Promise<void> {
  const now = Date.now();
  if (now - (lastWritten.get(keyId) ?? 0) < LAST_USED_EVERY_MS) return;
  // bounded: a process that saw very many keys forgets them and writes each once more
  if (lastWritten.size > 10_000) lastWritten.clear();
  lastWritten.set(keyId, now);
  await db
    .update(schema.apiKeys)
    .set({ lastUsedAt: new Date(now) })
    .where(eq(schema.apiKeys.id, keyId));
}

/**
 * Looks a presented key up; undefined when it is unknown, revoked, expired, or its maker is disabled. Its
 * scopes shrink with its maker's role: demoting a user narrows the keys they made.
 */
export async function verifyApiKey(
  db: Queryable,
  presented: string,
  envKey: string | undefined,
): Promise<Principal | undefined> {
  if (envKey && equalStrings(presented, envKey)) {
    return {
      via: 'env',
      keyId: null,
      userId: null,
      name: 'TRIBUTARY_API_KEY',
      role: 'owner',
      scopes: ROLE_SCOPES.owner,
    };
  }
  const [row] = await db
    .select({
      id: schema.apiKeys.id,
      name: schema.apiKeys.name,
      role: schema.apiKeys.role,
      scopes: schema.apiKeys.scopes,
      expiresAt: schema.apiKeys.expiresAt,
      createdBy: schema.apiKeys.createdBy,
      makerRole: schema.users.role,
      makerDisabledAt: schema.users.disabledAt,
    })
    .from(schema.apiKeys)
    .leftJoin(schema.users, eq(schema.users.id, schema.apiKeys.createdBy))
    .where(and(eq(schema.apiKeys.hash, hashKey(presented)), isNull(schema.apiKeys.revokedAt)));
  if (!row) return undefined;
  if (row.expiresAt && row.expiresAt.getTime() <= Date.now()) return undefined;
  if (row.createdBy && (!row.makerRole || row.makerDisabledAt)) return undefined;
  const own = row.scopes ? row.scopes.filter(isScope) : ROLE_SCOPES[row.role];
  const role = row.makerRole ?? row.role;
  await noteUse(db, row.id);
  return {
    via: 'key',
    keyId: row.id,
    userId: row.createdBy,
    name: row.name,
    role,
    scopes: intersectScopes(own, ROLE_SCOPES[role]),
  };
}

/** A key as lists show it: never the key or its hash. */
export interface ApiKeyView {
  id: string;
  name: string;
  prefix: string;
  scopes: Scope[];
  createdBy: string | null;
  createdAt: string;
  lastUsedAt: string | null;
  expiresAt: string | null;
}

/** Unrevoked keys, newest first: every key for an admin, otherwise the caller's own. */
export async function listApiKeys(db: Queryable, caller: Principal): Promise<ApiKeyView[]> {
  const mine = caller.scopes.includes('admin') ? undefined : ownedBy(caller);
  const rows = await db
    .select({ key: schema.apiKeys, makerEmail: schema.users.email })
    .from(schema.apiKeys)
    .leftJoin(schema.users, eq(schema.users.id, schema.apiKeys.createdBy))
    .where(and(isNull(schema.apiKeys.revokedAt), mine))
    .orderBy(desc(schema.apiKeys.createdAt), desc(schema.apiKeys.id));
  return rows.map(({ key, makerEmail }) => ({
    id: key.id,
    name: key.name,
    prefix: key.prefix,
    scopes: key.scopes ? key.scopes.filter(isScope) : [...ROLE_SCOPES[key.role]],
    createdBy: makerEmail ?? null,
    createdAt: key.createdAt.toISOString(),
    lastUsedAt: key.lastUsedAt?.toISOString() ?? null,
    expiresAt: key.expiresAt?.toISOString() ?? null,
  }));
}

function ownedBy(caller: Principal) {
  // a caller without a user (the instance key) owns no listed keys unless it is an admin
  return caller.userId ? eq(schema.apiKeys.createdBy, caller.userId) : sql`false`;
}

/** Revokes a key at once; an admin may revoke any, others only their own (others' are not found). */
export async function revokeApiKey(
  db: Queryable,
  id: string,
  caller: Principal,
  actor: string,
): Promise<void> {
  const mine = caller.scopes.includes('admin') ? undefined : ownedBy(caller);
  const [row] = await db
    .update(schema.apiKeys)
    .set({ revokedAt: new Date() })
    .where(and(eq(schema.apiKeys.id, id), isNull(schema.apiKeys.revokedAt), mine))
    .returning({ name: schema.apiKeys.name });
  if (!row) throw new NotFoundError(`no API key ${id}`);
  await audit(db, actor, 'api_key.revoke', 'api_key', id, { name: row.name });
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
