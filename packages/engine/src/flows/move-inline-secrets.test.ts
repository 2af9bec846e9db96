// The start-up migration on real Postgres, from rows an earlier release wrote (secrets inline in drafts and
// versions): every secret ends up sealed in a credential and nowhere else, a second run changes nothing, and an
// export made before it can still be saved over the flow.
import { newId, schema } from '@tributary/db';
import { flowDefinitionSchema, ValidationError } from '@tributary/flow';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { createCredential, openCredential } from '../credentials/index.js';
import { captureLog, startTestEngine, type TestEngine } from '../testing/index.js';
import { publishFlow, updateDraft } from './definitions.js';
import { moveWebhookSecretsToCredentials } from './move-inline-secrets.js';

const TOKEN = 'legacy-token-5d1c9e';
const HMAC_SECRET = 'legacy-hmac-secret-77a0';
const PASSWORD = 'legacy:pass-3b2';
const SECRETS = [TOKEN, HMAC_SECRET, PASSWORD];

const log = captureLog('info');
let t: TestEngine;
const ids: Record<string, string> = {};

/** A definition as every release stored it: its shape checked, defaults filled in. */
function definition(slug: string, auth: unknown) {
  return flowDefinitionSchema.parse({
    name: slug,
    slug,
    description: '',
    nodes: [
      { id: 'hook', type: 'trigger.webhook', name: 'Hook', config: { path: slug, auth } },
      { id: 'set', type: 'logic.set', name: 'Set', config: { fields: { seen: true } } },
    ],
    edges: [{ id: 'e1', source: 'hook', target: 'set' }],
  });
}

/** A flow as an earlier release stored it: raw rows, draft and versions. */
async function legacyFlow(slug: string, draftAuth: unknown, versionAuths: unknown[] = []) {
  const db = t.engine.ctx.db;
  const id = newId();
  ids[slug] = id;
  await db.insert(schema.flows).values({
    id,
    slug,
    name: slug,
    draft: definition(slug, draftAuth),
    status: versionAuths.length > 0 ? 'published' : 'draft',
    activeVersion: versionAuths.length > 0 ? versionAuths.length : null,
    latestVersion: versionAuths.length,
  });
  for (const [index, auth] of versionAuths.entries()) {
    await db.insert(schema.flowVersions).values({
      id: newId(),
      flowId: id,
      version: index + 1,
      definition: definition(slug, auth),
      createdBy: 'an earlier release',
    });
  }
}

async function stored() {
  const db = t.engine.ctx.db;
  const [flows, versions] = await Promise.all([
    db.select().from(schema.flows).orderBy(schema.flows.slug),
    db.select().from(schema.flowVersions).orderBy(schema.flowVersions.id),
  ]);
  return { flows, versions };
}

function authOf(def: unknown): Record<string, unknown> {
  // the test wrote these definitions: one webhook node first
  return (def as { nodes: [{ config: { auth: Record<string, unknown> } }] }).nodes[0].config.auth;
}

const migrate = () =>
  moveWebhookSecretsToCredentials(t.engine.ctx.db, t.engine.ctx.keyring, t.engine.ctx.logger);

beforeAll(async () => {
  t = await startTestEngine(inject('templateDatabase'), {
    worker: false,
    logger: log.logger,
  });
  const header = { type: 'header', name: 'X-Token', value: TOKEN };
  const hmac = { type: 'hmac', secret: HMAC_SECRET, header: 'X-Hub-Signature-256', prefix: 'sha256=' };
  await legacyFlow('legacy-orders', header, [header, hmac]);
  await legacyFlow('legacy-basic', { type: 'basic', username: 'shop', password: PASSWORD });
  await legacyFlow('legacy-copy', { type: 'header', name: 'X-Token', value: TOKEN });
  await legacyFlow('legacy-masked', { type: 'header', name: 'x-token', value: '********' });
  await legacyFlow('no-auth', { type: 'none' }, [{ type: 'none' }]);
  // a name the migration would choose is taken already
  await createCredential(
    t.engine.ctx.db,
    t.engine.ctx.keyring,
    { name: 'legacy-orders · webhook.header', type: 'webhook.header', data: { name: 'x-a', value: 'other' } },
    'test',
  );
});

afterAll(async () => {
  await t?.close();
});

describe('moving inline webhook secrets into credentials', () => {
  test('seals each distinct secret once, rewrites drafts and versions, and leaves no secret in them', async () => {
    expect(await migrate()).toEqual({ flows: 3, versions: 2, credentials: 3, skipped: 1 });
    const { flows, versions } = await stored();
    const text = JSON.stringify({ flows, versions });
    for (const secret of SECRETS) expect(text).not.toContain(secret);

    const bySlug = new Map(flows.map((f) => [f.slug, f]));
    const orders = authOf(bySlug.get('legacy-orders')?.draft);
    expect(orders).toEqual({ type: 'header', credential: expect.any(String) });
    const [v1, v2] = versions
      .filter((v) => v.flowId === ids['legacy-orders'])
      .sort((a, b) => a.version - b.version);
    expect(authOf(v1?.definition)).toEqual(orders);
    const hmac = authOf(v2?.definition);
    expect(hmac).toEqual({
      type: 'hmac',
      credential: expect.any(String),
      header: 'X-Hub-Signature-256',
      prefix: 'sha256=',
    });
    // the same token in another flow is the same secret: one credential
    expect(authOf(bySlug.get('legacy-copy')?.draft)).toEqual(orders);
    const basic = authOf(bySlug.get('legacy-basic')?.draft);

    const open = (id: unknown) => openCredential(t.engine.ctx.db, t.engine.ctx.keyring, String(id));
    expect(await open(orders.credential)).toMatchObject({
      name: 'legacy-orders · webhook.header (2)',
      type: 'webhook.header',
      data: { name: 'X-Token', value: TOKEN },
    });
    expect(await open(hmac.credential)).toMatchObject({
      name: 'legacy-orders · webhook.hmac',
      data: { secret: HMAC_SECRET },
    });
    expect(await open(basic.credential)).toMatchObject({
      name: 'legacy-basic · webhook.basic',
      data: { username: 'shop', password: PASSWORD },
    });
    // no plaintext in the credentials table either
    const sealed = JSON.stringify(await t.engine.ctx.db.select().from(schema.credentials));
    for (const secret of SECRETS) expect(sealed).not.toContain(secret);

    // a masked value is not a secret to move: left for the user, with a warning naming the flow
    expect(authOf(bySlug.get('legacy-masked')?.draft)).toEqual({
      type: 'header',
      name: 'x-token',
      value: '********',
    });
    const lines = log.records();
    expect(lines).toContainEqual(
      expect.objectContaining({ level: 40, flow: 'legacy-masked', nodeId: 'hook' }),
    );
    expect(lines).toContainEqual(
      expect.objectContaining({ level: 30, flows: 3, versions: 2, credentials: 3, skipped: 1 }),
    );
    for (const secret of SECRETS) expect(log.lines.join('')).not.toContain(secret);
  });

  test('a second run changes nothing', async () => {
    const before = await stored();
    const credentials = await t.engine.ctx.db.$count(schema.credentials);
    expect(await migrate()).toEqual({ flows: 0, versions: 0, credentials: 0, skipped: 1 });
    expect(await stored()).toEqual(before);
    expect(await t.engine.ctx.db.$count(schema.credentials)).toBe(credentials);
  });

  test('the migrated flow publishes: its references are sound', async () => {
    const id = ids['legacy-orders'] ?? '';
    expect(await publishFlow(t.engine.ctx.db, id, 'test')).toEqual({ version: 3 });
  });
});

describe('an export made before the migration, saved over the flow', () => {
  const db = () => t.engine.ctx.db;

  test('with its secret masked takes the credential the stored node refers to', async () => {
    const id = ids['legacy-orders'] ?? '';
    const [row] = await db().select().from(schema.flows).where(eq(schema.flows.id, id));
    const reference = authOf(row?.draft).credential;
    const exported = definition('legacy-orders', { type: 'header', name: 'X-Token', value: '********' });
    const saved = await updateDraft(db(), id, { ...exported, name: 'Renamed from an old export' }, 'test');
    expect(saved.name).toBe('Renamed from an old export');
    expect(authOf(saved.draft)).toEqual({ type: 'header', credential: reference });
    expect(saved.problems).toEqual([]);
  });

  test('with a secret typed in, or masked for another kind of credential, is refused on the auth', async () => {
    const id = ids['legacy-orders'] ?? '';
    for (const auth of [
      { type: 'header', name: 'X-Token', value: 'a-new-token-typed-in' },
      { type: 'basic', username: 'shop', password: '********' },
    ]) {
      const error = await updateDraft(db(), id, definition('legacy-orders', auth), 'test').catch(
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).problems).toEqual([
        expect.objectContaining({
          path: 'nodes[0].config.auth',
          code: 'inline_secret',
          message: expect.stringContaining(`create a webhook.${auth.type} credential`),
        }),
      ]);
    }
  });
});
