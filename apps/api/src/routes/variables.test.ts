// /api/v1/variables in-process over real Postgres and Redis: variables are created, changed and listed with
// the flows that read them; steps read `$vars.NAME` as it is when they run; publish refuses a flow that reads
// a variable the instance lacks or reads `$vars` where no step evaluates it; deleting a variable in use is
// refused unless forced; bad input changes nothing; only owners change variables; every change is audited.
import { schema } from '@tributary/db';
import { createApiKey } from '@tributary/engine';
import { waitFor } from '@tributary/engine/testing';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { startTestApp, type TestApp } from '../test-app.js';

let api: TestApp;

beforeAll(async () => {
  api = await startTestApp(inject('templateDatabase'));
});

afterAll(async () => {
  await api?.close();
});

type Problems = { code: string; problems?: Array<{ path: string; code?: string; message: string }> };

async function put(name: string, body: unknown, headers?: Record<string, string>) {
  const res = await api.call('PUT', `/api/v1/variables/${name}`, body, headers);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> & Problems };
}

async function variableCount() {
  return api.t.engine.ctx.db.$count(schema.variables);
}

let n = 0;
function greetingFlow(setFields: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  n += 1;
  return {
    name: `Greeting ${n}`,
    slug: `greeting-${n}`,
    nodes: [
      { id: 'hook', type: 'trigger.webhook', name: 'Hook', config: { path: `greeting-${n}` } },
      { id: 'set', type: 'logic.set', name: 'Greet', config: { fields: setFields } },
    ],
    edges: [{ id: 'e1', source: 'hook', target: 'set' }],
    ...extra,
  };
}

async function createFlow(def: unknown): Promise<string> {
  const res = await api.call('POST', '/api/v1/flows', def);
  expect(res.status).toBe(201);
  return ((await res.json()) as { id: string }).id;
}

async function fireAndRead(slug: string, body: unknown): Promise<Record<string, unknown>> {
  const res = await api.app.request(`/hooks/${slug}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(res.status).toBe(202);
  const runId = ((await res.json()) as { runs: Array<{ id: string }> }).runs[0]?.id;
  const run = await waitFor(
    async () => {
      const r = await api.call('GET', `/api/v1/runs/${runId}`);
      const view = (await r.json()) as { status: string; steps: Array<{ nodeId: string; output: unknown }> };
      return view.status === 'succeeded' || view.status === 'failed' ? view : undefined;
    },
    { what: 'the run to end' },
  );
  expect(run.status).toBe('succeeded');
  const output = run.steps.find((s) => s.nodeId === 'set')?.output as Record<string, unknown[]>;
  return Object.values(output)[0]?.[0] as Record<string, unknown>;
}

describe('variables', () => {
  test('PUT creates (201) then changes (200); GET lists them by name; each change is in the audit log', async () => {
    const created = await put('REGION', { value: 'eu-west', description: 'where we deploy' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      name: 'REGION',
      value: 'eu-west',
      description: 'where we deploy',
      usedBy: [],
      updatedBy: expect.stringMatching(/^api_key:/),
    });
    const changed = await put('REGION', { value: 'us-east' });
    expect(changed.status).toBe(200);
    // a description left out is kept
    expect(changed.body).toMatchObject({ value: 'us-east', description: 'where we deploy' });
    const one = await api.call('GET', '/api/v1/variables/REGION');
    expect(one.status).toBe(200);
    expect(await one.json()).toMatchObject({ name: 'REGION', value: 'us-east' });
    await put('ALPHA', { value: '' });
    const list = (await (await api.call('GET', '/api/v1/variables')).json()) as {
      items: Array<{ name: string }>;
    };
    const names = list.items.map((v) => v.name);
    expect(names.indexOf('ALPHA')).toBeLessThan(names.indexOf('REGION'));
    const audit = (await (await api.call('GET', '/api/v1/audit?target=REGION')).json()) as {
      items: Array<{ action: string; details: unknown }>;
    };
    expect(audit.items.map((e) => e.action).sort()).toEqual(['variable.create', 'variable.update']);
    expect(audit.items.find((e) => e.action === 'variable.update')?.details).toEqual({
      value: { from: 'eu-west', to: 'us-east' },
    });
    // the same value again is no change and writes no audit entry
    await put('REGION', { value: 'us-east' });
    const again = (await (await api.call('GET', '/api/v1/audit?target=REGION')).json()) as {
      items: unknown[];
    };
    expect(again.items).toHaveLength(2);
  });

  test.each([
    ['a name that starts with a digit', '1ST', { value: 'x' }, 'name'],
    ['a name with a dash', 'MY-VAR', { value: 'x' }, 'name'],
    ['a name of 65 characters', 'A'.repeat(65), { value: 'x' }, 'name'],
    ['a value that is not text', 'NUMERIC', { value: 5 }, 'json.value'],
    ['a value over 10,000 characters', 'HUGE', { value: 'x'.repeat(10_001) }, 'json.value'],
    ['no value', 'EMPTY', {}, 'json.value'],
    ['a field nobody knows', 'EXTRA', { value: 'x', secret: true }, 'json'],
  ])('%s is refused with a 422 naming it, and nothing is saved', async (_, name, body, path) => {
    const before = await variableCount();
    const { status, body: problem } = await put(name, body);
    expect(status).toBe(422);
    expect(problem.problems?.some((p) => p.path === path || p.path.startsWith(`${path}.`))).toBe(true);
    expect(await variableCount()).toBe(before);
  });

  test('GET of a variable there is not answers 404', async () => {
    const res = await api.call('GET', '/api/v1/variables/NOPE');
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
  });

  test('a step reads $vars as they are when it runs; publish refuses a flow reading a variable that is missing', async () => {
    const def = greetingFlow({
      greeting: '{{ $vars.GREETING & ", " & $json.body.name }}',
      dynamic: '{{ $lookup($vars, "SIGN_OFF") }}',
    });
    const id = await createFlow(def);
    // the draft says what is missing before publish refuses it
    const draft = (await (await api.call('GET', `/api/v1/flows/${id}`)).json()) as Problems;
    expect(draft.problems).toContainEqual(
      expect.objectContaining({ path: 'nodes[1].config.fields.greeting', code: 'variable_not_found' }),
    );
    const refused = await api.call('POST', `/api/v1/flows/${id}/publish`);
    expect(refused.status).toBe(422);
    const problem = (await refused.json()) as Problems;
    expect(problem.problems).toEqual([
      {
        path: 'nodes[1].config.fields.greeting',
        nodeId: 'set',
        code: 'variable_not_found',
        message: expect.stringContaining('$vars.GREETING'),
      },
    ]);
    expect(((await (await api.call('GET', `/api/v1/flows/${id}`)).json()) as { status: string }).status).toBe(
      'draft',
    );

    await put('GREETING', { value: 'Hello' });
    await put('SIGN_OFF', { value: 'Bye' });
    expect((await api.call('POST', `/api/v1/flows/${id}/publish`)).status).toBe(200);
    expect(await fireAndRead(def.slug, { name: 'Ann' })).toMatchObject({
      greeting: 'Hello, Ann',
      dynamic: 'Bye',
    });
    // a change counts from the next step on, with no new version of the flow
    await put('GREETING', { value: 'Hi' });
    expect(await fireAndRead(def.slug, { name: 'Bob' })).toMatchObject({ greeting: 'Hi, Bob' });
    const used = (await (await api.call('GET', '/api/v1/variables/GREETING')).json()) as {
      usedBy: Array<{ id: string; slug: string }>;
    };
    expect(used.usedBy).toEqual([expect.objectContaining({ id, slug: def.slug })]);
  });

  test('deleting a variable that flows read is refused (409, naming them) unless forced', async () => {
    await put('CHANNEL', { value: '#alerts' });
    const def = greetingFlow({ channel: '{{ $vars.CHANNEL }}' });
    const id = await createFlow(def);
    expect((await api.call('POST', `/api/v1/flows/${id}/publish`)).status).toBe(200);
    const refused = await api.call('DELETE', '/api/v1/variables/CHANNEL');
    expect(refused.status).toBe(409);
    const problem = (await refused.json()) as { code: string; detail: string };
    expect(problem.code).toBe('variable_in_use');
    expect(problem.detail).toContain(def.slug);
    expect((await api.call('GET', '/api/v1/variables/CHANNEL')).status).toBe(200);
    expect((await api.call('DELETE', '/api/v1/variables/CHANNEL?force=true')).status).toBe(204);
    expect((await api.call('GET', '/api/v1/variables/CHANNEL')).status).toBe(404);
    // the flow now shows what is missing; its published version reads nothing there (set writes null)
    const flow = (await (await api.call('GET', `/api/v1/flows/${id}`)).json()) as Problems;
    expect(flow.problems?.map((p) => p.code)).toContain('variable_not_found');
    expect(await fireAndRead(def.slug, {})).toMatchObject({ channel: null });
  });

  test('$vars where no step evaluates it (a trigger, the flow settings) is refused at publish', async () => {
    await put('ANY', { value: 'x' });
    const inSettings = await createFlow(
      greetingFlow({ a: 1 }, { settings: { partitionKey: '{{ $vars.ANY }}' } }),
    );
    const res = await api.call('POST', `/api/v1/flows/${inSettings}/publish`);
    expect(res.status).toBe(422);
    expect(((await res.json()) as Problems).problems).toContainEqual(
      expect.objectContaining({ path: 'settings', code: 'variable_not_readable' }),
    );
    const tracking = {
      name: 'Tracked',
      slug: 'tracked-vars',
      nodes: [
        {
          id: 'track',
          type: 'trigger.tracking',
          name: 'Track',
          config: { type: 'track', condition: '{{ $json.properties.total > $number($vars.ANY) }}' },
        },
        { id: 'set', type: 'logic.set', name: 'S', config: { fields: { a: 1 } } },
      ],
      edges: [{ id: 'e1', source: 'track', target: 'set' }],
    };
    const trackingId = await createFlow(tracking);
    const refused = await api.call('POST', `/api/v1/flows/${trackingId}/publish`);
    expect(refused.status).toBe(422);
    expect(((await refused.json()) as Problems).problems).toContainEqual(
      expect.objectContaining({ path: 'nodes[0].config', nodeId: 'track', code: 'variable_not_readable' }),
    );
  });

  test('every signed-in key may read variables; only owners (the admin scope) change them', async () => {
    await put('SHARED', { value: 'v1' });
    for (const role of ['editor', 'viewer'] as const) {
      const { key } = await createApiKey(api.t.engine.ctx.db, `${role} key`, role, 'test');
      const headers = { authorization: `Bearer ${key}` };
      const read = await api.call('GET', '/api/v1/variables/SHARED', undefined, headers);
      expect(read.status).toBe(200);
      const write = await api.call('PUT', '/api/v1/variables/SHARED', { value: 'v2' }, headers);
      expect(write.status).toBe(403);
      expect(((await write.json()) as { detail: string }).detail).toContain('admin');
      expect((await api.call('DELETE', '/api/v1/variables/SHARED', undefined, headers)).status).toBe(403);
    }
    expect(
      ((await (await api.call('GET', '/api/v1/variables/SHARED')).json()) as { value: string }).value,
    ).toBe('v1');
  });
});
