// Every route of the OpenAPI document declares its scope (x-scope), and the server enforces exactly that: a key
// without the scope gets 403 naming it, a key with only that scope gets past the check.
import { createApiKey, SCOPES, type Scope } from '@tributary/engine';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { openApiDocument } from './openapi-document.js';
import { SCOPE_EXTENSION } from './route-scopes.js';
import { readProblem, startTestApp, type TestApp } from './test-app.js';

let api: TestApp;

beforeAll(async () => {
  api = await startTestApp(inject('templateDatabase'));
});

afterAll(async () => {
  await api?.close();
});

const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;
const doc = openApiDocument();
const routes = Object.entries(doc.paths ?? {}).flatMap(([path, item]) =>
  METHODS.flatMap((method) => {
    const operation = (item as Record<string, Record<string, unknown> | undefined>)[method];
    return operation
      ? [{ method, path, access: operation[SCOPE_EXTENSION] as string | undefined, operation }]
      : [];
  }),
);

/** A concrete URL for a documented path: path parameters get well-formed values that name nothing. */
function urlOf(path: string): string {
  return `/api/v1${path
    .replace('{type}', 'trigger.manual')
    .replace('{version}', '1')
    .replace(/\{[^}]+\}/g, '01937a4e-6f1a-7c3b-9a2e-1b2c3d4e5f60')}`;
}

async function callAs(key: string | undefined, method: string, path: string): Promise<Response> {
  const headers: Record<string, string> = key ? { authorization: `Bearer ${key}` } : {};
  const init: RequestInit = { method: method.toUpperCase(), headers };
  if (method !== 'get' && method !== 'delete') {
    headers['content-type'] = 'application/json';
    init.body = '{}';
  }
  return Promise.resolve(api.app.request(urlOf(path), init));
}

const keys = new Map<string, string>();
async function keyWith(scopes: readonly Scope[]): Promise<string> {
  const name = scopes.join(',');
  const existing = keys.get(name);
  if (existing) return existing;
  const made = await createApiKey(api.t.engine.ctx.db, name, 'owner', 'test', { scopes });
  keys.set(name, made.key);
  return made.key;
}

test('the document lists the routes', () => {
  expect(routes.length).toBeGreaterThan(30);
});

describe.each(routes)('$method $path', ({ method, path, access, operation }) => {
  test('declares its scope', () => {
    expect(access, `${method.toUpperCase()} ${path} declares no ${SCOPE_EXTENSION}`).toBeDefined();
    expect([...SCOPES, 'signed-in', 'public']).toContain(access);
    if (access !== 'public')
      expect(operation.security).toEqual(
        expect.arrayContaining([expect.objectContaining({ bearerAuth: expect.any(Array) })]),
      );
  });

  if (access && (SCOPES as readonly string[]).includes(access)) {
    const scope = access as Scope;
    test(`a key without ${scope} gets 403 naming it; one with only ${scope} does not`, async () => {
      const without = await callAs(await keyWith(SCOPES.filter((s) => s !== scope)), method, path);
      expect(without.status).toBe(403);
      expect((await readProblem(without)).detail).toContain(scope);

      const withIt = await callAs(await keyWith([scope]), method, path);
      expect(withIt.status).not.toBe(403);
      expect(withIt.status).not.toBe(401);
    });
  } else if (access === 'signed-in') {
    test('any key gets past the check; no credentials get 401', async () => {
      expect((await callAs(undefined, method, path)).status).toBe(401);
      const res = await callAs(await keyWith(['flows:read']), method, path);
      expect([401, 403]).not.toContain(res.status);
    });
  } else if (access === 'public') {
    test('answers without credentials', async () => {
      expect((await callAs(undefined, method, path)).status).not.toBe(401);
    });
  }
});

test('the run stream (not in the document) needs runs:read', async () => {
  const stream = '/runs/01937a4e-6f1a-7c3b-9a2e-1b2c3d4e5f60/stream';
  const without = await callAs(await keyWith(SCOPES.filter((s) => s !== 'runs:read')), 'get', stream);
  expect(without.status).toBe(403);
  const withIt = await callAs(await keyWith(['runs:read']), 'get', stream);
  expect(withIt.status).not.toBe(403);
  await withIt.body?.cancel();
});
