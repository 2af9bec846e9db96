// A webhook flow an earlier release stored with its secret inline, over a real HTTP server: after the start-up
// migration the flow holds only a credential id, callers with the old secret still get in, a second run is a
// no-op, and an export made before the migration can be saved over the flow.
import { createHmac } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { newId, schema } from '@tributary/db';
import { moveWebhookSecretsToCredentials } from '@tributary/engine';
import { openCredential } from '@tributary/engine/testing';
import { flowDefinitionSchema } from '@tributary/flow';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, expect, inject, test } from 'vitest';
import type { Flow } from '../routes/flows.js';
import { readJson, startTestApp, type TestApp } from '../test-app.js';
import { postChunks } from './test-post.js';

const SECRET = 'gh-legacy-secret-4e8f01';
let api: TestApp;
let server: ReturnType<typeof serve>;
let port = 0;
const flowId = newId();

/** A definition as every release stored it: its shape checked, defaults filled in. */
function definition(auth: unknown) {
  return flowDefinitionSchema.parse({
    name: 'Legacy GitHub',
    slug: 'legacy-github',
    description: '',
    nodes: [
      { id: 'hook', type: 'trigger.webhook', name: 'Hook', config: { path: 'legacy-github', auth } },
      { id: 'set', type: 'logic.set', name: 'Set', config: { fields: { seen: true } } },
    ],
    edges: [{ id: 'e1', source: 'hook', target: 'set' }],
  });
}

const oldAuth = { type: 'hmac', header: 'X-Hub-Signature-256', prefix: 'sha256=', secret: SECRET };

beforeAll(async () => {
  api = await startTestApp(inject('templateDatabase'));
  server = serve({ fetch: api.app.fetch, port: 0, hostname: '127.0.0.1' });
  await new Promise((resolve) => server.once('listening', resolve));
  port = (server.address() as AddressInfo).port;
  // the rows as an earlier release wrote them: draft, published version 1 and its route
  const db = api.t.engine.ctx.db;
  await db.insert(schema.flows).values({
    id: flowId,
    slug: 'legacy-github',
    name: 'Legacy GitHub',
    draft: definition(oldAuth),
    status: 'published',
    activeVersion: 1,
    latestVersion: 1,
  });
  await db
    .insert(schema.flowVersions)
    .values({ id: newId(), flowId, version: 1, definition: definition(oldAuth), createdBy: 'old release' });
  await db.insert(schema.triggers).values({
    id: newId(),
    flowId,
    version: 1,
    nodeId: 'hook',
    kind: 'webhook',
    key: 'legacy-github',
    method: 'POST',
  });
});

afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
  await api?.close();
});

const migrate = () => {
  const { db, keyring, logger } = api.t.engine.ctx;
  return moveWebhookSecretsToCredentials(db, keyring, logger);
};

async function flowRows() {
  const db = api.t.engine.ctx.db;
  const [flow] = await db.select().from(schema.flows).where(eq(schema.flows.id, flowId));
  const versions = await db.select().from(schema.flowVersions).where(eq(schema.flowVersions.flowId, flowId));
  return { flow, versions };
}

function authOf(draft: unknown): Record<string, unknown> {
  // the test wrote this flow: its webhook node comes first
  return (draft as { nodes: [{ config: { auth: Record<string, unknown> } }] }).nodes[0].config.auth;
}

function send(body: string, secret: string) {
  const signature = `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
  return postChunks({
    port,
    path: '/hooks/legacy-github',
    headers: [
      ['content-type', 'application/json'],
      ['x-hub-signature-256', signature],
    ],
    chunks: [body],
  });
}

test('the migration leaves only a credential id in the flow, and the old secret still opens the webhook', async () => {
  expect(await migrate()).toEqual({ flows: 1, versions: 1, credentials: 1, skipped: 0 });
  const { flow, versions } = await flowRows();
  expect(JSON.stringify({ flow, versions })).not.toContain(SECRET);
  const auth = authOf(flow?.draft);
  expect(auth).toEqual({
    type: 'hmac',
    credential: expect.any(String),
    header: 'X-Hub-Signature-256',
    prefix: 'sha256=',
  });
  const sealed = await openCredential(api.t.engine.ctx.db, api.t.engine.ctx.keyring, String(auth.credential));
  expect(sealed).toMatchObject({ type: 'webhook.hmac', data: { secret: SECRET } });

  expect((await send('{"n":1}', SECRET)).status).toBe(202);
  const before = await api.t.engine.ctx.db.$count(schema.events);
  expect((await send('{"n":2}', 'not-the-secret')).status).toBe(401);
  expect(await api.t.engine.ctx.db.$count(schema.events)).toBe(before);
});

test('a second run is a no-op', async () => {
  const before = await flowRows();
  expect(await migrate()).toEqual({ flows: 0, versions: 0, credentials: 0, skipped: 0 });
  expect(await flowRows()).toEqual(before);
});

test('an export made before the migration, secret masked, saves over the flow and keeps the credential', async () => {
  const { flow } = await flowRows();
  const reference = authOf(flow?.draft);
  const exported = definition({ ...oldAuth, secret: '********' });
  const put = await api.call('PUT', `/api/v1/flows/${flowId}`, {
    ...exported,
    name: 'Legacy GitHub, renamed',
  });
  expect(put.status).toBe(200);
  const saved = await readJson<Flow>(put);
  expect(authOf(saved.draft)).toEqual(reference);

  expect(saved.problems).toEqual([]);
  expect((await api.call('POST', `/api/v1/flows/${flowId}/publish`)).status).toBe(200);
  expect((await send('{"n":3}', SECRET)).status).toBe(202);
});
