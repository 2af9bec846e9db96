// Tracking sources on a real database: keys shown once and stored hashed, rotation, disable/enable, audit.
import type { Database } from '@tributary/db';
import { schema } from '@tributary/db';
import { createTestDatabase, type TestDatabase } from '@tributary/db/testing';
import { NotFoundError } from '@tributary/flow';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import {
  createSource,
  getSource,
  listSources,
  resolveWriteKey,
  rotateWriteKey,
  setSourceStatus,
} from './sources.js';

let database: TestDatabase;
let db: Database;

beforeAll(async () => {
  database = await createTestDatabase(inject('templateDatabase'));
  db = database.handle.db;
});

afterAll(async () => {
  await database?.dispose();
});

describe('sources', () => {
  test('create answers the write key once; only its hash and prefix are stored', async () => {
    const created = await createSource(db, 'Website', 'test');
    expect(created.writeKey).toMatch(/^trw_[A-Za-z0-9_-]{43}$/);
    expect(created.writeKeyPrefix).toBe(created.writeKey.slice(0, 12));
    const [row] = await db.select().from(schema.sources).where(eq(schema.sources.id, created.id));
    expect(JSON.stringify(row)).not.toContain(created.writeKey);
    expect(row?.writeKeyHash).toMatch(/^[0-9a-f]{64}$/);
    const listed = (await listSources(db)).find((s) => s.id === created.id);
    expect(listed).toMatchObject({ name: 'Website', status: 'active' });
    expect(listed).not.toHaveProperty('writeKey');
    expect(await getSource(db, created.id)).not.toHaveProperty('writeKey');
  });

  test('a write key resolves to its active source; an unknown key does not', async () => {
    const created = await createSource(db, 'App', 'test');
    const resolved = await resolveWriteKey(db, created.writeKey);
    expect(resolved).toMatchObject({ ok: true, source: { id: created.id } });
    expect(await resolveWriteKey(db, `${created.writeKey}x`)).toEqual({ ok: false, reason: 'unknown' });
    expect(await resolveWriteKey(db, '')).toEqual({ ok: false, reason: 'unknown' });
  });

  test('rotate answers a new key; the old key stops working at once', async () => {
    const created = await createSource(db, 'Rotating', 'test');
    const rotated = await rotateWriteKey(db, created.id, 'test');
    expect(rotated.writeKey).not.toBe(created.writeKey);
    expect(rotated.rotatedAt).toBeInstanceOf(Date);
    expect(await resolveWriteKey(db, created.writeKey)).toEqual({ ok: false, reason: 'unknown' });
    expect(await resolveWriteKey(db, rotated.writeKey)).toMatchObject({ ok: true });
  });

  test('a disabled source refuses its key as disabled until enabled again', async () => {
    const created = await createSource(db, 'Paused', 'test');
    expect((await setSourceStatus(db, created.id, 'disabled', 'test')).status).toBe('disabled');
    expect(await resolveWriteKey(db, created.writeKey)).toEqual({
      ok: false,
      reason: 'disabled',
      sourceId: created.id,
    });
    expect((await setSourceStatus(db, created.id, 'active', 'test')).status).toBe('active');
    expect(await resolveWriteKey(db, created.writeKey)).toMatchObject({ ok: true });
  });

  test('every change is in the audit log, never with the key', async () => {
    const created = await createSource(db, 'Audited', 'api_key:k1');
    const rotated = await rotateWriteKey(db, created.id, 'api_key:k1');
    await setSourceStatus(db, created.id, 'disabled', 'api_key:k1');
    await setSourceStatus(db, created.id, 'disabled', 'api_key:k1');
    await setSourceStatus(db, created.id, 'active', 'api_key:k1');
    const entries = await db.select().from(schema.auditLog).where(eq(schema.auditLog.targetId, created.id));
    expect(entries.map((e) => e.action).sort()).toEqual([
      'source.create',
      'source.disable',
      'source.enable',
      'source.rotate',
    ]);
    expect(entries.every((e) => e.actor === 'api_key:k1')).toBe(true);
    const text = JSON.stringify(entries);
    expect(text).not.toContain(created.writeKey);
    expect(text).not.toContain(rotated.writeKey);
  });

  test('operations on an unknown source are NotFoundError', async () => {
    const missing = '01937a4e-6f1a-7c3b-9a2e-1b2c3d4e5f60';
    await expect(getSource(db, missing)).rejects.toBeInstanceOf(NotFoundError);
    await expect(rotateWriteKey(db, missing, 'test')).rejects.toBeInstanceOf(NotFoundError);
    await expect(setSourceStatus(db, missing, 'disabled', 'test')).rejects.toBeInstanceOf(NotFoundError);
  });
});
