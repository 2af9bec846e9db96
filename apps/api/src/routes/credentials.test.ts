// /api/v1/credentials in-process over real Postgres: answers never hold a value, the table holds no plaintext,
// updates keep what is left out or masked, deletes are refused while flows use a credential, bad input
// changes nothing, and /test asks the real service (a local peer speaking its API).
import { schema } from '@tributary/db';
import { createApiKey } from '@tributary/engine';
import { type HttpPeer, startHttpPeer, startHubSpotPeer } from '@tributary/nodes/testing';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { type Page, readJson, readProblem, startTestApp, type TestApp } from '../test-app.js';
import type { Credential, CredentialType } from './credentials.js';
import type { Flow } from './flows.js';

/** POST /credentials/{id}/test's answer. */
interface Verdict {
  ok: boolean;
  message: string;
}

const SLACK_TOKEN = 'xoxb-1111-2222-abcdefghijkl';
let api: TestApp;
let slack: HttpPeer;

beforeAll(async () => {
  api = await startTestApp(inject('templateDatabase'));
  // Slack's auth.test: 200 with ok:true for the known token, ok:false invalid_auth otherwise
  slack = await startHttpPeer({
    handler: (req, res) => {
      res.setHeader('content-type', 'application/json');
      const ok = req.url === '/api/auth.test' && req.headers.authorization === `Bearer ${SLACK_TOKEN}`;
      res.end(
        JSON.stringify(
          ok ? { ok: true, user: 'tributary', team: 'Acme' } : { ok: false, error: 'invalid_auth' },
        ),
      );
    },
  });
});

afterAll(async () => {
  await slack?.close();
  await api?.close();
});

async function create(body: unknown) {
  const res = await api.call('POST', '/api/v1/credentials', body);
  return { status: res.status, body: await readJson<Credential>(res) };
}

async function check(id: string): Promise<Verdict> {
  return readJson<Verdict>(await api.call('POST', `/api/v1/credentials/${id}/test`));
}

async function rowCount() {
  return api.t.engine.ctx.db.$count(schema.credentials);
}

describe('credentials', () => {
  test('POST answers 201 with the fields that are set, never their values, and the table holds only ciphertext', async () => {
    const { status, body } = await create({
      name: 'Slack bot',
      type: 'slack',
      data: { token: SLACK_TOKEN, baseUrl: `${slack.url}/api` },
    });
    expect(status).toBe(201);
    expect(body).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      name: 'Slack bot',
      type: 'slack',
      allowedHosts: [],
      fields: ['token', 'baseUrl'],
      usedBy: [],
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    });
    const [row] = await api.t.engine.ctx.db.select().from(schema.credentials);
    const raw = JSON.stringify(row);
    expect(raw).not.toContain(SLACK_TOKEN);
    expect(Buffer.from(row?.data ?? '', 'base64').toString('latin1')).not.toContain(SLACK_TOKEN);
    for (const path of ['/api/v1/credentials', `/api/v1/credentials/${body.id}`]) {
      expect(await (await api.call('GET', path)).text()).not.toContain(SLACK_TOKEN);
    }
  });

  test('/test asks the service: Slack auth.test answers who the token is', async () => {
    const { body } = await create({
      name: 'Slack ok',
      type: 'slack',
      data: { token: SLACK_TOKEN, baseUrl: `${slack.url}/api` },
    });
    const res = await api.call('POST', `/api/v1/credentials/${body.id}/test`);
    expect(await readJson<Verdict>(res)).toEqual({ ok: true, message: 'authenticated as tributary in Acme' });
    const bad = (
      await create({
        name: 'Slack bad',
        type: 'slack',
        data: { token: 'xoxb-wrong', baseUrl: `${slack.url}/api` },
      })
    ).body;
    expect(await check(bad.id)).toEqual({
      ok: false,
      message: 'Slack refused the token: invalid_auth',
    });
  });

  test('/test fetches an OAuth2 token; a type with nothing to ask says so', async () => {
    const tokens = await startHttpPeer({
      handler: (req, res) => {
        res.setHeader('content-type', 'application/json');
        const basic = Buffer.from(String(req.headers.authorization).slice(6), 'base64').toString();
        if (basic === 'app:app-secret') res.end(JSON.stringify({ access_token: 'at-1', expires_in: 600 }));
        else {
          res.statusCode = 401;
          res.end(JSON.stringify({ error: 'invalid_client', error_description: 'unknown client' }));
        }
      },
    });
    try {
      const data = { tokenUrl: `${tokens.url}/token`, clientId: 'app', clientSecret: 'app-secret' };
      const good = (await create({ name: 'OAuth ok', type: 'oauth2.client-credentials', data })).body;
      expect(await check(good.id)).toEqual({
        ok: true,
        message: 'got an access token valid for 600 s',
      });
      const bad = (
        await create({
          name: 'OAuth bad',
          type: 'oauth2.client-credentials',
          data: { ...data, clientSecret: 'nope-nope' },
        })
      ).body;
      const verdict = await check(bad.id);
      expect(verdict).toEqual({
        ok: false,
        message: expect.stringContaining(
          'refused the client credentials (401: invalid_client) (unknown client)',
        ),
      });
    } finally {
      await tokens.close();
    }
    const pd = (
      await create({
        name: 'PD',
        type: 'pagerduty',
        data: { routingKey: 'R0123456789abcdefABCDEF012345678' },
      })
    ).body;
    expect(await check(pd.id)).toEqual({
      ok: true,
      message:
        'PagerDuty integration key credentials have no connection check; the stored data is well-formed',
    });
  });

  test('/test reads a contact with a HubSpot token; a refused token says HubSpot refused it', async () => {
    const hubspot = await startHubSpotPeer({ token: 'pat-na1-good' });
    try {
      const good = (
        await create({
          name: 'HubSpot ok',
          type: 'hubspot',
          data: { accessToken: 'pat-na1-good', baseUrl: hubspot.url },
        })
      ).body;
      expect(await check(good.id)).toEqual({
        ok: true,
        message: 'the token can read contacts',
      });
      const bad = (
        await create({
          name: 'HubSpot bad',
          type: 'hubspot',
          data: { accessToken: 'pat-na1-bad', baseUrl: hubspot.url },
        })
      ).body;
      expect(await check(bad.id)).toEqual({
        ok: false,
        message: 'HubSpot refused the token: INVALID_AUTHENTICATION',
      });
    } finally {
      await hubspot.close();
    }
  });

  test('PUT keeps a field sent as the mask or left out, and changes what is sent', async () => {
    const { body } = await create({
      name: 'Slack edit',
      type: 'slack',
      data: { token: SLACK_TOKEN, baseUrl: 'http://127.0.0.1:1/api' },
    });
    const masked = await api.call('PUT', `/api/v1/credentials/${body.id}`, {
      name: 'Slack edited',
      data: { token: '********', baseUrl: `${slack.url}/api` },
    });
    expect(masked.status).toBe(200);
    expect(await readJson<Credential>(masked)).toMatchObject({
      name: 'Slack edited',
      fields: ['token', 'baseUrl'],
    });
    // the token kept its value: the check still authenticates
    expect((await check(body.id)).ok).toBe(true);
    await api.call('PUT', `/api/v1/credentials/${body.id}`, { allowedHosts: ['127.0.0.1'] });
    expect((await check(body.id)).ok).toBe(true);
    await api.call('PUT', `/api/v1/credentials/${body.id}`, { data: { token: 'xoxb-changed' } });
    expect(await check(body.id)).toEqual({
      ok: false,
      message: 'Slack refused the token: invalid_auth',
    });
  });

  test('allowedHosts binds the test too: another host gets no request', async () => {
    const { body } = await create({
      name: 'Slack bound',
      type: 'slack',
      data: { token: SLACK_TOKEN, baseUrl: `${slack.url}/api` },
      allowedHosts: ['slack.com'],
    });
    const before = slack.connections;
    const verdict = await check(body.id);
    expect(verdict.ok).toBe(false);
    expect(verdict.message).toMatch(/only be sent to slack\.com, not to 127\.0\.0\.1/);
    expect(slack.connections).toBe(before);
  });

  test('bad input is a 4xx problem that names the field, and nothing is stored', async () => {
    const before = await rowCount();
    const cases: Array<[unknown, number, string]> = [
      [{ name: 'x', type: 'no.such.type', data: {} }, 422, 'type'],
      [{ name: 'x', type: 'http.bearer', data: {} }, 422, 'data.token'],
      [{ name: 'x', type: 'http.bearer', data: { token: 'abc', extra: 1 } }, 422, 'data'],
      [{ name: 'x', type: 'http.bearer', data: { token: '********' } }, 422, 'data.token'],
      [{ name: 'x', type: 'pagerduty', data: { routingKey: 'short' } }, 422, 'data.routingKey'],
      [
        { name: 'x', type: 'http.bearer', data: { token: 'abcdef' }, allowedHosts: ['https://x.com/path'] },
        422,
        'allowedHosts[0]',
      ],
      [{ name: '', type: 'http.bearer', data: { token: 'abcdef' } }, 422, 'json.name'],
      [{ name: 'x', type: 'http.bearer', data: { token: 'abcdef' }, surprise: true }, 422, 'json'],
    ];
    for (const [input, status, path] of cases) {
      const res = await api.call('POST', '/api/v1/credentials', input);
      expect(res.status, JSON.stringify(input)).toBe(status);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
      const problem = await readProblem(res);
      expect(problem.problems?.map((p) => p.path).join(' '), JSON.stringify(input)).toContain(path);
    }
    expect(await rowCount()).toBe(before);
  });

  test('a name is unique (409); the type never changes (422); an unknown id is 404', async () => {
    await create({ name: 'Taken', type: 'http.bearer', data: { token: 'abcdef' } });
    const again = await api.call('POST', '/api/v1/credentials', {
      name: 'Taken',
      type: 'http.bearer',
      data: { token: 'ghijkl' },
    });
    expect(again.status).toBe(409);
    expect((await readProblem(again)).code).toBe('name_taken');
    const { body } = await create({ name: 'Fixed type', type: 'http.bearer', data: { token: 'abcdef' } });
    const changed = await api.call('PUT', `/api/v1/credentials/${body.id}`, { type: 'http.basic' });
    expect(changed.status).toBe(422);
    expect((await api.call('GET', '/api/v1/credentials/01937a4e-6f1a-7c3b-9a2e-1b2c3d4e5f60')).status).toBe(
      404,
    );
  });

  test('DELETE is refused with 409 naming the flows that use it, unless force=true', async () => {
    const { body } = await create({ name: 'In use', type: 'http.bearer', data: { token: 'abcdef' } });
    const flow = await api.call('POST', '/api/v1/flows', {
      name: 'Calls out',
      slug: 'calls-out',
      nodes: [
        { id: 'start', type: 'trigger.manual', name: 'Start', config: {} },
        {
          id: 'call',
          type: 'action.http',
          name: 'Call',
          config: { url: 'https://api.example.com/', credential: body.id },
        },
      ],
      edges: [{ id: 'e1', source: 'start', target: 'call' }],
    });
    expect(flow.status).toBe(201);
    expect(
      (await readJson<Credential>(await api.call('GET', `/api/v1/credentials/${body.id}`))).usedBy,
    ).toEqual([{ id: expect.any(String), slug: 'calls-out', name: 'Calls out' }]);
    const refused = await api.call('DELETE', `/api/v1/credentials/${body.id}`);
    expect(refused.status).toBe(409);
    const problem = await readProblem(refused);
    expect(problem).toMatchObject({ code: 'credential_in_use' });
    expect(problem.detail).toContain('calls-out');
    const flowId = (await readJson<Flow>(flow)).id;
    const draftProblems = async () =>
      (await readJson<Flow>(await api.call('GET', `/api/v1/flows/${flowId}`))).problems;
    expect(await draftProblems()).toEqual([]);
    expect((await api.call('DELETE', `/api/v1/credentials/${body.id}?force=true`)).status).toBe(204);
    expect((await api.call('GET', `/api/v1/credentials/${body.id}`)).status).toBe(404);
    // the draft now says what publish would refuse
    expect(await draftProblems()).toEqual([
      expect.objectContaining({
        path: 'nodes[1].config.credential',
        nodeId: 'call',
        code: 'credential_not_found',
      }),
    ]);
    const published = await api.call('POST', `/api/v1/flows/${flowId}/publish`);
    expect(published.status).toBe(422);
  });

  test('credential types come with the JSON Schema of their data, secrets marked writeOnly', async () => {
    const { items } = await readJson<Page<CredentialType>>(await api.call('GET', '/api/v1/credential-types'));
    const bearer = items.find((t) => t.type === 'http.bearer');
    expect(bearer).toMatchObject({ secretFields: ['token'], testable: false });
    const dataSchema = bearer?.dataSchema as
      | { properties: Record<string, { writeOnly?: boolean }> }
      | undefined;
    expect(dataSchema?.properties.token?.writeOnly).toBe(true);
    expect(items.find((t) => t.type === 'oauth2.client-credentials')?.testable).toBe(true);
  });

  test('a viewer may list credentials but not create, change, test or delete them', async () => {
    const viewer = await createApiKey(api.t.engine.ctx.db, 'viewer', 'viewer', 'test');
    const headers = { authorization: `Bearer ${viewer.key}` };
    expect((await api.call('GET', '/api/v1/credentials', undefined, headers)).status).toBe(200);
    const res = await api.call(
      'POST',
      '/api/v1/credentials',
      { name: 'v', type: 'http.bearer', data: { token: 'abcdef' } },
      headers,
    );
    expect(res.status).toBe(403);
  });
});
