// /api/v1/frequency-caps and the sending rules over the API, in-process on real Postgres and Redis: caps are
// created, changed, listed and deleted by owners (audited) and read by everyone; bad input is a 422 naming the
// field and saves nothing; a flow's channel tags and quiet hours are validated in plain words; and a welcome
// series fed by the official Segment client shows in the run view who got the message and who was capped.
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { Analytics } from '@segment/analytics-node';
import { schema } from '@tributary/db';
import { createApiKey } from '@tributary/engine';
import { waitFor } from '@tributary/engine/testing';
import { type HttpPeer, startHttpPeer } from '@tributary/nodes/testing';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { readJson, startTestApp, type TestApp } from '../test-app.js';
import type { SourceWithWriteKey } from './sources.js';

let api: TestApp;
let peer: HttpPeer;
let server: ReturnType<typeof serve>;
let host = '';
let writeKey = '';

type Problem = { status: number; code: string; problems?: Array<{ path: string; message: string }> };

beforeAll(async () => {
  api = await startTestApp(inject('templateDatabase'));
  peer = await startHttpPeer();
  server = serve({ fetch: api.app.fetch, port: 0, hostname: '127.0.0.1' });
  await new Promise((resolve) => server.once('listening', resolve));
  host = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  writeKey = (
    await readJson<SourceWithWriteKey>(await api.call('POST', '/api/v1/sources', { name: 'Website' }))
  ).writeKey;
});

afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
  await peer?.close();
  await api?.close();
});

async function capCount() {
  return api.t.engine.ctx.db.$count(schema.frequencyCaps);
}

describe('frequency caps', () => {
  test('POST creates, GET lists, PUT changes and DELETE removes a cap; each change is audited', async () => {
    const created = await api.call('POST', '/api/v1/frequency-caps', {
      channel: 'push',
      limit: 3,
      periodMs: 604_800_000,
    });
    expect(created.status).toBe(201);
    const cap = (await created.json()) as { id: string };
    expect(cap).toMatchObject({ channel: 'push', limit: 3, periodMs: 604_800_000 });
    const list = (await (await api.call('GET', '/api/v1/frequency-caps')).json()) as { items: unknown[] };
    expect(list.items).toContainEqual(expect.objectContaining({ id: cap.id, channel: 'push' }));
    const changed = await api.call('PUT', `/api/v1/frequency-caps/${cap.id}`, {
      channel: 'push',
      limit: 2,
      periodMs: 604_800_000,
    });
    expect(changed.status).toBe(200);
    expect(await changed.json()).toMatchObject({ limit: 2 });
    expect((await api.call('DELETE', `/api/v1/frequency-caps/${cap.id}`)).status).toBe(204);
    expect((await api.call('GET', `/api/v1/frequency-caps/${cap.id}`)).status).toBe(404);
    const audit = (await (await api.call('GET', `/api/v1/audit?target=${cap.id}`)).json()) as {
      items: Array<{ action: string; details: unknown }>;
    };
    expect(audit.items.map((e) => e.action).sort()).toEqual([
      'frequency_cap.create',
      'frequency_cap.delete',
      'frequency_cap.update',
    ]);
    expect(audit.items.find((e) => e.action === 'frequency_cap.update')?.details).toMatchObject({
      from: { limit: 3 },
      to: { limit: 2 },
    });
  });

  test.each([
    [
      'a channel with capitals and spaces',
      { channel: 'E mail', limit: 1, periodMs: 86_400_000 },
      'json.channel',
    ],
    ['a limit of 0', { channel: 'email', limit: 0, periodMs: 86_400_000 }, 'json.limit'],
    ['a fractional limit', { channel: 'email', limit: 1.5, periodMs: 86_400_000 }, 'json.limit'],
    ['a period under a second', { channel: 'email', limit: 1, periodMs: 10 }, 'json.periodMs'],
    ['a period over 366 days', { channel: 'email', limit: 1, periodMs: 40_000_000_000 }, 'json.periodMs'],
    ['no period', { channel: 'email', limit: 1 }, 'json.periodMs'],
    ['a field nobody knows', { channel: 'email', limit: 1, periodMs: 1000, per: 'person' }, 'json'],
  ])('%s is refused with a 422 naming it, and nothing is saved', async (_, body, path) => {
    const before = await capCount();
    const res = await api.call('POST', '/api/v1/frequency-caps', body);
    expect(res.status).toBe(422);
    const problem = (await res.json()) as Problem;
    expect(problem.problems?.some((p) => p.path === path || p.path.startsWith(`${path}.`))).toBe(true);
    expect(await capCount()).toBe(before);
  });

  test('a second cap of the same channel and period is a 409; editors and viewers may read but not change', async () => {
    const body = { channel: 'slack', limit: 5, periodMs: 3_600_000 };
    const first = (await (await api.call('POST', '/api/v1/frequency-caps', body)).json()) as { id: string };
    const twin = await api.call('POST', '/api/v1/frequency-caps', { ...body, limit: 9 });
    expect(twin.status).toBe(409);
    expect(((await twin.json()) as Problem).code).toBe('frequency_cap_exists');
    for (const role of ['editor', 'viewer'] as const) {
      const { key } = await createApiKey(api.t.engine.ctx.db, `${role} key`, role, 'test');
      const headers = { authorization: `Bearer ${key}` };
      expect((await api.call('GET', '/api/v1/frequency-caps', undefined, headers)).status).toBe(200);
      const write = await api.call('PUT', `/api/v1/frequency-caps/${first.id}`, body, headers);
      expect(write.status).toBe(403);
      expect(
        (await api.call('DELETE', `/api/v1/frequency-caps/${first.id}`, undefined, headers)).status,
      ).toBe(403);
    }
    expect((await api.call('DELETE', `/api/v1/frequency-caps/${first.id}`)).status).toBe(204);
  });
});

let n = 0;
/** A tracking trigger, then an HTTP call; `send` and `trigger` are merged into those nodes. */
function welcomeFlow(
  send: Record<string, unknown>,
  settings: Record<string, unknown> = {},
  trigger: Record<string, unknown> = {},
) {
  n += 1;
  return {
    name: `Welcome ${n}`,
    slug: `welcome-${n}`,
    nodes: [
      {
        id: 'start',
        type: 'trigger.tracking',
        name: 'Signed up',
        config: { type: 'track', events: [`Signed Up ${n}`, `Came Back ${n}`] },
        ...trigger,
      },
      {
        id: 'send',
        type: 'action.http',
        name: 'Welcome mail',
        config: { url: `${peer.url}/mail/{{ $event.payload.userId }}` },
        ...send,
      },
    ],
    edges: [{ id: 'e1', source: 'start', target: 'send' }],
    settings,
  };
}

describe('channel tags and quiet hours in flows', () => {
  /** The problems the API answers a flow with: on saving it, or else on publishing it. */
  async function refusal(def: unknown): Promise<Problem['problems']> {
    const created = await api.call('POST', '/api/v1/flows', def);
    if (created.status === 422) return ((await created.json()) as Problem).problems ?? [];
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };
    const refused = await api.call('POST', `/api/v1/flows/${id}/publish`);
    expect(refused.status).toBe(422);
    return ((await refused.json()) as Problem).problems ?? [];
  }

  test('onCap without a tag, a tag on a trigger and bad quiet hours are refused with 422 in plain words', async () => {
    expect(await refusal(welcomeFlow({ onCap: 'wait' }))).toContainEqual(
      expect.objectContaining({
        path: 'nodes[1].onCap',
        message: expect.stringContaining('set a channel tag'),
      }),
    );
    const onTrigger = welcomeFlow({ channel: 'email' }, {}, { channel: 'email' });
    expect(await refusal(onTrigger)).toContainEqual(
      expect.objectContaining({
        path: 'nodes[0].channel',
        message: expect.stringContaining('only action nodes'),
      }),
    );
    expect(
      await refusal(welcomeFlow({ channel: 'email' }, { quietHours: { start: '21:00', end: '21:00' } })),
    ).toContainEqual(
      expect.objectContaining({
        path: 'settings.quietHours.end',
        message: expect.stringContaining('differ'),
      }),
    );
    expect(
      await refusal(welcomeFlow({ channel: 'email' }, { quietHours: { start: '9pm', end: '08:00' } })),
    ).toContainEqual(
      expect.objectContaining({
        path: 'settings.quietHours.start',
        message: expect.stringContaining('HH:MM'),
      }),
    );
  });

  test('a welcome series fed by the Segment client: the run view says who got the mail and who was capped', async () => {
    const cap = await api.call('POST', '/api/v1/frequency-caps', {
      channel: 'email',
      limit: 1,
      periodMs: 86_400_000,
    });
    expect(cap.status).toBe(201);
    const flow = welcomeFlow({ channel: 'email' });
    const created = (await (await api.call('POST', '/api/v1/flows', flow)).json()) as { id: string };
    expect((await api.call('POST', `/api/v1/flows/${created.id}/publish`)).status).toBe(200);
    const analytics = new Analytics({ writeKey, host, flushAt: 1, maxRetries: 1 });
    analytics.track({ userId: 'wes', event: `Signed Up ${n}` });
    analytics.track({ userId: 'zoe', event: `Signed Up ${n}` });
    await analytics.closeAndFlush({ timeout: 10_000 });
    type RunList = { items: Array<{ id: string; status: string }> };
    const firstRuns = await waitFor(async () => {
      const list = (await (await api.call('GET', `/api/v1/runs?flowId=${created.id}`)).json()) as RunList;
      return list.items.length === 2 && list.items.every((r) => r.status === 'succeeded') ? list : undefined;
    });
    expect(firstRuns.items).toHaveLength(2);
    const again = new Analytics({ writeKey, host, flushAt: 1, maxRetries: 1 });
    again.track({ userId: 'wes', event: `Came Back ${n}` });
    await again.closeAndFlush({ timeout: 10_000 });
    const capped = await waitFor(async () => {
      const list = (await (
        await api.call('GET', `/api/v1/runs?flowId=${created.id}&person=wes`)
      ).json()) as RunList;
      const latest = list.items[0];
      return list.items.length === 2 && latest?.status === 'succeeded' ? latest : undefined;
    });
    const run = (await (await api.call('GET', `/api/v1/runs/${capped.id}`)).json()) as {
      steps: Array<{ nodeId: string; output: unknown; held?: Record<string, unknown> }>;
    };
    const send = run.steps.find((s) => s.nodeId === 'send');
    expect(send?.output).toEqual({ capped: [expect.objectContaining({ userId: 'wes' })] });
    expect(send?.held).toMatchObject({ rule: 'frequencyCap', outcome: 'capped', channel: 'email', limit: 1 });
    expect(peer.requests.map((r) => r.url).sort()).toEqual(['/mail/wes', '/mail/zoe']);
  });
});
