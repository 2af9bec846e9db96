// Webhooks in responseMode respondNode over a real HTTP server, with the steps run by a worker in another
// process (on Postgres; PGlite cannot be shared, so there the API's own worker runs them): the caller gets
// what the first Respond to webhook step said, 504 when none answers in time, 502 when the run ends without.
import type { ChildProcess } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { startWorkerProcess, stopWorkerProcess, waitFor } from '@tributary/engine/testing';
import { type HttpPeer, startHttpPeer } from '@tributary/nodes/testing';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import type { Credential } from '../routes/credentials.js';
import type { Flow } from '../routes/flows.js';
import { readJson, readProblem, startTestApp, type TestApp } from '../test-app.js';

const onPglite = process.env.TEST_DB === 'pglite';

let api: TestApp;
let server: ReturnType<typeof serve>;
let worker: ChildProcess | undefined;
let peer: HttpPeer;
let base = '';

beforeAll(async () => {
  api = await startTestApp(inject('templateDatabase'), {}, { worker: onPglite });
  if (!onPglite) worker = await startWorkerProcess(api.t);
  server = serve({ fetch: api.app.fetch, port: 0, hostname: '127.0.0.1' });
  await new Promise((resolve) => server.once('listening', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  // echoes the request's Authorization header back, as a careless API might
  peer = await startHttpPeer({
    handler: (req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ youSent: req.headers.authorization ?? null }));
    },
  });
});

afterAll(async () => {
  await peer?.close();
  await new Promise((resolve) => server?.close(resolve));
  if (worker) await stopWorkerProcess(worker);
  await api?.close();
});

interface Step {
  id: string;
  nodeId: string;
  status: string;
  output: Record<string, unknown[]> | null;
  response?: Record<string, unknown>;
}

let n = 0;

/** A flow: a webhook in respondNode mode (on its own path), then the given nodes and edges. */
function flow(
  nodes: Array<{ id: string; type: string; config?: Record<string, unknown> }>,
  edges: Array<[source: string, target: string, port?: string]>,
  trigger: Record<string, unknown> = {},
) {
  n += 1;
  return {
    name: `Respond ${n}`,
    slug: `respond-${n}`,
    nodes: [
      {
        id: 'hook',
        type: 'trigger.webhook',
        name: 'Hook',
        config: { path: `respond-${n}`, responseMode: 'respondNode', ...trigger },
      },
      ...nodes.map((node) => ({ config: {}, ...node, name: node.id })),
    ],
    edges: edges.map(([source, target, port], i) => ({
      id: `e${i}`,
      source,
      target,
      ...(port ? { sourceHandle: port } : {}),
    })),
  };
}

async function publish(def: unknown): Promise<Response> {
  const created = await api.call('POST', '/api/v1/flows', def, {});
  expect(created.status).toBe(201);
  const { id } = await readJson<Flow>(created);
  return api.call('POST', `/api/v1/flows/${id}/publish`);
}

async function published(def: unknown): Promise<void> {
  expect((await publish(def)).status).toBe(200);
}

function fire(body: unknown, path = `respond-${n}`): Promise<Response> {
  return fetch(`${base}/hooks/${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

/** The run once it is over. */
async function finished(runId: string): Promise<{ status: string; steps: Step[] }> {
  return waitFor(async () => {
    const run = await readJson<{ status: string; steps: Step[] }>(
      await api.call('GET', `/api/v1/runs/${runId}`),
    );
    return ['succeeded', 'failed', 'canceled'].includes(run.status) ? run : undefined;
  });
}

describe('the caller gets the answer of the Respond to webhook step', () => {
  test('status, headers and a body built by expressions; the flow goes on after answering', async () => {
    await published(
      flow(
        [
          {
            id: 'answer',
            type: 'logic.respond-to-webhook',
            config: {
              status: 201,
              headers: { 'X-Order': '{{ $string($json.body.order) }}', 'cache-control': 'no-store' },
              body: { order: '{{ $json.body.order }}', total: '{{ $json.body.amount * 2 }}' },
            },
          },
          { id: 'after', type: 'logic.set', config: { fields: { answered: true } } },
        ],
        [
          ['hook', 'answer'],
          ['answer', 'after'],
        ],
      ),
    );
    const res = await fire({ order: 7, amount: 21 });
    expect(res.status).toBe(201);
    expect(await res.json()).toEqual({ order: 7, total: 42 });
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(res.headers.get('x-order')).toBe('7');
    expect(res.headers.get('cache-control')).toBe('no-store');
    // served from Tributary's origin: never script, never sniffed
    expect(res.headers.get('content-security-policy')).toContain('sandbox');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    const runId = res.headers.get('x-tributary-run-id');
    expect(runId).toEqual(expect.any(String));

    const run = await finished(runId ?? '');
    expect(run.status).toBe('succeeded');
    const answer = run.steps.find((s) => s.nodeId === 'answer');
    expect(answer?.response).toEqual({
      sent: true,
      status: 201,
      headers: { 'x-order': '7', 'cache-control': 'no-store', 'content-type': 'application/json' },
      bodyBytes: Buffer.byteLength('{"order":7,"total":42}'),
    });
    // the item goes on unchanged
    expect(answer?.output?.main?.[0]).toMatchObject({ body: { order: 7, amount: 21 } });
    expect(run.steps.find((s) => s.nodeId === 'after')?.output?.main?.[0]).toMatchObject({ answered: true });
  });

  test('text goes out as text/plain, and an empty 204 has no body', async () => {
    await published(
      flow(
        [{ id: 'answer', type: 'logic.respond-to-webhook', config: { body: 'hello {{ $json.body.name }}' } }],
        [['hook', 'answer']],
      ),
    );
    const text = await fire({ name: 'Ada' });
    expect(text.status).toBe(200);
    expect(text.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(await text.text()).toBe('hello Ada');

    await published(
      flow(
        [{ id: 'answer', type: 'logic.respond-to-webhook', config: { status: 204 } }],
        [['hook', 'answer']],
      ),
    );
    const empty = await fire({});
    expect(empty.status).toBe(204);
    expect(await empty.text()).toBe('');
  });

  test('two respond steps racing on parallel branches: exactly one answers, the other records who did', async () => {
    await published(
      flow(
        [
          { id: 'left', type: 'logic.respond-to-webhook', config: { status: 201, body: 'left' } },
          { id: 'right', type: 'logic.respond-to-webhook', config: { status: 202, body: 'right' } },
        ],
        [
          ['hook', 'left'],
          ['hook', 'right'],
        ],
      ),
    );
    const res = await fire({});
    const said = await res.text();
    expect([201, 202]).toContain(res.status);
    const run = await finished(res.headers.get('x-tributary-run-id') ?? '');
    expect(run.status).toBe('succeeded');
    const responders = run.steps.filter((s) => s.response);
    const winner = responders.find((s) => s.response?.sent === true);
    const loser = responders.find((s) => s.response?.sent === false);
    expect(responders).toHaveLength(2);
    expect(winner?.nodeId).toBe(said);
    expect(winner?.response?.status).toBe(res.status);
    expect(loser?.response).toEqual({ sent: false, answeredBy: winner?.id });
  });

  test('a second respond step later in the flow does not change the answer', async () => {
    await published(
      flow(
        [
          { id: 'first', type: 'logic.respond-to-webhook', config: { status: 200, body: 'first' } },
          { id: 'second', type: 'logic.respond-to-webhook', config: { status: 500, body: 'second' } },
        ],
        [
          ['hook', 'first'],
          ['first', 'second'],
        ],
      ),
    );
    const res = await fire({});
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('first');
    const run = await finished(res.headers.get('x-tributary-run-id') ?? '');
    const first = run.steps.find((s) => s.nodeId === 'first');
    expect(run.steps.find((s) => s.nodeId === 'second')?.response).toEqual({
      sent: false,
      answeredBy: first?.id,
    });
  });

  test('the answer comes from the redacted step data: a credential a peer echoes back is masked', async () => {
    const credential = await api.call('POST', '/api/v1/credentials', {
      name: `echoed token ${n}`,
      type: 'http.bearer',
      data: { token: 'tok-secret-123456' },
    });
    expect(credential.status).toBe(201);
    const { id: credentialId } = await readJson<Credential>(credential);
    await published(
      flow(
        [
          { id: 'call', type: 'action.http', config: { url: `${peer.url}/echo`, credential: credentialId } },
          { id: 'answer', type: 'logic.respond-to-webhook', config: { body: '{{ $json.body }}' } },
        ],
        [
          ['hook', 'call'],
          ['call', 'answer'],
        ],
      ),
    );
    const res = await fire({});
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).not.toContain('tok-secret-123456');
    expect(JSON.parse(text)).toEqual({ youSent: 'Bearer ********' });
  });
});

describe('when no answer comes', () => {
  test('no respond step within the timeout: 504 problem, and the run still finishes', async () => {
    await published(
      flow(
        [
          { id: 'wait', type: 'logic.delay', config: { ms: 1500 } },
          { id: 'answer', type: 'logic.respond-to-webhook', config: { body: 'late' } },
        ],
        [
          ['hook', 'wait'],
          ['wait', 'answer'],
        ],
        { responseTimeoutMs: 300 },
      ),
    );
    const res = await fire({});
    expect(res.status).toBe(504);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    const problem = await readProblem(res);
    expect(problem).toMatchObject({ status: 504, code: 'response_timeout' });
    const runId = res.headers.get('x-tributary-run-id') ?? '';
    expect(problem.instance).toBe(`/api/v1/runs/${runId}`);
    const run = await finished(runId);
    expect(run.status).toBe('succeeded');
    expect(run.steps.find((s) => s.nodeId === 'answer')?.response).toMatchObject({ sent: true });
  });

  test('the run ends without answering: 502 at once, not after the timeout', async () => {
    await published(
      flow(
        [
          { id: 'big', type: 'logic.if', config: { condition: '{{ $json.body.amount > 10 }}' } },
          { id: 'answer', type: 'logic.respond-to-webhook', config: { body: 'big' } },
        ],
        [
          ['hook', 'big'],
          ['big', 'answer', 'true'],
        ],
        { responseTimeoutMs: 60_000 },
      ),
    );
    const started = Date.now();
    const res = await fire({ amount: 1 });
    expect(res.status).toBe(502);
    expect(await res.json()).toMatchObject({ code: 'no_response' });
    expect(Date.now() - started).toBeLessThan(20_000);
  });
});

describe('publish refuses what cannot work', () => {
  test('respondNode without a respond node, a respond node nobody waits for: 422 on the node and field', async () => {
    const missing = await publish(
      flow([{ id: 'tag', type: 'logic.set', config: { fields: { a: 1 } } }], [['hook', 'tag']]),
    );
    expect(missing.status).toBe(422);
    expect((await readProblem(missing)).problems).toEqual([
      expect.objectContaining({
        path: 'nodes[0].config.responseMode',
        nodeId: 'hook',
        code: 'respond_node_missing',
      }),
    ]);

    const unheard = await publish(
      flow([{ id: 'answer', type: 'logic.respond-to-webhook' }], [['hook', 'answer']], {
        responseMode: 'async',
      }),
    );
    expect(unheard.status).toBe(422);
    const problems = (await readProblem(unheard)).problems;
    expect(problems).toEqual([
      expect.objectContaining({ path: 'nodes[1].type', nodeId: 'answer', code: 'respond_without_webhook' }),
    ]);
    expect(problems?.[0]?.message).toContain('responseMode respondNode');

    const manual = {
      name: `Manual ${n}`,
      slug: `manual-respond-${n}`,
      nodes: [
        { id: 'start', type: 'trigger.manual', name: 'Start', config: {} },
        { id: 'answer', type: 'logic.respond-to-webhook', name: 'Answer', config: {} },
      ],
      edges: [{ id: 'e1', source: 'start', target: 'answer' }],
    };
    const created = await readJson<Flow>(await api.call('POST', '/api/v1/flows', manual));

    // the draft shows the problem before publish refuses it
    expect(created.problems).toEqual([expect.objectContaining({ code: 'respond_without_webhook' })]);
    const refused = await api.call('POST', `/api/v1/flows/${created.id}/publish`);
    expect(refused.status).toBe(422);
    const after = await (await api.call('GET', `/api/v1/flows/${created.id}`)).json();
    expect(after).toMatchObject({ status: 'draft', activeVersion: null });
  });
});
