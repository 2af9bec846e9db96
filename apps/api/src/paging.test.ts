// Keyset paging: /runs, /events and /dead-letters take the same limit and cursor and answer the same page shape.
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { openApiDocument } from './openapi-document.js';
import { startTestApp, type TestApp } from './test-app.js';

const LIST_ROUTES = ['/runs', '/events', '/dead-letters'] as const;

let api: TestApp;

beforeAll(async () => {
  api = await startTestApp(inject('templateDatabase'));
});

afterAll(async () => {
  await api?.close();
});

describe.each(LIST_ROUTES)('GET %s', (path) => {
  test('documents the shared limit and cursor parameters and the page answer', () => {
    const operation = openApiDocument().paths?.[path]?.get;
    const parameters = (operation?.parameters ?? []).filter(
      (p) => 'name' in p && (p.name === 'limit' || p.name === 'cursor'),
    );
    expect(parameters).toEqual([
      expect.objectContaining({
        name: 'limit',
        in: 'query',
        schema: expect.objectContaining({ minimum: 1, maximum: 500, default: 50 }),
      }),
      expect.objectContaining({ name: 'cursor', in: 'query', required: false }),
    ]);
    const ok = operation?.responses?.['200'];
    expect(ok?.content?.['application/json']?.schema).toMatchObject({
      type: 'object',
      properties: { items: { type: 'array' }, nextCursor: { type: ['string', 'null'] } },
      required: ['items', 'nextCursor'],
    });
  });

  test('answers a page and refuses a limit or cursor out of range', async () => {
    const page = await (await api.call('GET', `/api/v1${path}`)).json();
    expect(page).toEqual({ items: expect.any(Array), nextCursor: null });
    for (const query of ['limit=0', 'limit=501', 'limit=x', 'cursor=not-a-uuid']) {
      const res = await api.call('GET', `/api/v1${path}?${query}`);
      expect(res.status, query).toBe(400);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
    }
  });
});
