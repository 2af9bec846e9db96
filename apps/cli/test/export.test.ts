// `tributary export` against real servers: canonical files (sorted keys, rounded positions, credentials by
// name, no instance ids, secrets masked) that round-trip byte for byte, across two instances too.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { notifier, signups, simple, writeFlows } from './flows.js';
import { cleanUpConfig, cli, type Server, startServer } from './harness.js';

let a: Server;
let b: Server;
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;
const SLACK_URL = 'https://hooks.slack.com/services/T000/B000/super-secret-path';

async function credential(server: Server, name: string): Promise<string> {
  const answer = await server.api.call('POST', '/api/v1/credentials', {
    name,
    type: 'http.bearer',
    data: { token: `token-of-${name}` },
  });
  expect(answer.status).toBe(201);
  return ((await answer.json()) as { id: string }).id;
}

/** Creates and publishes a flow through the API as the editor would (fractional positions, ids). */
async function drawn(server: Server, definition: unknown): Promise<void> {
  const created = await server.api.call('POST', '/api/v1/flows', definition);
  expect(created.status).toBe(201);
  const { id } = (await created.json()) as { id: string };
  expect((await server.api.call('POST', `/api/v1/flows/${id}/publish`)).status).toBe(200);
}

function files(dir: string): Record<string, string> {
  return Object.fromEntries(readdirSync(dir).map((name) => [name, readFileSync(join(dir, name), 'utf8')]));
}

beforeAll(async () => {
  [a, b] = await Promise.all([
    startServer(inject('templateDatabase')),
    startServer(inject('templateDatabase')),
  ]);
  const idOnA = await credential(a, 'crm-prod');
  await credential(b, 'other-credential');
  await credential(b, 'crm-prod');
  const flow = signups('export-hook');
  flow.nodes.forEach((node, i) => {
    node.position = { x: 100.4 + i * 200.25, y: -0.3 };
  });
  await drawn(a, flow);
  const withCredential = notifier('crm-prod');
  const call = withCredential.nodes[1];
  if (call) call.config.credential = idOnA;
  await drawn(a, withCredential);
  await drawn(a, simple('simple-export'));
});

afterAll(async () => {
  await Promise.all([a?.close(), b?.close()]);
  cleanUpConfig();
});

describe('export', () => {
  test('writes canonical files: sorted keys, rounded positions, credentials by name, no instance ids', async () => {
    const out = writeFlows({});
    const answer = await cli(['export', '--out', out], { server: a });
    expect(answer.code).toBe(0);
    expect(answer.stdout).toContain('Exported 3 flows');
    const written = files(out);
    expect(Object.keys(written).sort()).toEqual(['new-signups.json', 'notifier.json', 'simple-export.json']);
    for (const text of Object.values(written)) expect(text).not.toMatch(UUID);
    const signupsFile = written['new-signups.json'] ?? '';
    const parsed = JSON.parse(signupsFile);
    expect(Object.keys(parsed)).toEqual(['description', 'edges', 'name', 'nodes', 'settings', 'slug']);
    expect(parsed.nodes.map((n: { position: unknown }) => n.position)).toEqual([
      { x: 100, y: 0 },
      { x: 301, y: 0 },
      { x: 501, y: 0 },
    ]);
    expect(signupsFile).toBe(`${JSON.stringify(parsed, null, 2)}\n`);
    expect(JSON.parse(written['notifier.json'] ?? '').nodes[1].config.credential).toEqual({
      name: 'crm-prod',
    });
  });

  test('export → deploy → export is byte-identical, on the same instance and on another one', async () => {
    const first = writeFlows({});
    expect((await cli(['export', '--out', first], { server: a })).code).toBe(0);

    const same = await cli(['deploy', first], { server: a });
    expect(same.code).toBe(0);
    expect(same.stdout).toContain('Nothing to change');
    const again = writeFlows({});
    expect((await cli(['export', '--out', again], { server: a })).code).toBe(0);
    expect(files(again)).toEqual(files(first));

    // another instance binds the credential name to its own id
    const other = await cli(['deploy', first], { server: b });
    expect(other.code).toBe(0);
    expect(other.stdout).toContain('3 created');
    const fromB = writeFlows({});
    expect((await cli(['export', '--out', fromB], { server: b })).code).toBe(0);
    expect(files(fromB)).toEqual(files(first));

    // exporting into the same folder again rewrites nothing
    const repeat = await cli(['export', '--out', fromB, '--json'], { server: b });
    const doc = JSON.parse(repeat.stdout);
    expect(doc.flows.map((f: { status: string }) => f.status)).toEqual([
      'unchanged',
      'unchanged',
      'unchanged',
    ]);
  });

  test('secrets are written masked, never in the clear; the mask deploys back only where the secret is kept', async () => {
    await drawn(a, {
      name: 'Alert',
      slug: 'alert',
      nodes: [
        { id: 'start', type: 'trigger.manual', name: 'Start', config: {} },
        {
          id: 'slack',
          type: 'action.slack',
          name: 'Slack',
          config: { mode: 'webhook', webhookUrl: SLACK_URL, text: 'hi' },
        },
      ],
      edges: [{ id: 'e1', source: 'start', target: 'slack' }],
    });
    const out = writeFlows({});
    const answer = await cli(['export', '--slug', 'alert', '--out', out], { server: a });
    expect(answer.code).toBe(0);
    expect(answer.stderr).toContain('nodes[1].config.webhookUrl is a secret, written as "********"');
    const text = readFileSync(join(out, 'alert.json'), 'utf8');
    expect(text).not.toContain('super-secret-path');
    expect(JSON.parse(text).nodes[1].config.webhookUrl).toBe('********');

    const back = await cli(['deploy', out], { server: a });
    expect(back.code).toBe(0);
    expect(back.stdout).toContain('Nothing to change');

    const elsewhere = await cli(['deploy', out], { server: b });
    expect(elsewhere.code).toBe(1);
    expect(elsewhere.stderr).toMatch(/alert\.json: nodes\[1\]\.config\.webhookUrl: this secret was masked/);
    const flows = (await (await b.api.call('GET', '/api/v1/flows')).json()) as {
      items: Array<{ slug: string }>;
    };
    expect(flows.items.map((f) => f.slug)).not.toContain('alert');
  });

  test('--slug picks flows; an unknown slug is an error', async () => {
    const out = writeFlows({});
    const one = await cli(['export', '--slug', 'simple-export', '--out', out], { server: a });
    expect(one.code).toBe(0);
    expect(Object.keys(files(out))).toEqual(['simple-export.json']);
    const unknown = await cli(['export', '--slug', 'nope', '--out', out], { server: a });
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('no flow with the slug "nope"');
  });
});
