// The HTTP API in-process (app.request) on real Postgres and Redis: the quickstart path, auth, bad input.
import { createHmac } from 'node:crypto';
import { createApiKey } from '@tributary/engine';
import { waitFor } from '@tributary/engine/testing';
import type { FlowDefinition } from '@tributary/flow';
import { type HttpPeer, startHttpPeer } from '@tributary/nodes/testing';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import type { Credential } from './routes/credentials.js';
import type { Flow, FlowVersion } from './routes/flows.js';
import type { NodeTypeBody } from './routes/node-types.js';
import type { Event, Run, RunSummary } from './routes/runs.js';
import {
  type AcceptedEvent,
  firstRunId,
  outputOf,
  type Page,
  readJson,
  readProblem,
  scrapeMetrics,
  startTestApp,
  type TestApp,
} from './test-app.js';

let api: TestApp;
let peer: HttpPeer;

beforeAll(async () => {
  api = await startTestApp(inject('templateDatabase'));
  peer = await startHttpPeer({
    handler: (req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ ok: true, got: req.body.toString() }));
    },
  });
});

afterAll(async () => {
  await peer?.close();
  await api?.close();
});

let n = 0;
function webhookFlow(extra: { auth?: unknown; responseMode?: string; path?: string } = {}) {
  n += 1;
  const path = extra.path ?? `orders-${n}`;
  return {
    name: `Orders ${n}`,
    slug: `orders-${n}`,
    nodes: [
      {
        id: 'hook',
        type: 'trigger.webhook',
        name: 'Order received',
        config: {
          path,
          ...(extra.auth ? { auth: extra.auth } : {}),
          ...(extra.responseMode ? { responseMode: extra.responseMode } : {}),
        },
      },
      {
        id: 'set',
        type: 'logic.set',
        name: 'Shape',
        config: { fields: { total: '{{ $json.body.amount * 2 }}' } },
      },
      { id: 'if', type: 'logic.if', name: 'Big', config: { condition: '{{ $json.total > 10 }}' } },
      {
        id: 'http',
        type: 'action.http',
        name: 'Notify',
        config: { method: 'POST', url: `${peer.url}/big`, body: { total: '{{ $json.total }}' } },
      },
    ],
    edges: [
      { id: 'e1', source: 'hook', target: 'set' },
      { id: 'e2', source: 'set', target: 'if' },
      { id: 'e3', source: 'if', sourceHandle: 'true', target: 'http' },
    ],
  };
}

async function created(def: unknown): Promise<{ id: string }> {
  const res = await api.call('POST', '/api/v1/flows', def);
  expect(res.status).toBe(201);
  return readJson<Flow>(res);
}

async function getJson<T>(path: string): Promise<T> {
  return readJson<T>(await api.call('GET', path));
}

async function published(def: unknown): Promise<{ id: string }> {
  const flow = await created(def);
  const res = await api.call('POST', `/api/v1/flows/${flow.id}/publish`);
  expect(res.status).toBe(200);
  return flow;
}

async function expectProblem(res: Response, status: number, code?: string) {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toContain('application/problem+json');
  const body = await readProblem(res);
  expect(body).toMatchObject({
    status,
    type: expect.any(String),
    title: expect.any(String),
    detail: expect.any(String),
  });
  if (code) expect(body.code).toBe(code);
  return body;
}

async function countRows(table: 'events' | 'flows' | 'runs'): Promise<number> {
  const { sql } = await import('drizzle-orm');
  const rows = await api.t.engine.ctx.db.execute(sql.raw(`select count(*)::int as n from ${table}`));
  // postgres.js returns the rows, PGlite an object with them
  const list = (Array.isArray(rows) ? rows : (rows as unknown as { rows: unknown[] }).rows) as Array<{
    n: number;
  }>;
  return list[0]?.n ?? -1;
}

describe('quickstart: create, publish, fire the webhook, read the run', () => {
  test('a webhook runs the flow and the run shows every step', async () => {
    const flow = await published(webhookFlow());
    const res = await api.app.request(`/hooks/orders-${n}?source=test`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-trace': 'abc' },
      body: JSON.stringify({ amount: 21 }),
    });
    expect(res.status).toBe(202);
    const accepted = await readJson<AcceptedEvent>(res);
    expect(accepted).toMatchObject({
      eventId: expect.any(String),
      duplicate: false,
      runs: [{ id: expect.any(String), flowId: flow.id }],
    });
    const runId = firstRunId(accepted);

    const run = await waitFor(async () => {
      const r = await getJson<Run>(`/api/v1/runs/${runId}`);
      return r.status === 'succeeded' ? r : undefined;
    });
    const hook = run.steps.find((s) => s.nodeId === 'hook');
    expect(outputOf(hook)?.[0]).toMatchObject({
      body: { amount: 21 },
      query: { source: 'test' },
      method: 'POST',
      path: `orders-${n}`,
      headers: { 'x-trace': 'abc', 'content-type': 'application/json' },
    });
    expect(run.steps.map((s) => [s.nodeId, s.status])).toEqual([
      ['hook', 'succeeded'],
      ['set', 'succeeded'],
      ['if', 'succeeded'],
      ['http', 'succeeded'],
    ]);
    const event = await getJson<Event>(`/api/v1/events/${accepted.eventId}`);
    expect(event).toMatchObject({
      id: accepted.eventId,
      source: `webhook:orders-${n}`,
      runs: [{ id: runId }],
    });
    const list = await getJson<Page<RunSummary>>(`/api/v1/runs?flowId=${flow.id}&status=succeeded`);
    expect(list.items.map((r) => r.id)).toContain(runId);
  });

  test('the same Idempotency-Key gives the same event and a single run', async () => {
    await published(webhookFlow());
    const fire = () =>
      api.app.request(`/hooks/orders-${n}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'idempotency-key': 'order-77' },
        body: JSON.stringify({ amount: 1 }),
      });
    const first = await readJson<AcceptedEvent>(await fire());
    const second = await readJson<AcceptedEvent>(await fire());
    expect(second).toEqual({ ...first, duplicate: true });
    expect(second.runs).toHaveLength(1);
  });

  test('responseMode lastNode answers with the last step output', async () => {
    await published(webhookFlow({ responseMode: 'lastNode' }));
    const res = await api.app.request(`/hooks/orders-${n}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ amount: 50 }),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 200, body: { ok: true, got: '{"total":100}' } });
  });
});

/** Stores a credential through the API; its id. */
async function credential(type: string, data: Record<string, unknown>): Promise<string> {
  const res = await api.call('POST', '/api/v1/credentials', {
    name: `${type} ${n}-${Math.random()}`,
    type,
    data,
  });
  expect(res.status).toBe(201);
  return (await readJson<Credential>(res)).id;
}

describe('webhook authentication and parsing', () => {
  test('HMAC-signed requests pass; unsigned or wrongly signed ones get 401 and store nothing', async () => {
    const secret = await credential('webhook.hmac', { secret: 's3cret' });
    await published(webhookFlow({ auth: { type: 'hmac', credential: secret, prefix: 'sha256=' } }));
    const body = JSON.stringify({ amount: 3 });
    const good = `sha256=${createHmac('sha256', 's3cret').update(body).digest('hex')}`;
    const events = await countRows('events');
    const send = (signature?: string) =>
      api.app.request(`/hooks/orders-${n}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(signature ? { 'x-signature': signature } : {}) },
        body,
      });
    await expectProblem(await send(), 401, 'unauthorized');
    await expectProblem(await send(`sha256=${'0'.repeat(64)}`), 401, 'unauthorized');
    expect(await countRows('events')).toBe(events);
    expect((await send(good)).status).toBe(202);
  });

  test('the header token is never stored in the run history, and the flow holds only the credential id', async () => {
    const token = await credential('webhook.header', { name: 'X-Token', value: 'very-secret-token' });
    const flow = await published(webhookFlow({ auth: { type: 'header', credential: token } }));
    const res = await api.app.request(`/hooks/orders-${n}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-token': 'very-secret-token',
        authorization: 'Bearer other',
      },
      body: JSON.stringify({ amount: 1 }),
    });
    expect(res.status).toBe(202);
    const run = await getJson<Run>(`/api/v1/runs/${firstRunId(await readJson<AcceptedEvent>(res))}`);
    expect(JSON.stringify(run)).not.toContain('very-secret-token');
    expect(JSON.stringify(run)).not.toContain('Bearer other');
    const shown = await getJson<Flow>(`/api/v1/flows/${flow.id}`);
    expect(JSON.stringify(shown)).not.toContain('very-secret-token');
    expect((shown.draft as FlowDefinition).nodes[0]?.config.auth).toEqual({
      type: 'header',
      credential: token,
    });
    // the flow as shown can be saved and published again as it is
    const put = await api.call('PUT', `/api/v1/flows/${flow.id}`, { ...shown.draft, name: 'Renamed' });
    expect(put.status).toBe(200);
    expect((await api.call('POST', `/api/v1/flows/${flow.id}/publish`)).status).toBe(200);
    const again = await api.app.request(`/hooks/orders-${n}`, {
      method: 'POST',
      headers: { 'x-token': 'very-secret-token' },
    });
    expect(again.status).toBe(202);
  });

  test('an export of old, its secret masked, cannot start a new flow: it is told to use a credential', async () => {
    const copy = webhookFlow({ auth: { type: 'header', name: 'x-token', value: '********' } });
    const refused = await expectProblem(
      await api.call('POST', '/api/v1/flows', copy),
      422,
      'validation_failed',
    );
    expect(refused.problems).toEqual([
      expect.objectContaining({
        code: 'inline_secret',
        path: 'nodes[0].config.auth',
        message: expect.stringContaining('create a webhook.header credential'),
      }),
    ]);
    // an autosaved copy keeps the problem, and publishing it stays blocked
    const kept = await readJson<Flow>(await api.call('POST', '/api/v1/flows?allowInvalid=true', copy));
    expect(kept.problems).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ code: 'inline_secret', path: 'nodes[0].config.auth' }),
      ]),
    );
    await expectProblem(await api.call('POST', `/api/v1/flows/${kept.id}/publish`), 422);
  });

  test('a secret typed inline, in the shape of old, is refused even in an autosaved draft and never stored', async () => {
    const inline = webhookFlow({ auth: { type: 'basic', username: 'shop', password: 'typed-in-password' } });
    for (const path of ['/api/v1/flows', '/api/v1/flows?allowInvalid=true']) {
      const refused = await expectProblem(await api.call('POST', path, inline), 422, 'validation_failed');
      expect(refused.problems).toEqual([
        expect.objectContaining({
          code: 'inline_secret',
          path: 'nodes[0].config.auth',
          message: expect.stringContaining('create a webhook.basic credential'),
        }),
      ]);
      expect(JSON.stringify(refused)).not.toContain('typed-in-password');
    }
    const list = await (await api.call('GET', '/api/v1/flows')).json();
    expect(JSON.stringify(list)).not.toContain('typed-in-password');
  });

  test('bad webhook requests get the right 4xx and store nothing', async () => {
    await published(webhookFlow());
    const events = await countRows('events');
    await expectProblem(await api.app.request('/hooks/no-such-path', { method: 'POST' }), 404, 'not_found');
    await expectProblem(
      await api.app.request(`/hooks/orders-${n}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"amount":',
      }),
      400,
      'malformed_json',
    );
    await expectProblem(
      await api.app.request(`/hooks/orders-${n}`, {
        method: 'POST',
        headers: { 'content-type': 'text/plain' },
        body: 'x'.repeat(70 * 1024),
      }),
      413,
      'payload_too_large',
    );
    await expectProblem(
      await api.app.request(`/hooks/orders-${n}`, { method: 'GET' }),
      405,
      'method_not_allowed',
    );
    await expectProblem(
      await api.app.request(`/hooks/orders-${n}`, {
        method: 'POST',
        headers: { 'idempotency-key': 'k'.repeat(300) },
      }),
      400,
      'invalid_idempotency_key',
    );
    // valid JSON, but Postgres cannot store a NUL character in jsonb
    await expectProblem(
      await api.app.request(`/hooks/orders-${n}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"note":"a\\u0000b"}',
      }),
      400,
      'unstorable_payload',
    );
    expect(await countRows('events')).toBe(events);
  });

  test('unknown content types are kept as raw bytes, never guessed', async () => {
    await published(webhookFlow());
    const res = await api.app.request(`/hooks/orders-${n}`, {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream' },
      body: new Uint8Array([0, 1, 2, 255]),
    });
    expect(res.status).toBe(202);
    const { eventId } = await readJson<AcceptedEvent>(res);
    const event = await getJson<Event>(`/api/v1/events/${eventId}`);
    expect((event.payload as { body: unknown }).body).toEqual({
      encoding: 'base64',
      contentType: 'application/octet-stream',
      data: 'AAEC/w==',
    });
  });
});

describe('management API rejects bad input and changes nothing', () => {
  test('missing, malformed and unknown keys get 401; a viewer key cannot write (403)', async () => {
    await expectProblem(await api.app.request('/api/v1/flows'), 401, 'unauthorized');
    await expectProblem(
      await api.app.request('/api/v1/flows', { headers: { authorization: 'Basic abc' } }),
      401,
    );
    await expectProblem(
      await api.app.request('/api/v1/flows', { headers: { authorization: 'Bearer trb_nope' } }),
      401,
    );
    const viewer = await createApiKey(api.t.engine.ctx.db, 'viewer', 'viewer', 'test');
    const headers = { authorization: `Bearer ${viewer.key}`, 'content-type': 'application/json' };
    expect((await api.app.request('/api/v1/flows', { headers })).status).toBe(200);
    const flows = await countRows('flows');
    await expectProblem(
      await api.app.request('/api/v1/flows', {
        method: 'POST',
        headers,
        body: JSON.stringify(webhookFlow()),
      }),
      403,
      'forbidden',
    );
    expect(await countRows('flows')).toBe(flows);
  });

  test('flow bodies: malformed JSON 400, invalid definitions 422 with every problem, duplicates 409', async () => {
    const flows = await countRows('flows');
    await expectProblem(await api.call('POST', '/api/v1/flows', '{"name":'), 400);
    await expectProblem(await api.call('POST', '/api/v1/flows', '[1,2]'), 422);
    const invalid = await expectProblem(
      await api.call('POST', '/api/v1/flows', {
        name: 'Bad',
        slug: 'Not A Slug',
        nodes: [
          { id: 'a', type: 'action.http', name: 'Call', config: { url: 'not a url' } },
          { id: 'b', type: 'nope', name: 'Unknown', config: {} },
        ],
        edges: [{ id: 'e', source: 'a', target: 'zzz' }],
      }),
      422,
      'validation_failed',
    );
    const paths = invalid.problems?.map((p) => p.path);
    expect(paths).toEqual(expect.arrayContaining(['slug', 'nodes[0].config.url', 'nodes[1].type']));
    expect(invalid.problems?.length).toBeGreaterThanOrEqual(4);
    expect(await countRows('flows')).toBe(flows);
    const def = webhookFlow();
    await created(def);
    await expectProblem(await api.call('POST', '/api/v1/flows', def), 409, 'slug_taken');
  });

  test('unknown ids 404, malformed ids and query parameters 400', async () => {
    const unknown = '01937a4e-6f1a-7c3b-9a2e-1b2c3d4e5f60';
    await expectProblem(await api.call('GET', `/api/v1/flows/${unknown}`), 404, 'not_found');
    await expectProblem(await api.call('PUT', `/api/v1/flows/${unknown}`, webhookFlow()), 404);
    await expectProblem(await api.call('DELETE', `/api/v1/flows/${unknown}`), 404);
    await expectProblem(await api.call('POST', `/api/v1/flows/${unknown}/publish`), 404);
    await expectProblem(await api.call('GET', '/api/v1/flows/not-a-uuid'), 400);
    await expectProblem(await api.call('GET', `/api/v1/runs/${unknown}`), 404);
    await expectProblem(await api.call('GET', '/api/v1/runs?limit=abc'), 400);
    await expectProblem(await api.call('GET', '/api/v1/runs?status=bogus'), 400);
    await expectProblem(await api.call('POST', `/api/v1/runs/${unknown}/cancel`), 404);
    await expectProblem(await api.call('GET', `/api/v1/events/${unknown}`), 404);
    await expectProblem(await api.call('GET', `/api/v1/dead-letters/${unknown}`), 404);
    await expectProblem(await api.call('POST', `/api/v1/dead-letters/${unknown}/redrive`, {}), 404);
    await expectProblem(await api.call('POST', `/api/v1/dead-letters/${unknown}/redrive`, { bogus: 1 }), 422);
    await expectProblem(await api.call('GET', '/api/v1/nope'), 404);
  });

  test('publishing twice makes version 2; rollback activates version 1; versions are listed', async () => {
    const flow = await published(webhookFlow());
    expect(await (await api.call('POST', `/api/v1/flows/${flow.id}/publish`)).json()).toEqual({ version: 2 });
    const versions = await getJson<Page<FlowVersion>>(`/api/v1/flows/${flow.id}/versions`);
    expect(versions.items.map((v) => v.version)).toEqual([2, 1]);
    expect(await (await api.call('POST', `/api/v1/flows/${flow.id}/versions/1/publish`)).json()).toEqual({
      version: 1,
    });
    expect((await getJson<Flow>(`/api/v1/flows/${flow.id}`)).activeVersion).toBe(1);
    await expectProblem(await api.call('POST', `/api/v1/flows/${flow.id}/versions/9/publish`), 404);
    const off = await readJson<Flow>(await api.call('POST', `/api/v1/flows/${flow.id}/deactivate`));
    expect(off.status).toBe('inactive');
    await expectProblem(await api.app.request(`/hooks/orders-${n}`, { method: 'POST' }), 404);
  });

  test('two published flows cannot share a webhook path', async () => {
    await published(webhookFlow({ path: 'shared-path' }));
    const other = await created(webhookFlow({ path: 'shared-path' }));
    await expectProblem(
      await api.call('POST', `/api/v1/flows/${other.id}/publish`),
      409,
      'webhook_path_taken',
    );
  });
});

describe('discovery and operations', () => {
  test('node types list every type with ports and a config JSON Schema', async () => {
    const body = await getJson<Page<NodeTypeBody>>('/api/v1/node-types');
    const types = body.items.map((t) => t.type);
    expect(types).toEqual(
      expect.arrayContaining([
        'trigger.webhook',
        'trigger.manual',
        'logic.set',
        'logic.if',
        'logic.switch',
        'logic.merge',
        'logic.delay',
        'logic.stop-and-error',
        'action.http',
      ]),
    );
    const ifType = body.items.find((t) => t.type === 'logic.if');
    expect(ifType).toMatchObject({ outputs: ['true', 'false'], inputs: ['main'], errorPort: true });
    expect(ifType?.configSchema).toMatchObject({ type: 'object' });
  });

  test('the OpenAPI document and the docs page are served', async () => {
    const doc = await readJson<{ openapi: string; paths: Record<string, unknown> }>(
      await api.app.request('/api/v1/openapi.json'),
    );

    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/flows', '/flows/{id}/publish', '/runs/{id}', '/dead-letters/{id}/redrive']),
    );
    const docs = await api.app.request('/docs');
    expect(await docs.text()).toContain('swagger-ui');
    expect((await api.app.request('/docs/assets/swagger-ui-bundle.js')).status).toBe(200);
    expect((await api.app.request('/docs/assets/..%2Fpackage.json')).status).toBe(404);
  });

  test('health, readiness and metrics', async () => {
    expect(await (await api.app.request('/healthz')).json()).toEqual({ status: 'ok' });
    expect(await (await api.app.request('/readyz')).json()).toEqual({
      status: 'ready',
      postgres: true,
      redis: true,
    });
    const metrics = await (await api.app.request('/metrics')).text();
    expect(metrics).toContain('tributary_events_ingested_total');
    expect(metrics).toContain('tributary_step_duration_seconds_bucket');
    expect(metrics).toContain('tributary_queue_depth');
    // readiness as a gauge, how far behind the workers are, and what the sweeper had to put back
    expect(metrics).toMatch(/^tributary_ready 1$/m);
    expect(metrics).toMatch(/^tributary_queue_oldest_seconds \d+(\.\d+)?$/m);
    expect(metrics).toContain('tributary_sweeper_reenqueued_total');
    expect(metrics).toContain('tributary_retention_deleted_total');
  });

  test('request durations are counted by kind of route and status class', async () => {
    /** The histogram's count and sum for one series, from a scrape. */
    const series = async (route: string, status: string) => {
      const metrics = await scrapeMetrics(api.app);
      const value = (suffix: string) =>
        metrics.value(`tributary_http_request_duration_seconds_${suffix}`, { route, status });
      return { count: value('count'), sum: value('sum') };
    };
    const before = {
      webhook: await series('webhook', '2xx'),
      missing: await series('webhook', '4xx'),
      api: await series('api', '2xx'),
    };
    await published(webhookFlow());
    const accepted = await api.app.request(`/hooks/orders-${n}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ amount: 1 }),
    });
    expect(accepted.status).toBe(202);
    expect((await api.app.request(`/hooks/no-such-hook-${n}`, { method: 'POST' })).status).toBe(404);
    expect((await api.call('GET', '/api/v1/flows')).status).toBe(200);
    const webhook = await series('webhook', '2xx');
    expect(webhook.count).toBe(before.webhook.count + 1);
    expect(webhook.sum).toBeGreaterThan(before.webhook.sum);
    expect((await series('webhook', '4xx')).count).toBe(before.missing.count + 1);
    // the flow's creation and publication, and the list
    expect((await series('api', '2xx')).count).toBe(before.api.count + 3);
  });
});
