// The credential store: create, read, update, delete and rotate sealed credentials. Data goes in, never out:
// answers say which fields are set; only openCredential (for a step or a connection test) decrypts.
import type { Queryable } from '@tributary/db';
import { newId, schema } from '@tributary/db';
import type { Problem } from '@tributary/flow';
import { ConflictError, flowErrorMap, NotFoundError, ValidationError } from '@tributary/flow';
import type { CredentialType, NodeCredential } from '@tributary/nodes';
import { getCredentialType } from '@tributary/nodes';
import { asc, eq } from 'drizzle-orm';
import type { Keyring } from '../core/index.js';
import { audit, isUniqueViolation } from '../core/index.js';
import { sealedRows } from './sealed-row-cache.js';
import { type CredentialUser, credentialUsers } from './usage.js';

/** What a secret reads as in answers; sent back in an update, it keeps the stored value. */
export const CREDENTIAL_MASK = '********';

/** A credential as answers show it: which fields are set, never their values. */
export interface CredentialView {
  id: string;
  name: string;
  type: string;
  allowedHosts: string[];
  fields: string[];
  usedBy: CredentialUser[];
  createdAt: string;
  updatedAt: string;
}

export interface CredentialInput {
  name: string;
  type: string;
  data: Record<string, unknown>;
  allowedHosts?: readonly string[] | undefined;
}

export interface CredentialUpdate {
  name?: string | undefined;
  /** Must equal the stored type when given: a credential's type never changes. */
  type?: string | undefined;
  /** Fields left out or sent as the mask keep their stored values; `null` removes an optional field. */
  data?: Record<string, unknown> | undefined;
  allowedHosts?: readonly string[] | undefined;
}

/** A credential as stored: its data sealed. */
export type CredentialRow = typeof schema.credentials.$inferSelect;

const HOST_PATTERN =
  /^(?:\*\.)?(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
const IPV6_PATTERN = /^\[?[0-9a-f:.]+\]?$/;

/** What a credential's ciphertext is bound to: sealed data moved to another row or type does not open. */
export function binding(id: string, type: string): string {
  return `credential:${id}:${type}`;
}

function typeOf(type: string): CredentialType {
  const found = getCredentialType(type);
  if (!found) {
    throw new ValidationError(`unknown credential type "${type}"`, [
      { path: 'type', code: 'unknown_type', message: `unknown credential type "${type}"` },
    ]);
  }
  return found;
}

/** Parses data against its type; problems are named `data.<field>`. */
function parseData(type: CredentialType, data: unknown): Record<string, unknown> {
  // the same plain-words messages as flow validation: the editor shows them beside each field
  const result = type.data.safeParse(data, { error: flowErrorMap });
  if (!result.success) {
    const problems: Problem[] = result.error.issues.map((issue) => ({
      path: ['data', ...issue.path.map(String)].join('.'),
      code: issue.code,
      message: issue.message,
    }));
    throw new ValidationError(`the data is not a valid ${type.type} credential`, problems);
  }
  const parsed = result.data as Record<string, unknown>;
  const masked = type.secretFields.filter((field) => parsed[field] === CREDENTIAL_MASK);
  if (masked.length > 0) {
    throw new ValidationError(
      'a masked value is not a secret',
      masked.map((field) => ({
        path: `data.${field}`,
        code: 'masked_secret',
        message: 'enter the secret itself; "********" only keeps a stored value when editing',
      })),
    );
  }
  return parsed;
}

/** Lower-cased, checked host names (`*.example.com` allowed); problems name `allowedHosts[i]`. */
function parseHosts(hosts: readonly string[] | undefined): string[] {
  const out: string[] = [];
  const problems: Problem[] = [];
  (hosts ?? []).forEach((raw, index) => {
    const host = raw.trim().toLowerCase().replace(/\.$/, '');
    if (host.length > 253 || !(HOST_PATTERN.test(host) || IPV6_PATTERN.test(host))) {
      problems.push({
        path: `allowedHosts[${index}]`,
        code: 'invalid_host',
        message: 'a host name such as "api.example.com" or "*.example.com", without scheme, port or path',
      });
    } else if (!out.includes(host)) out.push(host);
  });
  if (problems.length > 0)
    throw new ValidationError('allowedHosts holds something that is not a host', problems);
  return out;
}

function setFields(data: Record<string, unknown>): string[] {
  return Object.keys(data).filter((key) => data[key] !== undefined && data[key] !== null);
}

function view(row: CredentialRow, usedBy: CredentialUser[]): CredentialView {
  return {
    id: row.id,
    name: row.name,
    type: row.type,
    allowedHosts: row.allowedHosts,
    fields: row.fields,
    usedBy,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

function nameTaken(name: string): ConflictError {
  return new ConflictError(`a credential named "${name}" already exists`, { code: 'name_taken' });
}

/** A credential's stored (sealed) row; NotFoundError when there is none. */
export async function rowOf(db: Queryable, id: string): Promise<CredentialRow> {
  const [row] = await db.select().from(schema.credentials).where(eq(schema.credentials.id, id));
  if (!row) throw new NotFoundError(`credential ${id} not found`);
  return row;
}

/** Stores a new credential, sealed. */
export async function createCredential(
  db: Queryable,
  keyring: Keyring,
  input: CredentialInput,
  actor: string,
): Promise<CredentialView> {
  const type = typeOf(input.type);
  const data = parseData(type, input.data);
  const allowedHosts = parseHosts(input.allowedHosts);
  const id = newId();
  const sealed = keyring.seal(JSON.stringify(data), binding(id, type.type));
  try {
    const [row] = await db
      .insert(schema.credentials)
      .values({
        id,
        name: input.name,
        type: type.type,
        keyId: sealed.keyId,
        data: sealed.data,
        fields: setFields(data),
        allowedHosts,
      })
      .returning();
    await audit(db, actor, 'credential.create', 'credential', id, { name: input.name, type: type.type });
    return view(row as CredentialRow, []);
  } catch (err) {
    if (isUniqueViolation(err)) throw nameTaken(input.name);
    throw err;
  }
}

/** Every credential, by name, with the flows using it. */
export async function listCredentials(db: Queryable): Promise<CredentialView[]> {
  const [rows, users] = await Promise.all([
    db.select().from(schema.credentials).orderBy(asc(schema.credentials.name)),
    credentialUsers(db),
  ]);
  return rows.map((row) => view(row, users.get(row.id) ?? []));
}

/** One credential, with the flows using it. */
export async function getCredential(db: Queryable, id: string): Promise<CredentialView> {
  const [row, users] = await Promise.all([rowOf(db, id), credentialUsers(db)]);
  return view(row, users.get(id) ?? []);
}

/** Changes name, data or allowed hosts; data fields left out or masked keep their stored values. */
export async function updateCredential(
  db: Queryable,
  keyring: Keyring,
  id: string,
  update: CredentialUpdate,
  actor: string,
): Promise<CredentialView> {
  const row = await rowOf(db, id);
  if (update.type !== undefined && update.type !== row.type) {
    throw new ValidationError('a credential keeps its type; create a new one instead', [
      { path: 'type', code: 'type_changed', message: `this credential is ${row.type}` },
    ]);
  }
  const type = typeOf(row.type);
  const values: Partial<typeof schema.credentials.$inferInsert> = { updatedAt: new Date() };
  if (update.data !== undefined) {
    const stored = JSON.parse(keyring.open(row, binding(row.id, row.type))) as Record<string, unknown>;
    const merged: Record<string, unknown> = { ...stored };
    for (const [field, value] of Object.entries(update.data)) {
      if (value === CREDENTIAL_MASK && field in stored) continue;
      if (value === null) delete merged[field];
      else merged[field] = value;
    }
    const data = parseData(type, merged);
    const sealed = keyring.seal(JSON.stringify(data), binding(row.id, row.type));
    Object.assign(values, { keyId: sealed.keyId, data: sealed.data, fields: setFields(data) });
  }
  if (update.name !== undefined) values.name = update.name;
  if (update.allowedHosts !== undefined) values.allowedHosts = parseHosts(update.allowedHosts);
  try {
    await db.update(schema.credentials).set(values).where(eq(schema.credentials.id, id));
    sealedRows.forget(id);
  } catch (err) {
    if (isUniqueViolation(err)) throw nameTaken(update.name ?? row.name);
    throw err;
  }
  await audit(db, actor, 'credential.update', 'credential', id, {
    name: values.name ?? row.name,
    changed: [
      ...(update.name !== undefined ? ['name'] : []),
      ...(update.data !== undefined ? ['data'] : []),
      ...(update.allowedHosts !== undefined ? ['allowedHosts'] : []),
    ],
  });
  return getCredential(db, id);
}

/** Deletes a credential; refused (409, naming them) while flows use it, unless `force`. */
export async function deleteCredential(
  db: Queryable,
  id: string,
  force: boolean,
  actor: string,
): Promise<void> {
  const row = await rowOf(db, id);
  const users = (await credentialUsers(db)).get(id) ?? [];
  if (users.length > 0 && !force) {
    const names = users.map((u) => `"${u.name}" (${u.slug})`).join(', ');
    throw new ConflictError(
      `credential "${row.name}" is used by ${users.length === 1 ? 'flow' : 'flows'} ${names}; change them first, or delete with ?force=true (their steps will then fail)`,
      { code: 'credential_in_use' },
    );
  }
  await db.delete(schema.credentials).where(eq(schema.credentials.id, id));
  sealedRows.forget(id);
  await audit(db, actor, 'credential.delete', 'credential', id, {
    name: row.name,
    ...(users.length > 0 ? { forced: true, usedBy: users.map((u) => u.slug) } : {}),
  });
}

/** The decrypted credential, for a step or a connection test only. */
export async function openCredential(db: Queryable, keyring: Keyring, id: string): Promise<NodeCredential> {
  return openRow(keyring, await rowOf(db, id));
}

/** Decrypts a sealed row; KeyringError when its key is not in the keyring or it was tampered with. */
export function openRow(keyring: Keyring, row: CredentialRow): NodeCredential {
  return {
    id: row.id,
    name: row.name,
    type: row.type,
    data: JSON.parse(keyring.open(row, binding(row.id, row.type))) as Record<string, unknown>,
    allowedHosts: row.allowedHosts,
    version: row.updatedAt.toISOString(),
  };
}

/** The id, name and type of credentials, for checking references (publish) without decrypting. */
export async function credentialTypesById(
  db: Queryable,
): Promise<Map<string, { name: string; type: string }>> {
  const rows = await db
    .select({ id: schema.credentials.id, name: schema.credentials.name, type: schema.credentials.type })
    .from(schema.credentials);
  return new Map(rows.map((r) => [r.id, { name: r.name, type: r.type }]));
}
