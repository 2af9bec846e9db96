// tributary backfill against a real server on loopback (its backfill job running): webhook events replayed into
// the flow with a filter, followed with --wait to the end; refused requests exit 1 with the API's problem and
// start nothing; a time that is not one exits 2.
import { afterAll, beforeAll, expect, inject, test } from 'vitest';
import { writeFlows } from './flows.js';
import { cleanUpConfig, cli, type Server, startServer } from './harness.js';

let server: Server;

beforeAll(async () => {
  server = await startServer(inject('templateDatabase'));
  server.api.t.engine.startBackfills(50);
  const dir = writeFlows({
    'signups.json': {
      name: 'Signups',
      slug: 'signups',
      nodes: [
        { id: 'hook', type: 'trigger.webhook', name: 'Signup', config: { path: 'cli-signups' } },
        { id: 'set', type: 'logic.set', name: 'Plan', config: { fields: { plan: '{{ $json.body.plan }}' } } },
      ],
      edges: [{ id: 'e1', source: 'hook', target: 'set' }],
    },
  });
  expect((await cli(['deploy', dir], { server })).code).toBe(0);
});

afterAll(async () => {
  await server?.close();
  cleanUpConfig();
});

async function send(plan: string): Promise<string> {
  const res = await server.api.app.request('/hooks/cli-signups', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ plan }),
  });
  expect(res.status).toBe(202);
  return ((await res.json()) as { eventId: string }).eventId;
}

async function backfillCount(): Promise<number> {
  const flows = await server.api.call('GET', '/api/v1/flows');
  const [flow] = ((await flows.json()) as { items: Array<{ id: string }> }).items;
  const res = await server.api.call('GET', `/api/v1/flows/${flow?.id}/backfills`);
  return ((await res.json()) as { items: unknown[] }).items.length;
}

test('replays the filtered events of the range and follows it to the end with --wait', {
  timeout: 60_000,
}, async () => {
  const from = new Date().toISOString();
  const pro = [await send('pro'), await send('pro')];
  await send('free');
  const answer = await cli(
    ['backfill', 'signups', '--from', from, '--filter', '{{ $json.body.plan = "pro" }}', '--wait', '--json'],
    { server },
  );
  expect(answer.stderr).toBe('');
  expect(answer.code).toBe(0);
  const done = JSON.parse(answer.stdout) as Record<string, unknown> & { id: string };
  expect(done).toMatchObject({ status: 'done', total: 3, scanned: 3, started: 2, skipped: 1, succeeded: 2 });
  const runs = await server.api.call('GET', `/api/v1/runs?backfill=${done.id}`);
  const items = ((await runs.json()) as { items: Array<{ eventId: string }> }).items;
  expect(items.map((r) => r.eventId).sort()).toEqual([...pro].sort());

  const names = await cli(['backfill', 'signups', '--from', from, '--name', 'Order Completed'], { server });
  expect(names.code).toBe(1);
  expect(names.stderr).toContain('filter.names');
});

test('a refused request exits 1 naming the problem and starts nothing; a bad time exits 2', async () => {
  const before = await backfillCount();
  const future = new Date(Date.now() + 3_600_000).toISOString();
  const late = await cli(['backfill', 'signups', '--from', new Date().toISOString(), '--to', future], {
    server,
  });
  expect(late.code).toBe(1);
  expect(late.stderr).toContain('must not be in the future');
  const unknown = await cli(['backfill', 'nobody', '--from', '2026-01-01T00:00:00Z'], { server });
  expect(unknown.code).toBe(1);
  expect(unknown.stderr).toContain('no flow with the slug "nobody"');
  const version = await cli(
    ['backfill', 'signups', '--from', '2026-01-01T00:00:00Z', '--flow-version', '5'],
    {
      server,
    },
  );
  expect(version.code).toBe(1);
  expect(version.stderr).toContain('no published version 5');
  const badTime = await cli(['backfill', 'signups', '--from', 'last tuesday'], { server });
  expect(badTime.code).toBe(2);
  expect(badTime.stderr).toContain('--from "last tuesday" is not a time');
  expect(await backfillCount()).toBe(before);
});
