// Odd request bodies never get a 500: every one is accepted (202/200) or refused with a 4xx problem — deep
// nesting, NUL characters and lone surrogates (which Postgres's jsonb refuses), __proto__ keys, huge numbers,
// long keys, a byte-order mark — on the webhook ingress, the tracking API and the management API.
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import type { Flow } from './routes/flows.js';
import { readJson, startTestApp, type TestApp } from './test-app.js';
import { basicAuth, createTestSource } from './tracking/test-tracking.js';

let api: TestApp;
let writeKey = '';

beforeAll(async () => {
  api = await startTestApp(inject('templateDatabase'));
  writeKey = (await createTestSource(api, 'Odd')).writeKey;
  const created = await api.call('POST', '/api/v1/flows', {
    name: 'Odd bodies',
    slug: 'odd-bodies',
    nodes: [
      { id: 'hook', type: 'trigger.webhook', name: 'Hook', config: { path: 'odd' } },
      { id: 'set', type: 'logic.set', name: 'Set', config: { fields: { seen: true } } },
    ],
    edges: [{ id: 'e1', source: 'hook', target: 'set' }],
  });
  const { id } = await readJson<Flow>(created);

  expect((await api.call('POST', `/api/v1/flows/${id}/publish`)).status).toBe(200);
});

afterAll(async () => {
  await api?.close();
});

const deepArray = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;
const deepObject = (depth: number) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;

/** Raw JSON texts, each sent as it is. */
const BODIES: Record<string, string> = {
  'nested 10 000 arrays deep': deepArray(10_000),
  'nested 5 000 objects deep': deepObject(5_000),
  'a NUL character in a string': '{"name":"a\\u0000b"}',
  'a NUL character in a key': '{"a\\u0000b":1}',
  'a lone surrogate': '{"name":"\\ud800"}',
  'a reversed surrogate pair': '{"name":"\\udc00\\ud800"}',
  'a __proto__ key': '{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}}}',
  'a number beyond double range': '{"n":1e400,"m":-1e400,"tiny":1e-400}',
  'a 100 KB key': `{"${'k'.repeat(100_000)}":1}`,
  'a byte-order mark first': '\ufeff{"a":1}',
  'duplicate keys': '{"a":1,"a":2}',
  'a bare string': '"just text"',
  'a bare number': '42',
  null: 'null',
  'an empty object': '{}',
  'many keys': JSON.stringify(Object.fromEntries(Array.from({ length: 20_000 }, (_, i) => [`k${i}`, i]))),
  'unicode escapes of every plane': '{"s":"\\u00e9\\u4e2d\\ud83d\\ude00"}',
};

describe('odd bodies get a 2xx or a 4xx problem, never a 5xx', () => {
  test.each(Object.entries(BODIES))('webhook: %s', async (_name, body) => {
    const res = await api.app.request('/hooks/odd', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
    expectHandled(res.status, await res.text());
  });

  test.each(Object.entries(BODIES))('tracking: %s', async (_name, body) => {
    const wrapped = body.startsWith('{')
      ? body.replace(/^\{/, '{"type":"track","userId":"odd","event":"Odd",')
      : body;
    const res = await api.app.request('/v1/track', {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...basicAuth(writeKey) },
      body: wrapped.replace(/,}$/, '}'),
    });
    expectHandled(res.status, await res.text());
  });

  test.each(Object.entries(BODIES))('management API: %s', async (_name, body) => {
    const res = await api.call('POST', '/api/v1/flows', body);
    expectHandled(res.status, await res.text());
  });

  test('webhook: NUL in a text body, a form body and the query string', async () => {
    const send = (path: string, type: string, body: string) =>
      api.app.request(path, { method: 'POST', headers: { 'content-type': type }, body });
    for (const res of [
      await send('/hooks/odd', 'text/plain', 'a\u0000b'),
      await send('/hooks/odd', 'application/x-www-form-urlencoded', 'a=%00'),
      await send('/hooks/odd?q=%00', 'application/json', '{}'),
    ]) {
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ code: 'unstorable_payload' });
    }
  });

  test('the refusals name the reason', async () => {
    const deep = await api.app.request('/hooks/odd', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: deepArray(101),
    });
    expect(await deep.json()).toMatchObject({ status: 400, code: 'too_deep' });
    const fine = await api.app.request('/hooks/odd', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      // 100 levels, an escaped backslash before "ud800" (text, not an escape), a surrogate pair
      body: `{"a":${deepArray(99)},"s":${String.raw`"\\ud800 \ud83d\ude00"`}}`,
    });
    expect(fine.status).toBe(202);
  });

  test('a __proto__ key pollutes nothing', () => {
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

function expectHandled(status: number, text: string): void {
  expect(status, text.slice(0, 300)).toBeLessThan(500);
  if (status >= 400) expect(JSON.parse(text)).toMatchObject({ status, code: expect.any(String) });
}
