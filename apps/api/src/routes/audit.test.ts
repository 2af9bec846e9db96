// GET /api/v1/audit on real Postgres: the changes made through the API, newest first, found by target,
// action and actor, paged, and never a secret.
import { afterAll, beforeAll, expect, inject, test } from 'vitest';
import { readJson, startTestApp, type TestApp } from '../test-app.js';
import type { AuditEntry } from './audit.js';
import type { Flow } from './flows.js';

let api: TestApp;

beforeAll(async () => {
  api = await startTestApp(inject('templateDatabase'));
});

afterAll(async () => {
  await api?.close();
});

async function audit(query: string): Promise<{ items: AuditEntry[]; nextCursor: string | null }> {
  const res = await api.call('GET', `/api/v1/audit${query}`);
  expect(res.status).toBe(200);
  return readJson<{ items: AuditEntry[]; nextCursor: string | null }>(res);
}

test('who changed what and when: by target, by action and by actor, newest first, paged', async () => {
  const flow = await readJson<Flow>(
    await api.call('POST', '/api/v1/flows', {
      name: 'Audited',
      slug: 'audited',
      nodes: [{ id: 'trigger', type: 'trigger.manual', name: 'Start', config: {} }],
      edges: [],
    }),
  );

  expect((await api.call('POST', `/api/v1/flows/${flow.id}/publish`)).status).toBe(200);
  await api.call('POST', '/api/v1/credentials', {
    name: 'audited token',
    type: 'http.bearer',
    data: { token: 'secret-token-not-in-audit' },
  });

  const ofFlow = await audit(`?target=${flow.id}`);
  expect(ofFlow.items.map((e) => e.action)).toEqual(['flow.publish', 'flow.create']);
  expect(ofFlow.items[0]).toMatchObject({ targetType: 'flow', targetId: flow.id, details: { version: 1 } });
  expect(Date.parse(ofFlow.items[0]?.at ?? '')).toBeGreaterThan(Date.now() - 60_000);
  const actor = ofFlow.items[0]?.actor ?? '';
  expect(actor).toMatch(/^api_key:/);

  const publishes = await audit('?action=flow.publish');
  expect(publishes.items.every((e) => e.action === 'flow.publish')).toBe(true);
  const mine = await audit(`?actor=${encodeURIComponent(actor)}&limit=1`);
  expect(mine.items).toHaveLength(1);
  expect(mine.nextCursor).not.toBeNull();
  const next = await audit(`?actor=${encodeURIComponent(actor)}&limit=1&cursor=${mine.nextCursor}`);
  expect(next.items[0]).not.toEqual(mine.items[0]);
  expect((await audit('?actor=nobody')).items).toEqual([]);

  const all = await (await api.call('GET', '/api/v1/audit?limit=500')).text();
  expect(all).not.toContain('secret-token-not-in-audit');
  expect((await api.call('GET', '/api/v1/audit?limit=0')).status).toBe(400);
  expect((await api.app.request('/api/v1/audit')).status).toBe(401);
});
