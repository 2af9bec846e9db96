// Steps end to end on real Postgres and Redis: a flow of set → if → http, retries, joins and splits.
import { schema } from '@tributary/db';
import { type HttpPeer, startHttpPeer } from '@tributary/nodes/testing';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import {
  deployFlow,
  finishedRun,
  fireEvent,
  manualFlow,
  runIdOf as runId,
  startTestEngine,
  type TestEngine,
} from '../testing/index.js';

let t: TestEngine;
let peer: HttpPeer;

beforeAll(async () => {
  t = await startTestEngine(inject('templateDatabase'), { sweepMs: 500 });
  peer = await startHttpPeer();
});

afterAll(async () => {
  await peer?.close();
  await t?.close();
});

const flow = manualFlow;

function fire(deployed: { flowId: string; version: number }, item: unknown, idempotencyKey?: string) {
  return fireEvent(t.engine, deployed, item, idempotencyKey);
}

function finished(runId: string, timeoutMs = 20_000) {
  return finishedRun(t.engine, runId, timeoutMs);
}

describe('a flow of set → if → http', () => {
  test('succeeds and stores every step with its input and output', async () => {
    peer.handle((req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ received: JSON.parse(req.body.toString()) }));
    });
    const deployed = await deployFlow(
      t.engine,
      flow(
        [
          {
            id: 'set',
            type: 'logic.set',
            name: 'Tag',
            config: { fields: { tier: '{{ $json.plan = "pro" ? "gold" : "basic" }}' } },
          },
          { id: 'if', type: 'logic.if', name: 'Is gold', config: { condition: '{{ $json.tier = "gold" }}' } },
          {
            id: 'http',
            type: 'action.http',
            name: 'Notify',
            config: {
              method: 'POST',
              url: `${peer.url}/notify`,
              body: { user: '{{ $json.user }}', tier: '{{ $steps.Tag.output.tier }}' },
            },
          },
        ],
        [
          { id: 'e1', source: 'trigger', target: 'set' },
          { id: 'e2', source: 'set', target: 'if' },
          { id: 'e3', source: 'if', sourceHandle: 'true', target: 'http' },
        ],
      ),
    );
    const run = await finished(runId(await fire(deployed, { user: 'ada', plan: 'pro' })));
    expect(run.status).toBe('succeeded');
    const byNode = Object.fromEntries(run.steps.map((s) => [s.nodeId, s]));
    expect(byNode.trigger?.output).toEqual({ main: [{ user: 'ada', plan: 'pro' }] });
    expect(byNode.set?.input).toEqual({ user: 'ada', plan: 'pro' });
    expect(byNode.set?.output).toEqual({ main: [{ user: 'ada', plan: 'pro', tier: 'gold' }] });
    expect(byNode.if?.output).toEqual({ true: [{ user: 'ada', plan: 'pro', tier: 'gold' }], false: [] });
    expect(byNode.http?.status).toBe('succeeded');
    expect(byNode.http?.attempts).toHaveLength(1);
    expect(byNode.http?.output).toMatchObject({
      main: [{ status: 200, body: { received: { user: 'ada', tier: 'gold' } } }],
    });
    expect(peer.requests.at(-1)?.url).toBe('/notify');
    // run history keeps the request the step sent, on its attempt
    const sent = byNode.http?.attempts[0]?.request;
    expect(sent).toMatchObject({
      method: 'POST',
      url: `${peer.url}/notify`,
      headers: { 'content-type': 'application/json' },
      bodyBytes: peer.requests.at(-1)?.body.length,
    });
    expect(JSON.parse(sent?.body ?? '')).toEqual({ user: 'ada', tier: 'gold' });
  });

  test('an expression that gives nothing is marked on the attempt, for a fused step and a queued one alike', async () => {
    peer.handle((_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end('{}');
    });
    const deployed = await deployFlow(
      t.engine,
      flow(
        [
          // pure: runs inline (fused) while the event is accepted
          {
            id: 'set',
            type: 'logic.set',
            name: 'Copy',
            config: { fields: { total: '{{ $json.cart.total }}', who: '{{ $json.user }}' } },
          },
          {
            id: 'http',
            type: 'action.http',
            name: 'Send',
            config: {
              method: 'POST',
              url: `${peer.url}/empty?user={{ $json.user }}&coupon={{ $json.coupon }}`,
              body: { total: '{{ $json.total }}' },
            },
          },
        ],
        [
          { id: 'e1', source: 'trigger', target: 'set' },
          { id: 'e2', source: 'set', target: 'http' },
        ],
      ),
    );
    const id = runId(await fire(deployed, { user: 'ada' }));
    // the set step ran inline while the event was accepted: it is stored finished with the run's first rows
    const [copied] = await t.engine.ctx.db
      .select({ status: schema.steps.status })
      .from(schema.steps)
      .where(and(eq(schema.steps.runId, id), eq(schema.steps.nodeId, 'set')));
    expect(copied?.status).toBe('succeeded');
    const run = await finished(id);
    expect(run.status).toBe('succeeded');
    const byNode = Object.fromEntries(run.steps.map((s) => [s.nodeId, s]));
    expect(byNode.set?.attempts[0]?.emptyExpressions).toEqual([
      { path: 'config.fields.total', expression: '$json.cart.total' },
    ]);
    expect(byNode.http?.attempts[0]?.emptyExpressions).toEqual([
      { path: 'config.url', expression: '$json.coupon' },
      { path: 'config.body.total', expression: '$json.total' },
    ]);
    // a step whose expressions all gave something has no such mark
    expect(byNode.trigger?.attempts[0]?.emptyExpressions).toBeUndefined();
  });

  test('an untaken branch is recorded as skipped and the run still succeeds', async () => {
    const deployed = await deployFlow(
      t.engine,
      flow(
        [
          { id: 'if', type: 'logic.if', name: 'Is pro', config: { condition: '{{ $json.plan = "pro" }}' } },
          { id: 'http', type: 'action.http', name: 'Call', config: { url: `${peer.url}/never` } },
        ],
        [
          { id: 'e1', source: 'trigger', target: 'if' },
          { id: 'e2', source: 'if', sourceHandle: 'true', target: 'http' },
        ],
      ),
    );
    const before = peer.requests.length;
    const run = await finished(runId(await fire(deployed, { plan: 'free' })));
    expect(run.status).toBe('succeeded');
    expect(run.steps.find((s) => s.nodeId === 'http')?.status).toBe('skipped');
    expect(peer.requests.length).toBe(before);
  });
});

describe('retries', () => {
  test('a peer failing twice then succeeding gives one step with three attempts and backoff between them', async () => {
    let calls = 0;
    const seen: number[] = [];
    peer.handle((_req, res) => {
      calls += 1;
      seen.push(Date.now());
      res.statusCode = calls <= 2 ? 503 : 200;
      res.end(calls <= 2 ? 'busy' : 'ok');
    });
    const deployed = await deployFlow(
      t.engine,
      flow(
        [
          {
            id: 'http',
            type: 'action.http',
            name: 'Flaky',
            config: { url: `${peer.url}/flaky` },
            retry: { attempts: 3, backoff: 'fixed', delayMs: 300, jitter: false },
          },
        ],
        [{ id: 'e1', source: 'trigger', target: 'http' }],
      ),
    );
    const run = await finished(runId(await fire(deployed, {})));
    expect(run.status).toBe('succeeded');
    const step = run.steps.find((s) => s.nodeId === 'http');
    expect(step?.attempts).toHaveLength(3);
    expect(step?.attempts.map((a) => a.error?.code ?? null)).toEqual(['http_5xx', 'http_5xx', null]);
    expect(calls).toBe(3);
    expect((seen[1] ?? 0) - (seen[0] ?? 0)).toBeGreaterThanOrEqual(250);
    expect((seen[2] ?? 0) - (seen[1] ?? 0)).toBeGreaterThanOrEqual(250);
  });

  test('a 4xx answer is not retried and dead-letters the step at once', async () => {
    let calls = 0;
    peer.handle((_req, res) => {
      calls += 1;
      res.statusCode = 404;
      res.end('no such thing');
    });
    const deployed = await deployFlow(
      t.engine,
      flow(
        [
          {
            id: 'http',
            type: 'action.http',
            name: 'Missing',
            config: { url: `${peer.url}/missing` },
            retry: { attempts: 5, delayMs: 10 },
          },
        ],
        [{ id: 'e1', source: 'trigger', target: 'http' }],
      ),
    );
    const run = await finished(runId(await fire(deployed, {})));
    expect(run.status).toBe('failed');
    const step = run.steps.find((s) => s.nodeId === 'http');
    expect(step?.status).toBe('dead');
    expect(step?.attempts).toHaveLength(1);
    expect(calls).toBe(1);
  });

  test('output Postgres cannot store (a NUL character) dead-letters its own step at once, fused or not', async () => {
    let calls = 0;
    peer.handle((req, res) => {
      calls += 1;
      res.setHeader('content-type', 'application/json');
      // /nul answers JSON text with a NUL character; /ok answers clean JSON
      res.end(req.url === '/nul' ? '{"note":"x\\u0000y"}' : '{"note":"fine"}');
    });
    const deployed = await deployFlow(
      t.engine,
      flow(
        [
          { id: 'http', type: 'action.http', name: 'Fetch', config: { url: `${peer.url}/nul` } },
          { id: 'http2', type: 'action.http', name: 'Fetch again', config: { url: `${peer.url}/ok` } },
          // a pure step that would run inline after the second call, making a NUL of its own
          { id: 'set', type: 'logic.set', name: 'Mark', config: { fields: { bad: '{{ "a\\u0000b" }}' } } },
        ],
        [
          { id: 'e1', source: 'trigger', target: 'http' },
          { id: 'e2', source: 'trigger', target: 'http2' },
          { id: 'e3', source: 'http2', target: 'set' },
        ],
      ),
    );
    const run = await finished(runId(await fire(deployed, {})));
    expect(run.status).toBe('failed');
    const byNode = Object.fromEntries(run.steps.map((s) => [s.nodeId, s]));
    expect(byNode.http?.status).toBe('dead');
    expect(byNode.http?.error).toMatchObject({ code: 'unstorable_output', retryable: false });
    expect(byNode.http?.attempts).toHaveLength(1);
    expect(calls).toBe(2);
    // the second call's step is kept; the pure step after it failed on its own
    expect(byNode.http2?.status).toBe('succeeded');
    expect(byNode.set?.status).toBe('dead');
    expect(byNode.set?.error).toMatchObject({ code: 'unstorable_output' });
  });
});

describe('joins', () => {
  const joinFlow = () =>
    flow(
      [
        { id: 'if', type: 'logic.if', name: 'Is pro', config: { condition: '{{ $json.plan = "pro" }}' } },
        { id: 'pro', type: 'logic.set', name: 'Pro', config: { fields: { branch: 'pro' } } },
        { id: 'free', type: 'logic.set', name: 'Free', config: { fields: { branch: 'free' } } },
        { id: 'slow', type: 'logic.delay', name: 'Wait', config: { ms: 300 } },
        { id: 'merge', type: 'logic.merge', name: 'Join', config: {} },
        { id: 'end', type: 'logic.set', name: 'End', config: { fields: { joined: true } } },
      ],
      [
        { id: 'e1', source: 'trigger', target: 'if' },
        { id: 'e2', source: 'if', sourceHandle: 'true', target: 'pro' },
        { id: 'e3', source: 'if', sourceHandle: 'false', target: 'free' },
        { id: 'e4', source: 'trigger', target: 'slow' },
        { id: 'e5', source: 'pro', target: 'merge' },
        { id: 'e6', source: 'free', target: 'merge' },
        { id: 'e7', source: 'slow', target: 'merge' },
        { id: 'e8', source: 'merge', target: 'end' },
      ],
    );

  test('a join after an if waits for the slow branch, counts the untaken branch as skipped, and runs once', async () => {
    const deployed = await deployFlow(t.engine, joinFlow());
    const run = await finished(runId(await fire(deployed, { plan: 'pro', id: 1 })));
    expect(run.status).toBe('succeeded');
    const status = (nodeId: string) => run.steps.filter((s) => s.nodeId === nodeId).map((s) => s.status);
    expect(status('free')).toEqual(['skipped']);
    expect(status('merge')).toEqual(['succeeded']);
    expect(status('end')).toEqual(['succeeded']);
    const merge = run.steps.find((s) => s.nodeId === 'merge');
    const slow = run.steps.find((s) => s.nodeId === 'slow');
    expect(new Date(merge?.startedAt ?? 0).getTime()).toBeGreaterThanOrEqual(
      new Date(slow?.finishedAt ?? 0).getTime(),
    );
    expect(merge?.output).toEqual({ main: [{ plan: 'pro', id: 1, branch: 'pro' }] });
  });
});

describe('split', () => {
  test('a split runs each item, holds items back past its concurrency limit, and a merge collects them in order', async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    peer.handle((req, res) => {
      inFlight += 1;
      maxInFlight = Math.max(maxInFlight, inFlight);
      setTimeout(() => {
        inFlight -= 1;
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ sku: JSON.parse(req.body.toString()).sku, ok: true }));
      }, 60);
    });
    const deployed = await deployFlow(
      t.engine,
      flow(
        [
          {
            id: 'split',
            type: 'logic.split',
            name: 'Each line',
            config: { items: '{{ $json.lines }}', concurrency: 2 },
          },
          {
            id: 'call',
            type: 'action.http',
            name: 'Reserve',
            config: { method: 'POST', url: `${peer.url}/reserve`, body: { sku: '{{ $json.item.sku }}' } },
          },
          {
            id: 'keep',
            type: 'logic.filter',
            name: 'Only ok',
            config: { condition: '{{ $json.body.sku != "skip" }}' },
          },
          { id: 'merge', type: 'logic.merge', name: 'All lines', config: { mode: 'append' } },
        ],
        [
          { id: 'e1', source: 'trigger', target: 'split' },
          { id: 'e2', source: 'split', target: 'call' },
          { id: 'e3', source: 'call', target: 'keep' },
          { id: 'e4', source: 'keep', target: 'merge' },
        ],
      ),
    );
    const lines = ['a', 'b', 'skip', 'd', 'e'].map((sku) => ({ sku }));
    const run = await finished(runId(await fire(deployed, { lines })));
    expect(run.status).toBe('succeeded');
    expect(maxInFlight).toBe(2);
    expect(run.steps.filter((s) => s.nodeId === 'call').map((s) => s.status)).toEqual(
      Array(5).fill('succeeded'),
    );
    const merged = run.steps.filter((s) => s.nodeId === 'merge');
    expect(merged).toHaveLength(1);
    const output = merged[0]?.output as { main: Array<{ items: Array<{ body: { sku: string } }> }> };
    const items = output.main[0]?.items;
    expect(items?.map((i) => i.body.sku)).toEqual(['a', 'b', 'd', 'e']);
  });
});
