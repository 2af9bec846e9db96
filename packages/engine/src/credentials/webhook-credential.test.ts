// Opening a webhook trigger's credential on real Postgres: the data when it fits, a reason (never a throw) when
// it does not; the sealed row is remembered for a few seconds and forgotten when this process changes it.
import { randomBytes } from 'node:crypto';
import { schema } from '@tributary/db';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { Keyring } from '../core/index.js';
import { startTestEngine, type TestEngine } from '../testing/index.js';
import { SealedRowCache } from './sealed-row-cache.js';
import { createCredential, deleteCredential, updateCredential } from './store.js';
import { webhookCredential } from './webhook-credential.js';

let t: TestEngine;

beforeAll(async () => {
  t = await startTestEngine(inject('templateDatabase'), { worker: false });
});

afterAll(async () => {
  await t?.close();
});

function headerToken(name: string, value: string, keyring = t.engine.ctx.keyring) {
  return createCredential(
    t.engine.ctx.db,
    keyring,
    { name, type: 'webhook.header', data: { name: 'x-token', value } },
    'test',
  );
}

describe('webhookCredential', () => {
  test('opens a credential of an accepted type, and refuses one of another type without its data', async () => {
    const { id } = await headerToken('fits', 'tok-1');
    const ctx = t.engine.ctx;
    expect(await webhookCredential(ctx, id, ['webhook.header'])).toEqual({
      ok: true,
      data: { name: 'x-token', value: 'tok-1' },
    });
    expect(await webhookCredential(ctx, id, ['webhook.hmac'])).toEqual({
      ok: false,
      reason: 'wrong_credential_type',
    });
  });

  test('names what is wrong with a missing id, a missing row and a row sealed under an unknown key', async () => {
    const ctx = t.engine.ctx;
    for (const id of [undefined, '', 42]) {
      expect(await webhookCredential(ctx, id, ['webhook.header'])).toEqual({
        ok: false,
        reason: 'no_credential',
      });
    }
    expect(await webhookCredential(ctx, '01937a4e-6f1a-7c3b-9a2e-1b2c3d4e5f60', ['webhook.header'])).toEqual({
      ok: false,
      reason: 'credential_not_found',
    });
    const stranger = await headerToken('sealed elsewhere', 'tok-2', new Keyring(randomBytes(32)));
    expect(await webhookCredential(ctx, stranger.id, ['webhook.header'])).toEqual({
      ok: false,
      reason: 'credential_unreadable',
    });
  });

  test('keeps the sealed row briefly, and forgets it when this process updates or deletes the credential', async () => {
    const ctx = t.engine.ctx;
    const { id } = await headerToken('cached', 'tok-3');
    expect(await webhookCredential(ctx, id, ['webhook.header'])).toMatchObject({ ok: true });
    // changed behind the store's back (as by another process): the remembered row still answers
    await ctx.db
      .update(schema.credentials)
      .set({ type: 'webhook.hmac' })
      .where(eq(schema.credentials.id, id));
    expect(await webhookCredential(ctx, id, ['webhook.header'])).toMatchObject({ ok: true });
    await ctx.db
      .update(schema.credentials)
      .set({ type: 'webhook.header' })
      .where(eq(schema.credentials.id, id));
    // through the store, at once
    await updateCredential(ctx.db, ctx.keyring, id, { data: { value: 'tok-4' } }, 'test');
    expect(await webhookCredential(ctx, id, ['webhook.header'])).toEqual({
      ok: true,
      data: { name: 'x-token', value: 'tok-4' },
    });
    await deleteCredential(ctx.db, id, true, 'test');
    expect(await webhookCredential(ctx, id, ['webhook.header'])).toEqual({
      ok: false,
      reason: 'credential_not_found',
    });
  });
});

describe('SealedRowCache', () => {
  // the cache never looks inside a row: a stand-in with an id is enough
  const row = (id: string) => ({ id }) as unknown as Parameters<SealedRowCache['set']>[1];

  test('answers within its TTL only, remembers a missing row as null, and drops the oldest beyond its size', () => {
    const cache = new SealedRowCache(5_000, 2);
    cache.set('a', row('a'), 0);
    expect(cache.get('a', 4_999)).toEqual({ id: 'a' });
    expect(cache.get('a', 5_000)).toBeUndefined();
    cache.set('gone', null, 0);
    expect(cache.get('gone', 1)).toBeNull();
    cache.set('b', row('b'), 0);
    cache.set('c', row('c'), 0);
    expect([cache.get('gone', 1), cache.get('b', 1), cache.get('c', 1)]).toEqual([
      undefined,
      { id: 'b' },
      { id: 'c' },
    ]);
    cache.forget('b');
    expect(cache.get('b', 1)).toBeUndefined();
    cache.clear();
    expect(cache.get('c', 1)).toBeUndefined();
  });
});
