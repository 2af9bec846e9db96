// `tributary deploy` run as a process against a real server on loopback: idempotent upserts by slug,
// dry runs, drafts, pruning, validation and credential problems that change nothing, and exit codes.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { notifier, signups, simple, writeFlows } from './flows.js';
import { cleanUpConfig, cli, type Server, startServer } from './harness.js';

let server: Server;

interface StoredFlow {
  id: string;
  slug: string;
  status: string;
  activeVersion: number | null;
  latestVersion: number;
  draft: { name: string; nodes: Array<{ id: string; config: Record<string, unknown> }> };
}

async function flows(): Promise<StoredFlow[]> {
  const answer = await server.api.call('GET', '/api/v1/flows');
  const body = (await answer.json()) as { items: StoredFlow[] };
  return body.items;
}

async function flow(slug: string): Promise<StoredFlow | undefined> {
  return (await flows()).find((f) => f.slug === slug);
}

beforeAll(async () => {
  server = await startServer(inject('templateDatabase'));
});

afterAll(async () => {
  await server?.close();
  cleanUpConfig();
});

describe('deploy', () => {
  test('creates and publishes, then a second deploy of the same files changes nothing', async () => {
    const dir = writeFlows({
      'signups.json': signups('deploy-twice'),
      'simple.yaml':
        'name: Simple A\nslug: simple-a\nnodes:\n  - { id: start, type: trigger.manual, name: Start }\n  - id: set\n    type: logic.set\n    name: Set\n    config: { fields: { ok: true } }\nedges:\n  - { id: e1, source: start, target: set }\n',
    });
    const first = await cli(['deploy', dir], { server });
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/\+ new-signups \(.*signups\.json\): created and published, live version 1/);
    expect(first.stdout).toMatch(/\+ simple-a \(.*simple\.yaml\): created and published, live version 1/);
    expect(first.stdout).toContain('Deployed: 2 flows, 2 created.');
    expect(await flow('new-signups')).toMatchObject({
      status: 'published',
      activeVersion: 1,
      latestVersion: 1,
    });

    const second = await cli(['deploy', dir], { server });
    expect(second.code).toBe(0);
    expect(second.stdout).toMatch(/= new-signups .*: unchanged, live version 1/);
    expect(second.stdout).toContain('Nothing to change: 2 flows already as in the files.');
    expect(await flow('new-signups')).toMatchObject({ activeVersion: 1, latestVersion: 1 });
    expect(await flow('simple-a')).toMatchObject({ activeVersion: 1, latestVersion: 1 });
  });

  test('--dry-run lists the nodes, edges and config fields that would change, and changes nothing', async () => {
    const dir = writeFlows({ 'signups.json': signups('dry-run') });
    expect((await cli(['deploy', dir], { server })).code).toBe(0);
    const before = await flow('new-signups');

    const edited = signups('dry-run');
    edited.name = 'Signups';
    const tag = edited.nodes[1];
    if (!tag) throw new Error('the example has a tag node');
    tag.config = { fields: { tier: 'gold', source: 'web' } };
    edited.nodes = edited.nodes.filter((n) => n.id !== 'pro');
    edited.nodes.push({
      id: 'mark',
      type: 'logic.set',
      name: 'Mark',
      config: { fields: { marked: true } },
      position: { x: 480, y: 120 },
    });
    edited.edges = [
      { id: 'e1', source: 'hook', target: 'tag' },
      { id: 'e3', source: 'tag', target: 'mark' },
    ];
    writeFileSync(join(dir, 'signups.json'), JSON.stringify(edited));
    const dry = await cli(['deploy', '--dry-run', dir], { server });
    expect(dry.code).toBe(0);
    const lines = dry.stdout.split('\n').map((l) => l.trim());
    expect(lines).toContain(`~ name: "New signups" → "Signups"`);
    expect(lines).toContain('+ node mark "Mark" (logic.set)');
    expect(lines).toContain('- node pro "Is gold" (logic.if)');
    expect(lines).toContain('~ node tag "Tag" (logic.set)');
    expect(lines).toContain(
      `~ config.fields.tier: "{{ $json.body.plan = 'pro' ? 'gold' : 'basic' }}" → "gold"`,
    );
    expect(lines).toContain('+ config.fields.source = "web"');
    expect(lines).toContain('+ edge e3: tag.main → mark.main');
    expect(lines).toContain('- edge e2: tag.main → pro.main');
    expect(dry.stdout).toMatch(/~ new-signups .*: would update and publish/);
    expect(dry.stdout).toContain('Dry run, nothing changed: 1 flow, 1 updated.');
    expect(await flow('new-signups')).toEqual(before);
  });

  test('--draft saves the draft without publishing; a later deploy publishes it', async () => {
    const dir = writeFlows({ 'b.json': simple('simple-b') });
    expect((await cli(['deploy', dir, '--draft'], { server })).stdout).toContain('created as a draft');
    expect(await flow('simple-b')).toMatchObject({ status: 'draft', activeVersion: null, latestVersion: 0 });
    const again = await cli(['deploy', dir], { server });
    expect(again.stdout).toMatch(
      /simple-b .*: published \(the flow has never been published\)|simple-b .*: published, live version 1/,
    );
    expect(await flow('simple-b')).toMatchObject({ status: 'published', activeVersion: 1 });
    expect((await cli(['deploy', dir], { server })).stdout).toContain('Nothing to change');
  });

  test('--prune deactivates published flows not in the files, and needs --yes off a terminal', async () => {
    const dir = writeFlows({ 'c.json': simple('simple-c'), 'd.json': simple('simple-d') });
    expect((await cli(['deploy', dir], { server })).code).toBe(0);
    const only = writeFlows({ 'c.json': simple('simple-c') });

    const refused = await cli(['deploy', only, '--prune'], { server });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('add --yes');
    expect(await flow('simple-d')).toMatchObject({ status: 'published' });

    const dry = await cli(['deploy', only, '--prune', '--dry-run'], { server });
    expect(dry.code).toBe(0);
    expect(dry.stdout).toMatch(/- simple-d: would deactivate \(not in the files\)/);
    expect(await flow('simple-d')).toMatchObject({ status: 'published' });

    const pruned = await cli(['deploy', only, '--prune', '--yes', '--json'], { server });
    expect(pruned.code).toBe(0);
    const result = JSON.parse(pruned.stdout);
    expect(result.pruned.map((f: { slug: string }) => f.slug)).toContain('simple-d');
    expect(result.pruned.map((f: { slug: string }) => f.slug)).not.toContain('simple-c');
    expect(await flow('simple-d')).toMatchObject({ status: 'inactive', activeVersion: null });
    expect(await flow('simple-c')).toMatchObject({ status: 'published' });

    // deploying an inactive flow's unchanged file makes its last version live again, without a new version
    const back = await cli(['deploy', join(dir, 'd.json')], { server });
    expect(back.stdout).toContain('version 1 made live again');
    expect(await flow('simple-d')).toMatchObject({ status: 'published', activeVersion: 1, latestVersion: 1 });
  });

  test('an invalid file fails with exit 1, naming the file and the JSON path, and nothing changes', async () => {
    const bad = simple('simple-bad');
    const set = bad.nodes[1];
    if (!set) throw new Error('the example has a set node');
    set.config = { fields: 'not an object' };
    bad.edges.push({ id: 'e2', source: 'set', target: 'nowhere' });
    const dir = writeFlows({ 'good.json': simple('simple-good'), 'bad.json': bad });
    const answer = await cli(['deploy', dir], { server });
    expect(answer.code).toBe(1);
    expect(answer.stderr).toMatch(/bad\.json: nodes\[1\]\.config\.fields: /);
    expect(answer.stderr).toMatch(/bad\.json: edges\[1\]\.target: .*nowhere/);
    expect(answer.stderr).toContain('nothing was changed');
    expect(await flow('simple-good')).toBeUndefined();
    expect(await flow('simple-bad')).toBeUndefined();

    const json = await cli(['deploy', dir, '--json'], { server });
    expect(json.code).toBe(1);
    const { error } = JSON.parse(json.stdout);
    expect(error.problems).toContainEqual(
      expect.objectContaining({ file: expect.stringMatching(/bad\.json$/), path: 'nodes[1].config.fields' }),
    );
  });

  test('a flow the API refuses on save fails with exit 1, naming the file, the path and the reason', async () => {
    const doc = simple('simple-refused');
    // a partition key of blanks passes the flow schema (what the CLI checks) but not the API's save check
    doc.settings = { partitionKey: '   ' };
    const dir = writeFlows({ 'refused.json': doc });
    const answer = await cli(['deploy', dir], { server });
    expect(answer.code).toBe(1);
    expect(answer.stderr).toMatch(/error: .*refused\.json: creating "simple-refused" was refused \(422\): /);
    expect(answer.stderr).toMatch(/refused\.json: settings\.partitionKey: the key is empty/);
    expect(await flow('simple-refused')).toBeUndefined();
  });

  test('a file that is not JSON names the file and where', async () => {
    const dir = writeFlows({ 'broken.json': '{\n  "name": "x",\n  nodes: []\n}\n' });
    const answer = await cli(['deploy', dir], { server });
    expect(answer.code).toBe(1);
    expect(answer.stderr).toMatch(/broken\.json: not valid JSON: .*line 3/);
  });

  test('credentials by name are resolved to ids; a name missing on the instance changes nothing', async () => {
    const created = await server.api.call('POST', '/api/v1/credentials', {
      name: 'crm-prod',
      type: 'http.bearer',
      data: { token: 'secret-token-value' },
    });
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };

    const missing = writeFlows({
      'notifier.json': notifier('crm-staging'),
      'other.json': simple('simple-other'),
    });
    const refused = await cli(['deploy', missing], { server });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(
      /notifier\.json: nodes\[1\]\.config\.credential: no credential named "crm-staging"/,
    );
    expect(await flow('notifier')).toBeUndefined();
    expect(await flow('simple-other')).toBeUndefined();

    const dir = writeFlows({ 'notifier.json': notifier('crm-prod') });
    const deployed = await cli(['deploy', dir], { server });
    expect(deployed.code).toBe(0);
    const stored = await flow('notifier');
    expect(stored?.draft.nodes[1]?.config.credential).toBe(id);
    expect(stored).toMatchObject({ status: 'published' });
    expect((await cli(['deploy', dir], { server })).stdout).toContain('Nothing to change');
  });

  test('--json prints one document describing each flow', async () => {
    const dir = writeFlows({ 'e.json': simple('simple-e') });
    const first = await cli(['--json', 'deploy', dir], { server });
    expect(first.code).toBe(0);
    expect(first.stderr).toBe('');
    const doc = JSON.parse(first.stdout);
    expect(doc).toMatchObject({ dryRun: false, draft: false, changed: true, pruned: [] });
    expect(doc.flows).toEqual([
      expect.objectContaining({ slug: 'simple-e', action: 'create', publish: true, version: 1 }),
    ]);
    expect(doc.flows[0].changes.nodesAdded.map((n: { id: string }) => n.id)).toEqual(['start', 'set']);
    const second = JSON.parse((await cli(['deploy', dir, '--json'], { server })).stdout);
    expect(second).toMatchObject({
      changed: false,
      flows: [expect.objectContaining({ action: 'unchanged', version: 1 })],
    });
  });
});

describe('usage errors exit with 2', () => {
  test.each([
    ['no paths', ['deploy']],
    ['an unknown option', ['deploy', '.', '--bogus']],
    ['an unknown command', ['depoly']],
    ['a path that does not exist', ['deploy', 'no/such/folder']],
    ['a limit out of range', ['runs', 'list', '--limit', '0']],
    ['redrive with neither ids nor --all', ['dlq', 'redrive']],
    ['an unknown profile', ['runs', 'list', '--profile', 'nowhere']],
  ])('%s', async (_what, args) => {
    const answer = await cli(args, { server });
    expect(answer.code).toBe(2);
    expect(answer.stderr).not.toBe('');
  });

  test('no API key', async () => {
    const answer = await cli(['runs', 'list'], { env: { TRIBUTARY_URL: server.url } });
    expect(answer.code).toBe(2);
    expect(answer.stderr).toContain('no API key');
  });

  test('a wrong API key is an API error (1) with a readable message', async () => {
    const answer = await cli(['runs', 'list', '--key', 'trb_wrong_key_1234567890'], { server });
    expect(answer.code).toBe(1);
    expect(answer.stderr).toMatch(/error \(401\): the API key is not valid \(check --key/);
  });
});
