// Scoped API keys in-process: shown once and stored hashed, wrong scope 403 naming it, revoked or expired 401,
// never more than their maker, last use recorded at most once a minute, older role keys keep their role's scopes.
import { schema } from '@tributary/db';
import { createApiKey } from '@tributary/engine';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { type Page, readJson, readProblem, startTestApp, type TestApp } from '../test-app.js';
import type { ApiKey } from './api-keys.js';
import type { AuditEntry } from './audit.js';
import type { Caller } from './auth.js';
import type { Invitation, User } from './users.js';

/** A new key's answer: the key itself, shown only then. */
type NewApiKey = Pick<ApiKey, 'id' | 'name' | 'prefix' | 'scopes' | 'expiresAt'> & { key: string };

import { postPublic, sessionFrom, type TestSession } from '../test-session.js';

let api: TestApp;
let owner: TestSession;

beforeAll(async () => {
  api = await startTestApp(inject('templateDatabase'));
  owner = await sessionFrom(
    api,
    await postPublic(api, '/api/v1/auth/setup', { email: 'keys@example.com', password: 'owner password 1' }),
  );
});

afterAll(async () => {
  await api?.close();
});

function bearer(key: string) {
  return { authorization: `Bearer ${key}` };
}

async function member(email: string, role: 'editor' | 'viewer'): Promise<TestSession> {
  const invitation = await readJson<Invitation>(
    await owner.call('POST', '/api/v1/users/invitations', { email, role }),
  );
  const token = new URL(invitation.link).hash.replace('#token=', '');
  return sessionFrom(
    api,
    await postPublic(api, '/api/v1/auth/invitations/accept', { token, password: 'member password' }),
  );
}

describe('making keys', () => {
  test('answers the key once; lists show the prefix, scopes, maker and expiry, never the key', async () => {
    const expiresAt = new Date(Date.now() + 86_400_000).toISOString();
    const res = await owner.call('POST', '/api/v1/api-keys', {
      name: 'deploy',
      scopes: ['flows:read', 'flows:write'],
      expiresAt,
    });
    expect(res.status).toBe(201);
    const made = await readJson<NewApiKey>(res);
    expect(made).toEqual({
      id: expect.any(String),
      name: 'deploy',
      prefix: made.key.slice(0, 12),
      scopes: ['flows:read', 'flows:write'],
      expiresAt,
      key: expect.stringMatching(/^trb_[\w-]{43}$/),
    });
    const list = await readJson<Page<ApiKey>>(await owner.call('GET', '/api/v1/api-keys'));
    const listed = list.items.find((k) => k.id === made.id);
    expect(listed).toMatchObject({
      prefix: made.prefix,
      scopes: made.scopes,
      createdBy: 'keys@example.com',
      expiresAt,
      lastUsedAt: null,
    });
    expect(JSON.stringify(list)).not.toContain(made.key);
    const [row] = await api.t.engine.ctx.db.select().from(schema.apiKeys).where(eqId(made.id));
    expect(row?.hash).not.toContain(made.key.slice(4));
    const audit = await readJson<Page<AuditEntry>>(
      await owner.call('GET', `/api/v1/audit?target=${made.id}`),
    );
    expect(audit.items[0]).toMatchObject({
      action: 'api_key.create',
      actor: expect.stringMatching(/^user:/),
    });
  });

  test('a scope it lacks answers 403 naming the scope; the ones it has work', async () => {
    const made = await readJson<NewApiKey>(
      await owner.call('POST', '/api/v1/api-keys', { name: 'reader', scopes: ['flows:read'] }),
    );
    expect((await api.app.request('/api/v1/flows', { headers: bearer(made.key) })).status).toBe(200);
    const runs = await api.app.request('/api/v1/runs', { headers: bearer(made.key) });
    expect(runs.status).toBe(403);
    expect((await readProblem(runs)).detail).toContain('runs:read');
    const write = await api.app.request('/api/v1/flows', {
      method: 'POST',
      headers: { ...bearer(made.key), 'content-type': 'application/json' },
      body: '{}',
    });
    expect(write.status).toBe(403);
    expect((await readProblem(write)).detail).toContain('flows:write');
  });

  test('revoked and expired keys answer 401', async () => {
    const made = await readJson<NewApiKey>(
      await owner.call('POST', '/api/v1/api-keys', { name: 'short-lived', scopes: ['runs:read'] }),
    );
    expect((await api.app.request('/api/v1/runs', { headers: bearer(made.key) })).status).toBe(200);
    await api.t.engine.ctx.db
      .update(schema.apiKeys)
      .set({ expiresAt: new Date(Date.now() - 1000) })
      .where(eqId(made.id));
    expect((await api.app.request('/api/v1/runs', { headers: bearer(made.key) })).status).toBe(401);

    const other = await readJson<NewApiKey>(
      await owner.call('POST', '/api/v1/api-keys', { name: 'revoked', scopes: ['runs:read'] }),
    );
    expect((await owner.call('DELETE', `/api/v1/api-keys/${other.id}`)).status).toBe(204);
    expect((await api.app.request('/api/v1/runs', { headers: bearer(other.key) })).status).toBe(401);
    expect((await owner.call('DELETE', `/api/v1/api-keys/${other.id}`)).status).toBe(404);
  });

  test('bad input is 422: no scopes, an unknown scope, an expiry in the past', async () => {
    expect((await owner.call('POST', '/api/v1/api-keys', { name: 'x', scopes: [] })).status).toBe(422);
    expect((await owner.call('POST', '/api/v1/api-keys', { name: 'x', scopes: ['root'] })).status).toBe(422);
    const past = await owner.call('POST', '/api/v1/api-keys', {
      name: 'x',
      scopes: ['flows:read'],
      expiresAt: new Date(Date.now() - 60_000).toISOString(),
    });
    expect(past.status).toBe(422);
  });
});

describe('a key never holds more than its maker', () => {
  test('an editor cannot mint admin; a viewer only read scopes', async () => {
    const editor = await member('ed@example.com', 'editor');
    const admin = await editor.call('POST', '/api/v1/api-keys', {
      name: 'x',
      scopes: ['flows:read', 'admin'],
    });
    expect(admin.status).toBe(403);
    expect((await readProblem(admin)).detail).toContain('admin');
    expect(
      (await editor.call('POST', '/api/v1/api-keys', { name: 'x', scopes: ['flows:write', 'runs:write'] }))
        .status,
    ).toBe(201);

    const viewer = await member('vi@example.com', 'viewer');
    expect(
      (await viewer.call('POST', '/api/v1/api-keys', { name: 'x', scopes: ['flows:write'] })).status,
    ).toBe(403);
    expect(
      (await viewer.call('POST', '/api/v1/api-keys', { name: 'x', scopes: ['flows:read', 'runs:read'] }))
        .status,
    ).toBe(201);
    // each sees only their own keys; the owner sees all
    const mine = (await readJson<Page<ApiKey>>(await viewer.call('GET', '/api/v1/api-keys'))).items;
    expect(mine.map((k) => k.createdBy)).toEqual(['vi@example.com']);
    const all = (await readJson<Page<ApiKey>>(await owner.call('GET', '/api/v1/api-keys'))).items;
    expect(new Set(all.map((k) => k.createdBy))).toEqual(
      // null: the test app's own owner key, made by no user
      new Set(['keys@example.com', 'ed@example.com', 'vi@example.com', null]),
    );
  });

  test('a key made with a key stays within that key; demoting the maker narrows their keys', async () => {
    const editor = await member('ed2@example.com', 'editor');
    const parent = await readJson<NewApiKey>(
      await editor.call('POST', '/api/v1/api-keys', { name: 'p', scopes: ['flows:read', 'flows:write'] }),
    );
    const child = await api.app.request('/api/v1/api-keys', {
      method: 'POST',
      headers: { ...bearer(parent.key), 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'c', scopes: ['runs:read'] }),
    });
    expect(child.status).toBe(403);
    const users = (await readJson<Page<User>>(await owner.call('GET', '/api/v1/users'))).items;
    const id = users.find((u) => u.email === 'ed2@example.com')?.id;
    await owner.call('PATCH', `/api/v1/users/${id}`, { role: 'viewer' });
    const write = await api.app.request('/api/v1/flows', {
      method: 'POST',
      headers: { ...bearer(parent.key), 'content-type': 'application/json' },
      body: '{}',
    });
    expect(write.status).toBe(403);
    expect((await api.app.request('/api/v1/flows', { headers: bearer(parent.key) })).status).toBe(200);
  });
});

describe('keys from before scopes', () => {
  test('a role key keeps its role: a viewer key reads flows and runs but writes nothing', async () => {
    const viewer = await createApiKey(api.t.engine.ctx.db, 'old viewer', 'viewer', 'test');
    const who = await readJson<Caller>(
      await api.app.request('/api/v1/auth/session', { headers: bearer(viewer.key) }),
    );
    expect(who).toMatchObject({
      via: 'key',
      role: 'viewer',
      scopes: ['flows:read', 'runs:read', 'credentials:read'],
    });
    expect((await api.app.request('/api/v1/runs', { headers: bearer(viewer.key) })).status).toBe(200);
    expect((await api.app.request('/api/v1/users', { headers: bearer(viewer.key) })).status).toBe(403);
  });

  test('records the last use at most once a minute', async () => {
    const made = await readJson<NewApiKey>(
      await owner.call('POST', '/api/v1/api-keys', { name: 'used', scopes: ['flows:read'] }),
    );

    await api.app.request('/api/v1/flows', { headers: bearer(made.key) });
    const [first] = await api.t.engine.ctx.db.select().from(schema.apiKeys).where(eqId(made.id));
    expect(first?.lastUsedAt).toBeInstanceOf(Date);
    await api.app.request('/api/v1/flows', { headers: bearer(made.key) });
    const [second] = await api.t.engine.ctx.db.select().from(schema.apiKeys).where(eqId(made.id));
    expect(second?.lastUsedAt?.getTime()).toBe(first?.lastUsedAt?.getTime());
  });
});

function eqId(id: string) {
  return eq(schema.apiKeys.id, id);
}
