// Credentials in runs, on real Postgres, Redis and a local HTTP peer: the step decrypts and sends them, and
// nothing of a secret is stored or logged even when the peer echoes it; allowedHosts stops a request before
// it connects; publish refuses references it cannot honour; OAuth2 tokens are cached and renewed on 401.

import { randomBytes } from 'node:crypto';
import { schema } from '@tributary/db';
import { ValidationError } from '@tributary/flow';
import { type HttpPeer, startHttpPeer } from '@tributary/nodes/testing';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { Keyring, KeyringError } from '../core/index.js';
import { createFlow, publishFlow } from '../flows/index.js';
import {
  captureLog,
  deployFlow,
  finishedRun,
  fireEvent,
  manualFlow,
  runIdOf,
  startTestEngine,
  TEST_ENCRYPTION_KEY,
  type TestEngine,
} from '../testing/index.js';
import { rotateCredentials } from './rotation.js';
import { createCredential, openCredential } from './store.js';

const TOKEN = 'tok_live_9f8e7d6c5b4a39281706';
const log = captureLog('debug');
let t: TestEngine;
let peer: HttpPeer;

beforeAll(async () => {
  t = await startTestEngine(inject('templateDatabase'), { logger: log.logger });
  // echoes what it received, Authorization included, and fails on /fail with the token in its error body
  peer = await startHttpPeer({
    handler: (req, res) => {
      res.statusCode = req.url.startsWith('/fail') ? 400 : 200;
      res.setHeader('content-type', 'application/json');
      res.setHeader('x-echo', String(req.headers.authorization ?? ''));
      res.end(JSON.stringify({ youSent: req.headers.authorization, body: req.body.toString('utf8') }));
    },
  });
});

afterAll(async () => {
  await peer?.close();
  await t?.close();
});

function bearer(name: string, allowedHosts?: string[]) {
  return createCredential(
    t.engine.ctx.db,
    t.engine.ctx.keyring,
    { name, type: 'http.bearer', data: { token: TOKEN }, ...(allowedHosts ? { allowedHosts } : {}) },
    'test',
  );
}

function httpFlow(credential: string, path: string) {
  return manualFlow(
    [
      {
        id: 'call',
        type: 'action.http',
        name: 'Call',
        config: { method: 'POST', url: `${peer.url}${path}`, credential, body: { hello: 'world' } },
        retry: { attempts: 1 },
      },
    ],
    [{ id: 'e1', source: 'trigger', target: 'call' }],
  );
}

/** Every stored row of the tables a run writes, as text, to search for secrets. */
async function everythingStored(): Promise<string> {
  const db = t.engine.ctx.db;
  const tables = [
    schema.runs,
    schema.steps,
    schema.events,
    schema.deadLetters,
    schema.auditLog,
    schema.flows,
  ];
  const parts = await Promise.all(tables.map((table) => db.select().from(table)));
  return JSON.stringify(parts);
}

describe('a step with a credential', () => {
  test('sends the secret, and neither its output, its history nor the logs hold it when the peer echoes it', async () => {
    const credential = await bearer('echoing api');
    const deployed = await deployFlow(t.engine, httpFlow(credential.id, '/ok'));
    const run = await finishedRun(t.engine, runIdOf(await fireEvent(t.engine, deployed, { n: 1 })));
    expect(run.status).toBe('succeeded');
    expect(peer.requests.at(-1)?.headers.authorization).toBe(`Bearer ${TOKEN}`);
    const output = run.steps.find((s) => s.nodeId === 'call')?.output as {
      main: [{ body: { youSent: string } }];
    };
    expect(output.main[0].body.youSent).toBe('Bearer ********');
    expect(await everythingStored()).not.toContain(TOKEN);
    expect(log.lines.join('')).not.toContain(TOKEN);
  });

  test('a failing call whose error body echoes the secret leaves no trace of it in the error or the dead letter', async () => {
    const credential = await bearer('failing api');
    const deployed = await deployFlow(t.engine, httpFlow(credential.id, '/fail'));
    const run = await finishedRun(t.engine, runIdOf(await fireEvent(t.engine, deployed, { n: 2 })));
    expect(run.status).toBe('failed');
    const step = run.steps.find((s) => s.nodeId === 'call');
    const message = (step?.error as { message?: string } | null | undefined)?.message;
    expect(message).toContain('answered 400');
    expect(message).toContain('********');
    const deadLetters = await t.engine.ctx.db.select().from(schema.deadLetters);
    expect(deadLetters.length).toBeGreaterThan(0);
    const stored = await everythingStored();
    expect(stored).not.toContain(TOKEN);
    expect(log.lines.join('')).not.toContain(TOKEN);
  });

  test('allowedHosts: a host outside them fails the step before any connection is made', async () => {
    const credential = await bearer('bound to example.com', ['api.example.com']);
    const before = peer.connections;
    const deployed = await deployFlow(t.engine, httpFlow(credential.id, '/ok'));
    const run = await finishedRun(t.engine, runIdOf(await fireEvent(t.engine, deployed, { n: 3 })));
    expect(run.status).toBe('failed');
    const step = run.steps.find((s) => s.nodeId === 'call');
    expect(step?.error).toMatchObject({ code: 'host_not_allowed', retryable: false });
    expect(peer.connections).toBe(before);
  });

  test('a credential deleted after publish fails the step with credential_not_found', async () => {
    const credential = await bearer('soon gone');
    const deployed = await deployFlow(t.engine, httpFlow(credential.id, '/ok'));
    await t.engine.ctx.db.delete(schema.credentials);
    const run = await finishedRun(t.engine, runIdOf(await fireEvent(t.engine, deployed, { n: 4 })));
    expect(run.steps.find((s) => s.nodeId === 'call')?.error).toMatchObject({ code: 'credential_not_found' });
  });
});

describe('publish', () => {
  async function publishProblems(credential: string) {
    const flow = await createFlow(t.engine.ctx.db, httpFlow(credential, '/ok'), 'test');
    try {
      await publishFlow(t.engine.ctx.db, flow.id, 'test');
    } catch (err) {
      if (err instanceof ValidationError) return err.problems;
      throw err;
    }
    throw new Error('publish succeeded');
  }

  test('refuses a credential that does not exist, on the node and field', async () => {
    const problems = await publishProblems('01937a4e-6f1a-7c3b-9a2e-1b2c3d4e5f60');
    expect(problems).toEqual([
      expect.objectContaining({
        path: 'nodes[1].config.credential',
        nodeId: 'call',
        code: 'credential_not_found',
      }),
    ]);
  });

  test('refuses a credential of a type the node does not accept', async () => {
    const slack = await createCredential(
      t.engine.ctx.db,
      t.engine.ctx.keyring,
      { name: 'a slack token', type: 'slack', data: { token: 'xoxb-not-for-http' } },
      'test',
    );
    const problems = await publishProblems(slack.id);
    expect(problems).toEqual([
      expect.objectContaining({
        path: 'nodes[1].config.credential',
        code: 'wrong_credential_type',
        message: expect.stringContaining('http.bearer'),
      }),
    ]);
  });
});

describe('OAuth2 client credentials', () => {
  test('fetches a token once, reuses it, and on a 401 fetches a new one and tries once more', async () => {
    let issued = 0;
    const revoked = new Set<string>();
    const oauth = await startHttpPeer({
      handler: (req, res) => {
        res.setHeader('content-type', 'application/json');
        if (req.url === '/token') {
          const basic = Buffer.from(String(req.headers.authorization).slice(6), 'base64').toString();
          if (
            basic !== 'client-1:s3cret-client' ||
            !req.body.toString().includes('grant_type=client_credentials')
          ) {
            res.statusCode = 401;
            res.end(JSON.stringify({ error: 'invalid_client' }));
            return;
          }
          issued += 1;
          res.end(
            JSON.stringify({ access_token: `at-${issued}-xyz`, expires_in: 3600, token_type: 'Bearer' }),
          );
          return;
        }
        const token = String(req.headers.authorization).replace('Bearer ', '');
        if (revoked.has(token) || !token.startsWith('at-')) {
          res.statusCode = 401;
          res.end(JSON.stringify({ error: 'invalid_token', got: token }));
          return;
        }
        res.end(JSON.stringify({ ok: true, token }));
      },
    });
    try {
      const credential = await createCredential(
        t.engine.ctx.db,
        t.engine.ctx.keyring,
        {
          name: 'oauth api',
          type: 'oauth2.client-credentials',
          data: { tokenUrl: `${oauth.url}/token`, clientId: 'client-1', clientSecret: 's3cret-client' },
        },
        'test',
      );
      const flow = manualFlow(
        [
          {
            id: 'call',
            type: 'action.http',
            name: 'Call',
            config: { url: `${oauth.url}/api`, credential: credential.id },
            retry: { attempts: 1 },
          },
        ],
        [{ id: 'e1', source: 'trigger', target: 'call' }],
      );
      const deployed = await deployFlow(t.engine, flow);
      const first = await finishedRun(t.engine, runIdOf(await fireEvent(t.engine, deployed, { n: 1 })));
      const second = await finishedRun(t.engine, runIdOf(await fireEvent(t.engine, deployed, { n: 2 })));
      expect([first.status, second.status]).toEqual(['succeeded', 'succeeded']);
      expect(issued).toBe(1);
      revoked.add('at-1-xyz');
      const third = await finishedRun(t.engine, runIdOf(await fireEvent(t.engine, deployed, { n: 3 })));
      expect(third.status).toBe('succeeded');
      expect(issued).toBe(2);
      const output = third.steps.find((s) => s.nodeId === 'call')?.output as {
        main: [{ body: { token: string } }];
      };
      // the access token is a secret of the step too
      expect(output.main[0].body.token).toBe('********');
      const stored = await everythingStored();
      expect(stored).not.toContain('at-2-xyz');
      expect(stored).not.toContain('s3cret-client');
    } finally {
      await oauth.close();
    }
  });
});

describe('key rotation', () => {
  // last in the file: it re-seals every row of this database under a key the engine does not hold
  test('re-seals every row under the current key; afterwards the old key is not needed, and alone it opens nothing', async () => {
    const db = t.engine.ctx.db;
    const oldKey = randomBytes(32);
    const newKey = randomBytes(32);
    const oldRing = new Keyring(oldKey);
    const old = await createCredential(
      db,
      oldRing,
      { name: 'sealed long ago', type: 'http.bearer', data: { token: TOKEN } },
      'test',
    );
    const rotating = new Keyring(newKey, [oldKey, TEST_ENCRYPTION_KEY]);
    const total = await db.$count(schema.credentials);
    expect(await rotateCredentials(db, rotating)).toEqual({ rotated: total, total });
    const rows = await db.select().from(schema.credentials);
    expect(new Set(rows.map((r) => r.keyId))).toEqual(new Set([rotating.currentId]));
    expect((await openCredential(db, new Keyring(newKey), old.id)).data).toEqual({ token: TOKEN });
    await expect(openCredential(db, oldRing, old.id)).rejects.toThrow(KeyringError);
    // nothing left to do: a second pass re-seals nothing
    expect(await rotateCredentials(db, rotating)).toEqual({ rotated: 0, total });
  });

  test('a row whose key is unknown stops the rotation with a clear error, and nothing is half-done', async () => {
    const db = t.engine.ctx.db;
    const stranger = new Keyring(randomBytes(32));
    await createCredential(
      db,
      stranger,
      { name: 'sealed elsewhere', type: 'http.bearer', data: { token: TOKEN } },
      'test',
    );
    const ring = new Keyring(randomBytes(32));
    const before = await db.select().from(schema.credentials);
    await expect(rotateCredentials(db, ring)).rejects.toThrow(
      /cannot be opened.*TRIBUTARY_ENCRYPTION_KEY_PREVIOUS/s,
    );
    expect(await db.select().from(schema.credentials)).toEqual(before);
  });
});
