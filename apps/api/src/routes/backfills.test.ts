// Backfills through the HTTP API (app.request, real Postgres and Redis, the engine's backfill job running):
// events received by a webhook are replayed into the flow as new runs listed by GET /runs?backfill=, with
// progress on the backfill; cancel is idempotent; bad requests are 4xx problems that create nothing.
import { waitFor } from '@tributary/engine/testing';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { readJson, readProblem, startTestApp, type TestApp } from '../test-app.js';
import type { Backfill } from './backfills.js';

let api: TestApp;

beforeAll(async () => {
  api = await startTestApp(inject('templateDatabase'));
  api.t.engine.startBackfills(50);
});

afterAll(async () => {
  await api?.close();
});

let n = 0;
function hookFlow() {
  n += 1;
  const path = `backfilled-${n}`;
  return {
    name: `Backfilled ${n}`,
    slug: path,
    nodes: [
      { id: 'hook', type: 'trigger.webhook', name: 'Signup', config: { path } },
      { id: 'set', type: 'logic.set', name: 'Plan', config: { fields: { plan: '{{ $json.body.plan }}' } } },
    ],
    edges: [{ id: 'e1', source: 'hook', target: 'set' }],
  };
}

async function createFlow(publish: boolean) {
  const def = hookFlow();
  const created = await api.call('POST', '/api/v1/flows', def);
  expect(created.status).toBe(201);
  const flow = (await created.json()) as { id: string };
  if (publish) expect((await api.call('POST', `/api/v1/flows/${flow.id}/publish`)).status).toBe(200);
  return { id: flow.id, path: def.slug };
}

/** Sends webhook requests; returns the ids of the events stored. */
async function send(path: string, bodies: unknown[]): Promise<string[]> {
  const ids: string[] = [];
  for (const body of bodies) {
    const res = await api.app.request(`/hooks/${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(res.status).toBe(202);
    ids.push(((await res.json()) as { eventId: string }).eventId);
  }
  return ids;
}

async function backfillOf(id: string): Promise<Backfill> {
  const res = await api.call('GET', `/api/v1/backfills/${id}`);
  expect(res.status).toBe(200);
  return readJson<Backfill>(res);
}

async function backfillsOf(flowId: string): Promise<Backfill[]> {
  const res = await api.call('GET', `/api/v1/flows/${flowId}/backfills`);
  expect(res.status).toBe(200);
  return (await readJson<{ items: Backfill[] }>(res)).items;
}

describe('a backfill', () => {
  test('replays the events of the range as new runs, listed by GET /runs?backfill= and counted on it', {
    timeout: 60_000,
  }, async () => {
    const flow = await createFlow(true);
    const before = await send(flow.path, [{ plan: 'early' }]);
    const from = new Date().toISOString();
    const events = await send(flow.path, [{ plan: 'a' }, { plan: 'b' }, { plan: 'c' }]);
    const to = new Date(Date.now() + 1).toISOString();
    await waitFor(() => Date.now() > Date.parse(to));

    const res = await api.call('POST', `/api/v1/flows/${flow.id}/backfill`, {
      from,
      to,
      filter: { condition: '{{ $json.body.plan != "b" }}' },
      maxInFlight: 2,
    });
    expect(res.status).toBe(202);
    const started = (await res.json()) as Backfill;
    expect(started).toMatchObject({
      flowId: flow.id,
      version: 1,
      status: 'running',
      total: 3,
      maxInFlight: 2,
    });

    const done = await waitFor(
      async () => {
        const view = await backfillOf(started.id);
        return view.status === 'done' ? view : undefined;
      },
      { timeoutMs: 30_000, what: 'the backfill to be done' },
    );
    expect(done).toMatchObject({
      total: 3,
      scanned: 3,
      started: 2,
      skipped: 1,
      succeeded: 2,
      failed: 0,
      open: 0,
    });

    const runs = await api.call('GET', `/api/v1/runs?backfill=${started.id}`);
    expect(runs.status).toBe(200);
    const items = ((await runs.json()) as { items: Array<Record<string, unknown>> }).items;
    expect(items.map((r) => r.eventId).sort()).toEqual([events[0], events[2]].sort());
    expect(items.every((r) => r.backfillId === started.id && r.flowId === flow.id)).toBe(true);
    // the event before the range was not replayed: only its live run has it
    const ofEarly = await api.call('GET', `/api/v1/runs?eventId=${before[0]}`);
    const early = ((await ofEarly.json()) as { items: Array<Record<string, unknown>> }).items;
    expect(early.map((r) => r.backfillId)).toEqual([null]);

    expect((await backfillsOf(flow.id)).map((b) => b.id)).toEqual([started.id]);
    const audit = await api.call('GET', '/api/v1/audit?limit=200');
    const actions = ((await audit.json()) as { items: Array<{ action: string; targetId: string }> }).items;
    expect(actions).toContainEqual(expect.objectContaining({ action: 'backfill.start', targetId: flow.id }));

    // over: a cancel is a conflict
    const late = await api.call('POST', `/api/v1/backfills/${started.id}/cancel`);
    expect(late.status).toBe(409);
    expect((await readProblem(late)).code).toBe('backfill_finished');
  });

  test('cancel stops it and answers the same when repeated', { timeout: 30_000 }, async () => {
    const flow = await createFlow(true);
    const from = new Date(Date.now() - 60_000).toISOString();
    const res = await api.call('POST', `/api/v1/flows/${flow.id}/backfill`, {
      from,
      to: new Date().toISOString(),
    });
    expect(res.status).toBe(202);
    const { id } = (await res.json()) as Backfill;
    const first = await api.call('POST', `/api/v1/backfills/${id}/cancel`);
    expect(first.status).toBe(200);
    expect((await readJson<Backfill>(first)).status).toBe('canceled');
    const again = await api.call('POST', `/api/v1/backfills/${id}/cancel`);
    expect(again.status).toBe(200);
    expect((await readJson<Backfill>(again)).status).toBe('canceled');
    expect((await backfillOf(id)).status).toBe('canceled');
    const missing = await api.call('POST', '/api/v1/backfills/01937a4e-6f1a-7c3b-9a2e-1b2c3d4e5f60/cancel');
    expect(missing.status).toBe(404);
  });
});

describe('bad requests', () => {
  const past = new Date(Date.now() - 3_600_000).toISOString();
  const now = () => new Date().toISOString();

  test.each([
    ['from after to', () => ({ from: now(), to: past }), 422, 'from'],
    [
      'to in the future',
      () => ({ from: past, to: new Date(Date.now() + 3_600_000).toISOString() }),
      422,
      'to',
    ],
    ['a date that is no ISO timestamp', () => ({ from: 'yesterday', to: now() }), 422, 'json.from'],
    ['an unknown field', () => ({ from: past, to: now(), speed: 'fast' }), 422, 'json'],
    ['maxInFlight of zero', () => ({ from: past, to: now(), maxInFlight: 0 }), 422, 'json.maxInFlight'],
    ['an unknown version', () => ({ from: past, to: now(), version: 9 }), 404, undefined],
    [
      'a condition that is no expression',
      () => ({ from: past, to: now(), filter: { condition: '$json.body.plan = "pro"' } }),
      422,
      'filter.condition',
    ],
    [
      'a condition that does not parse',
      () => ({ from: past, to: now(), filter: { condition: '{{ $json.body.plan = }}' } }),
      422,
      'filter.condition',
    ],
    [
      'event names for a webhook flow',
      () => ({ from: past, to: now(), filter: { names: ['Order Completed'] } }),
      422,
      'filter.names',
    ],
    [
      'an unknown filter field',
      () => ({ from: past, to: now(), filter: { where: 'x' } }),
      422,
      'json.filter',
    ],
  ])('%s is a %i problem, and nothing is created', async (_, body, status, path) => {
    const flow = await createFlow(true);
    const res = await api.call('POST', `/api/v1/flows/${flow.id}/backfill`, body());
    expect(res.status).toBe(status);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    if (path) {
      const problem = (await res.json()) as { problems: Array<{ path: string }> };
      expect(problem.problems.some((p) => p.path === path || p.path.startsWith(`${path}.`))).toBe(true);
    }
    expect(await backfillsOf(flow.id)).toEqual([]);
  });

  test('a flow never published is a 409 problem, and nothing is created', async () => {
    const flow = await createFlow(false);
    const res = await api.call('POST', `/api/v1/flows/${flow.id}/backfill`, { from: past, to: now() });
    expect(res.status).toBe(409);
    expect((await readProblem(res)).code).toBe('not_published');

    expect(await backfillsOf(flow.id)).toEqual([]);
  });
});
