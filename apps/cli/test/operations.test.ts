// The CLI's day-to-day commands against a real server on loopback: events send, runs list/show/replay,
// dlq list/show/redrive (one, and --all --flow), credentials list, profiles, --json and colour.
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { waitFor } from '@tributary/api/testing';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { type FlowDoc, writeFlows } from './flows.js';
import { cleanUpConfig, cli, configFolder, type Server, startServer } from './harness.js';

let server: Server;
let peer: HttpServer;
let peerStatus = 400;
const received: unknown[] = [];

function opsFlow(peerUrl: string): FlowDoc {
  return {
    name: 'Orders to the shop',
    slug: 'ops',
    nodes: [
      { id: 'hook', type: 'trigger.webhook', name: 'Order', config: { path: 'ops-orders' } },
      {
        id: 'call',
        type: 'action.http',
        name: 'Call shop',
        config: { method: 'POST', url: `${peerUrl}/orders`, body: '{{ $json.body }}' },
      },
    ],
    edges: [{ id: 'e1', source: 'hook', target: 'call' }],
  };
}

interface Letter {
  id: string;
  runId: string;
  status: string;
}

async function pendingLetters(): Promise<Letter[]> {
  const answer = await server.api.call('GET', '/api/v1/dead-letters?status=pending');
  return ((await answer.json()) as { items: Letter[] }).items;
}

async function runStatus(id: string): Promise<string> {
  const answer = await server.api.call('GET', `/api/v1/runs/${id}`);
  return ((await answer.json()) as { status: string }).status;
}

/** Sends an order through the CLI and returns the run it started. */
async function sendOrder(key: string): Promise<string> {
  const body = join(writeFlows({}), 'order.json');
  writeFileSync(body, JSON.stringify({ orderId: key, total: 42 }));
  const answer = await cli(
    ['events', 'send', 'ops-orders', '--data', `@${body}`, '--idempotency-key', key, '--json'],
    {
      server,
    },
  );
  expect(answer.code).toBe(0);
  const doc = JSON.parse(answer.stdout) as { status: number; body: { runs: Array<{ id: string }> } };
  expect(doc.status).toBe(202);
  const run = doc.body.runs[0];
  if (!run) throw new Error('the event started no run');
  return run.id;
}

beforeAll(async () => {
  server = await startServer(inject('templateDatabase'));
  peer = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => {
      body += chunk;
    });
    req.on('end', () => {
      received.push(JSON.parse(body || 'null'));
      res.writeHead(peerStatus, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ ok: peerStatus < 400 }));
    });
  });
  await new Promise<void>((resolve) => peer.listen(0, '127.0.0.1', resolve));
  // a server listening on a TCP port has an AddressInfo address
  const { port } = peer.address() as AddressInfo;
  const dir = writeFlows({ 'ops.json': opsFlow(`http://127.0.0.1:${port}`) });
  const deployed = await cli(['deploy', dir], { server });
  expect(deployed.code).toBe(0);
});

afterAll(async () => {
  await new Promise((resolve) => peer?.close(resolve));
  await server?.close();
  cleanUpConfig();
});

describe('events, runs and dead letters', () => {
  test('a failed order is listed, shown and redriven; the run then succeeds', async () => {
    peerStatus = 400;
    const runId = await sendOrder('order-1');
    const [letter] = await waitFor(
      async () => {
        const letters = await pendingLetters();
        return letters.length > 0 ? letters : undefined;
      },
      { what: 'a dead letter' },
    );
    if (!letter) throw new Error('no dead letter');
    expect(letter.runId).toBe(runId);

    const list = await cli(['dlq', 'list'], { server });
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/DEAD LETTER\s+FLOW\s+NODE\s+STATUS/);
    expect(list.stdout).toMatch(new RegExp(`${letter.id}\\s+ops v1\\s+call\\s+pending`));
    const listed = JSON.parse((await cli(['dlq', 'list', '--json', '--flow', 'ops'], { server })).stdout);
    expect(listed.items.map((d: Letter) => d.id)).toEqual([letter.id]);

    const shown = await cli(['dlq', 'show', letter.id], { server });
    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain('"orderId": "order-1"');
    expect(shown.stdout).toMatch(/error\s+http_4xx: POST \S+ answered 400/);

    const runs = JSON.parse((await cli(['runs', 'list', '--flow', 'ops', '--json'], { server })).stdout);
    expect(runs.items).toContainEqual(expect.objectContaining({ id: runId, status: 'failed' }));
    const run = await cli(['runs', 'show', runId], { server });
    expect(run.stdout).toMatch(/status\s+failed/);
    expect(run.stdout).toMatch(/Call shop\s+action\.http\s+dead/);

    peerStatus = 200;
    const redriven = await cli(['dlq', 'redrive', letter.id], { server });
    expect(redriven.code).toBe(0);
    expect(redriven.stdout).toContain('Redrove 1 of 1 dead letters.');
    await waitFor(async () => (await runStatus(runId)) === 'succeeded', { what: 'the redriven run' });
  });

  test('dlq redrive --all --flow redrives every pending dead letter of the flow', async () => {
    peerStatus = 400;
    const runs = [await sendOrder('order-2'), await sendOrder('order-3')];
    await waitFor(async () => (await pendingLetters()).filter((d) => runs.includes(d.runId)).length === 2, {
      what: 'two dead letters',
    });
    expect((await cli(['dlq', 'redrive', '--flow', 'ops'], { server })).code).toBe(2);
    peerStatus = 200;
    const answer = await cli(['dlq', 'redrive', '--all', '--flow', 'ops', '--json'], { server });
    expect(answer.code).toBe(0);
    expect(JSON.parse(answer.stdout)).toMatchObject({ redriven: 2, failed: 0 });
    for (const id of runs)
      await waitFor(async () => (await runStatus(id)) === 'succeeded', { what: `run ${id}` });
    const none = await cli(['dlq', 'redrive', '--all'], { server });
    expect(none.code).toBe(0);
    expect(none.stdout).toContain('No pending dead letters.');
  });

  test('runs replay starts a new run from the same event', async () => {
    peerStatus = 200;
    const runId = await sendOrder('order-4');
    await waitFor(async () => (await runStatus(runId)) === 'succeeded', { what: 'the first run' });
    const answer = await cli(['runs', 'replay', runId, '--json'], { server });
    expect(answer.code).toBe(0);
    const replay = JSON.parse(answer.stdout) as { id: string; replayOf: string };
    expect(replay.replayOf).toBe(runId);
    await waitFor(async () => (await runStatus(replay.id)) === 'succeeded', { what: 'the replay' });
    const list = await cli(['runs', 'list', '--status', 'succeeded'], { server });
    expect(list.stdout).toContain(replay.id);
  });

  test('events send names the problem when the API refuses, and the same key twice is one event', async () => {
    const unknown = await cli(['events', 'send', 'no-such-hook', '--data', '{}'], { server });
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/error \(404\): /);
    const first = await cli(
      ['events', 'send', 'ops-orders', '--data', '{"a":1}', '--idempotency-key', 'same'],
      {
        server,
      },
    );
    const second = await cli(
      ['events', 'send', 'ops-orders', '--data', '{"a":1}', '--idempotency-key', 'same'],
      {
        server,
      },
    );
    expect(first.stdout).toMatch(/^Accepted \(202\): event \S+\n {2}run \S+/);
    expect(second.stdout).toContain('duplicate');
    expect((await cli(['events', 'send', 'ops-orders', '--data', '{oops'], { server })).code).toBe(2);
  });
});

describe('credentials, profiles and output', () => {
  test('credentials list shows names and types, never secrets', async () => {
    const created = await server.api.call('POST', '/api/v1/credentials', {
      name: 'shop-token',
      type: 'http.bearer',
      data: { token: 'very-secret-shop-token' },
    });
    expect(created.status).toBe(201);
    const table = await cli(['credentials', 'list'], { server });
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/shop-token\s+http\.bearer\s+token/);
    const json = await cli(['credentials', 'list', '--json'], { server });
    expect(JSON.parse(json.stdout).items).toContainEqual(expect.objectContaining({ name: 'shop-token' }));
    expect(table.stdout + json.stdout).not.toContain('very-secret-shop-token');
  });

  test('a default profile in the config folder gives the URL and key; its file is private', async () => {
    const set = await cli([
      'profiles',
      'set',
      'local',
      '--url',
      server.url,
      '--key',
      server.key,
      '--default',
    ]);
    expect(set.code).toBe(0);
    const file = join(configFolder(), 'tributary', 'config.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ defaultProfile: 'local' });
    const viaProfile = await cli(['credentials', 'list', '--json']);
    expect(viaProfile.code).toBe(0);
    const listed = await cli(['profiles', 'list', '--json']);
    expect(listed.stdout).not.toContain(server.key);
    expect(JSON.parse(listed.stdout).profiles).toEqual([
      { name: 'local', url: server.url, key: `${server.key.slice(0, 8)}…`, default: true },
    ]);
    // flags win over the profile
    const flagged = await cli(['credentials', 'list', '--key', 'trb_not_the_key_0000000000']);
    expect(flagged.code).toBe(1);
    expect((await cli(['profiles', 'remove', 'local'])).code).toBe(0);
    expect((await cli(['credentials', 'list'])).code).toBe(2);
  });

  test('colour only when asked for on a pipe, and never with NO_COLOR', async () => {
    const ESC = '\u001b[';
    const plain = await cli(['runs', 'list'], { server });
    expect(plain.stdout).not.toContain(ESC);
    const forced = await cli(['runs', 'list'], { server, env: { FORCE_COLOR: '1' } });
    expect(forced.stdout).toContain(ESC);
    const none = await cli(['runs', 'list'], { server, env: { FORCE_COLOR: '1', NO_COLOR: '1' } });
    expect(none.stdout).not.toContain(ESC);
  });
});
