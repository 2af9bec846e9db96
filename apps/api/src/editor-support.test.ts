// API the editor relies on: lenient draft saves, test runs of drafts with a live SSE stream, flow stats,
// the event list, run search by event, dead-letter groups, bulk redrive and discard.
import { schema } from '@tributary/db';
import { waitFor } from '@tributary/engine/testing';
import { type HttpPeer, startHttpPeer } from '@tributary/nodes/testing';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import type { DeadLetter, DeadLetterGroup, DiscardResult, RedriveResult } from './routes/dead-letters.js';
import type { Flow, FlowVersion } from './routes/flows.js';
import type { Event, Run, RunSummary } from './routes/runs.js';
import {
  type AcceptedEvent,
  firstRunId,
  type Page,
  readJson,
  readProblem,
  startTestApp,
  type TestApp,
} from './test-app.js';

let api: TestApp;
let peer: HttpPeer;
let healthy = false;

beforeAll(async () => {
  api = await startTestApp(inject('templateDatabase'));
  peer = await startHttpPeer({
    handler: (_req, res) => {
      res.statusCode = healthy ? 200 : 500;
      res.end(healthy ? 'ok' : 'down');
    },
  });
});

afterAll(async () => {
  await peer?.close();
  await api?.close();
});

/** POST /flows/{id}/test-runs' answer. */
interface TestRunStarted {
  runId: string;
  eventId: string;
  version: number;
}

async function getFlow(id: string): Promise<Flow> {
  return readJson<Flow>(await api.call('GET', `/api/v1/flows/${id}`));
}

async function getRun(id: string): Promise<Run> {
  return readJson<Run>(await api.call('GET', `/api/v1/runs/${id}`));
}

async function postFlow(path: string, body: unknown): Promise<Flow> {
  return readJson<Flow>(await api.call('POST', path, body));
}

async function fireHook(body: string): Promise<AcceptedEvent> {
  return readJson<AcceptedEvent>(
    await api.app.request(`/hooks/editor-${n}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    }),
  );
}

let n = 0;
function draft(url?: string) {
  n += 1;
  return {
    name: `Editor ${n}`,
    slug: `editor-${n}`,
    nodes: [
      { id: 'hook', type: 'trigger.webhook', name: 'Hook', config: { path: `editor-${n}` } },
      { id: 'set', type: 'logic.set', name: 'Set', config: { fields: { seen: '{{ $json.body.v }}' } } },
      {
        id: 'call',
        type: 'action.http',
        name: 'Call',
        config: url === undefined ? {} : { url },
        retry: { attempts: 1 },
      },
    ],
    edges: [
      { id: 'e1', source: 'hook', target: 'set' },
      { id: 'e2', source: 'set', target: 'call' },
    ],
  };
}

describe('lenient drafts', () => {
  test('allowInvalid keeps a draft with problems, reports them, and publishing stays blocked', async () => {
    const res = await api.call('POST', '/api/v1/flows?allowInvalid=true', draft());
    expect(res.status).toBe(201);
    const flow = await readJson<Flow>(res);
    expect(flow.problems).toEqual([expect.objectContaining({ nodeId: 'call', path: 'nodes[2].config.url' })]);
    const publish = await api.call('POST', `/api/v1/flows/${flow.id}/publish`);
    expect(publish.status).toBe(422);
    expect((await readProblem(publish)).problems?.[0]).toMatchObject({ nodeId: 'call' });
    // an autosave of a still-invalid draft is kept too, with its problems
    const stillInvalid = await api.call('PUT', `/api/v1/flows/${flow.id}?allowInvalid=true`, {
      ...draft(),
      slug: flow.slug,
      name: 'Renamed while invalid',
    });
    expect(stillInvalid.status).toBe(200);
    const kept = await readJson<Flow>(stillInvalid);
    expect(kept.name).toBe('Renamed while invalid');
    expect(kept.problems).toEqual([expect.objectContaining({ nodeId: 'call' })]);
    const fixed = await api.call('PUT', `/api/v1/flows/${flow.id}?allowInvalid=true`, draft(`${peer.url}/x`));
    expect((await readJson<Flow>(fixed)).problems).toEqual([]);
    // without the flag the same invalid draft is refused and nothing changes
    const strict = await api.call('PUT', `/api/v1/flows/${flow.id}`, draft());
    expect(strict.status).toBe(422);
    expect((await getFlow(flow.id)).problems).toEqual([]);
  });

  test('allowInvalid still refuses a body that is not shaped like a flow', async () => {
    const res = await api.call('POST', '/api/v1/flows?allowInvalid=true', { name: 'x', nodes: 'no' });
    expect(res.status).toBe(422);
  });
});

describe('test runs and the live stream', () => {
  test('a draft runs without publishing, and the stream reports every step then the end', async () => {
    healthy = true;
    const flow = await postFlow('/api/v1/flows', draft(`${peer.url}/x`));
    const started = await api.call('POST', `/api/v1/flows/${flow.id}/test-runs`, {
      item: { body: { v: 7 } },
    });
    expect(started.status).toBe(202);
    const { runId, version } = await readJson<TestRunStarted>(started);
    expect(version).toBe(-1);
    const stream = await api.app.request(
      `/api/v1/runs/${runId}/stream?access_token=${api.auth.authorization.slice(7)}`,
    );
    expect(stream.headers.get('content-type')).toContain('text/event-stream');
    const text = await stream.text();
    const events = text
      .split('\n\n')
      .filter((chunk) => chunk.includes('event:'))
      .map((chunk) => ({
        event: /event: (\w+)/.exec(chunk)?.[1],
        data: JSON.parse(/data: (.*)/.exec(chunk)?.[1] ?? 'null'),
      }));
    expect(events.at(-1)).toEqual({ event: 'end', data: { status: 'succeeded' } });
    const finalSteps = new Map(events.filter((e) => e.event === 'step').map((e) => [e.data.nodeId, e.data]));
    expect(finalSteps.get('set')?.output).toEqual({ main: [{ body: { v: 7 }, seen: 7 }] });
    expect(finalSteps.get('call')?.status).toBe('succeeded');
    // nothing was published and no webhook is live
    expect((await getFlow(flow.id)).status).toBe('draft');
    expect((await api.app.request(`/hooks/editor-${n}`, { method: 'POST' })).status).toBe(404);
    const run = await getRun(runId);
    expect(run.test).toBe(true);
    expect(
      (await readJson<Page<FlowVersion>>(await api.call('GET', `/api/v1/flows/${flow.id}/versions`))).items,
    ).toEqual([]);
  });

  test('a test run of an invalid draft is refused with its problems', async () => {
    const flow = await postFlow('/api/v1/flows?allowInvalid=true', draft());
    const res = await api.call('POST', `/api/v1/flows/${flow.id}/test-runs`, {});
    expect(res.status).toBe(422);
  });

  test('the stream needs a key and a real run', async () => {
    expect((await api.app.request('/api/v1/runs/01937a4e-6f1a-7c3b-9a2e-1b2c3d4e5f60/stream')).status).toBe(
      401,
    );
    expect((await api.call('GET', '/api/v1/runs/01937a4e-6f1a-7c3b-9a2e-1b2c3d4e5f60/stream')).status).toBe(
      404,
    );
    expect((await api.call('GET', '/api/v1/runs/not-a-run/stream')).status).toBe(400);
  });
});

describe('lists for the editor', () => {
  test('flow stats, events by flow and runs by event', async () => {
    healthy = true;
    const flow = await postFlow('/api/v1/flows', draft(`${peer.url}/x`));
    await api.call('POST', `/api/v1/flows/${flow.id}/publish`);
    const fired = await fireHook('{"v":1}');
    const runId = firstRunId(fired);
    await waitFor(async () => (await getRun(runId)).status === 'succeeded');
    const flows = await readJson<Page<Flow & { stats: unknown }>>(await api.call('GET', '/api/v1/flows'));
    const listed = flows.items.find((f) => f.id === flow.id);
    expect(listed?.stats).toMatchObject({ lastRunStatus: 'succeeded', runs24h: 1, failed24h: 0 });
    const events = await readJson<Page<Event>>(await api.call('GET', `/api/v1/events?flowId=${flow.id}`));
    expect(events.items.map((e) => e.id)).toEqual([fired.eventId]);
    const runs = await readJson<Page<RunSummary>>(
      await api.call('GET', `/api/v1/runs?eventId=${fired.eventId}`),
    );
    expect(runs.items.map((r) => r.id)).toEqual([runId]);
  });
});

describe('dead-letter groups', () => {
  test('failures of the same node and error group together and redrive as a group', async () => {
    healthy = false;
    const flow = await postFlow('/api/v1/flows', draft(`${peer.url}/x`));
    await api.call('POST', `/api/v1/flows/${flow.id}/publish`);
    const runIds: string[] = [];
    for (let i = 0; i < 3; i++) {
      const fired = await fireHook(`{"v":${i}}`);
      runIds.push(firstRunId(fired));
    }
    const groups = await waitFor(async () => {
      const body = await readJson<Page<DeadLetterGroup>>(
        await api.call('GET', `/api/v1/dead-letters/groups?flowId=${flow.id}`),
      );
      return body.items[0]?.count === 3 ? body.items : undefined;
    });
    expect(groups).toHaveLength(1);
    const [group] = groups;
    expect(group).toMatchObject({ nodeId: 'call', code: 'http_5xx', count: 3 });
    // the group is keyed by the folded message, and shows the newest one as it was
    expect(group?.message).toContain('<n>');
    expect(group?.example).not.toMatch(/<n>|<text>|<id>/);
    expect(group?.example).toMatch(/^GET http:\/\/127\.0\.0\.1:\d+ answered 500: down$/);
    healthy = true;
    const ids = group?.ids ?? [];
    const res = await api.call('POST', '/api/v1/dead-letters/redrive', { ids: [...ids, ids[0]] });
    const { results } = await readJson<{ results: RedriveResult[] }>(res);
    expect(results.filter((r) => r.ok)).toHaveLength(3);
    expect(results[3]).toMatchObject({ ok: false, error: { code: 'dead_letter_closed' } });
    for (const id of runIds) {
      await waitFor(async () => (await getRun(id)).status === 'succeeded');
    }
    const bad = await api.call('POST', '/api/v1/dead-letters/redrive', { ids: [] });
    expect(bad.status).toBe(422);
  });
});

describe('discarding dead letters', () => {
  async function deadLetters(flowId: string, query = '') {
    return waitFor(async () => {
      const body = await readJson<Page<DeadLetter>>(
        await api.call('GET', `/api/v1/dead-letters?flowId=${flowId}${query}`),
      );
      return body.items.length > 0 ? body.items : undefined;
    });
  }

  test('one or a group is discarded with a reason kept in the audit log; test-run failures are apart', async () => {
    healthy = false;
    const flow = await postFlow('/api/v1/flows', draft(`${peer.url}/gone`));
    await api.call('POST', `/api/v1/flows/${flow.id}/publish`);
    for (let i = 0; i < 3; i++) {
      await api.app.request(`/hooks/editor-${n}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: `{"v":${i}}`,
      });
    }
    const test = await api.call('POST', `/api/v1/flows/${flow.id}/test-runs`, {
      item: { body: { v: 'test' } },
    });
    expect(test.status).toBeLessThan(300);
    const all = await waitFor(async () => {
      const items = await deadLetters(flow.id, '&tests=include');
      return items.length === 4 ? items : undefined;
    });
    // the test run's failure is marked, and the production list leaves it out unless asked
    expect(all.filter((d) => d.test)).toHaveLength(1);
    const production = await deadLetters(flow.id);
    expect(production).toHaveLength(3);
    expect(production.every((d) => !d.test)).toBe(true);
    expect((await deadLetters(flow.id, '&tests=only')).map((d) => d.test)).toEqual([true]);
    const groups = await readJson<Page<DeadLetterGroup>>(
      await api.call('GET', `/api/v1/dead-letters/groups?flowId=${flow.id}`),
    );
    expect(groups.items[0]?.count).toBe(3);

    // one alone: discarded, its run stays failed, and a second discard is a conflict
    const [first, ...rest] = production.map((d) => d.id);
    const one = await api.call('POST', `/api/v1/dead-letters/${first}/discard`, { reason: 'a test address' });
    expect(one.status).toBe(200);
    expect(await readJson<DeadLetter>(one)).toMatchObject({ id: first, status: 'discarded' });
    const again = await api.call('POST', `/api/v1/dead-letters/${first}/discard`, { reason: 'twice' });
    expect(again.status).toBe(409);
    expect(again.headers.get('content-type')).toContain('application/problem+json');

    // the rest as a group, one id unknown: each reported on its own
    const unknown = '01900000-0000-7000-8000-000000000000';
    const many = await api.call('POST', '/api/v1/dead-letters/discard', {
      ids: [...rest, unknown],
      reason: 'customer left',
    });
    const { results } = await readJson<{ results: DiscardResult[] }>(many);
    expect(results).toEqual([
      ...rest.map((id) => ({ id, ok: true })),
      { id: unknown, ok: false, error: expect.objectContaining({ code: 'not_found' }) },
    ]);
    const discarded = await deadLetters(flow.id, '&status=discarded');
    expect(discarded.map((d) => d.id).sort()).toEqual([first, ...rest].sort());
    const pending = await readJson<Page<DeadLetter>>(
      await api.call('GET', `/api/v1/dead-letters?flowId=${flow.id}&status=pending`),
    );

    expect(pending.items).toEqual([]);

    const { db } = api.t.engine.ctx;
    const audit = await db
      .select({ targetId: schema.auditLog.targetId, details: schema.auditLog.details })
      .from(schema.auditLog)
      .where(eq(schema.auditLog.action, 'dead_letter.discard'));
    expect(audit).toEqual(
      expect.arrayContaining([
        { targetId: first, details: { reason: 'a test address' } },
        ...rest.map((id) => ({ targetId: id, details: { reason: 'customer left' } })),
      ]),
    );

    // a discard without a reason changes nothing
    const bare = await api.call('POST', '/api/v1/dead-letters/discard', { ids: rest, reason: ' ' });
    expect(bare.status).toBe(422);
  });
});
