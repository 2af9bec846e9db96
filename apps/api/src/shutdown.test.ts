// Graceful shutdown of the real process (`main.ts all`) on real Postgres and Redis: on SIGTERM it stops
// taking requests, lets the step it is running finish and commit, and exits 0 within TRIBUTARY_SHUTDOWN_MS;
// readiness says no as soon as closing begins.
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import { join } from 'node:path';
import { schema } from '@tributary/db';
import { createTestDatabase, type TestDatabase, testDbKind } from '@tributary/db/testing';
import { waitFor } from '@tributary/engine/testing';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { startTestApp } from './test-app.js';
import { spawnMain } from './test-services.js';

test('readiness says no once the engine starts closing', async () => {
  const api = await startTestApp(inject('templateDatabase'));
  expect((await api.app.request('/readyz')).status).toBe(200);
  const closing = api.close();
  const answer = await api.app.request('/readyz');
  expect(answer.status).toBe(503);
  expect(await answer.json()).toEqual({ status: 'shutting down' });
  await closing;
});

// PGlite is in-process: a second process cannot open the test's database
describe.skipIf(testDbKind() === 'pglite')('SIGTERM', () => {
  let database: TestDatabase;
  let slow: Server;
  let calls = 0;
  let child: ChildProcess | undefined;
  const dataDir = mkdtempSync(join(os.tmpdir(), 'tributary-shutdown-'));

  beforeAll(async () => {
    database = await createTestDatabase(inject('templateDatabase'));
    // answers after 1.5 s: the step is in flight when the signal comes
    slow = createServer((_req, res) => {
      calls++;
      setTimeout(() => res.end('{"ok":true}'), 1_500);
    });
    await new Promise<void>((resolve) => slow.listen(0, '127.0.0.1', resolve));
  });

  afterAll(async () => {
    child?.kill('SIGKILL');
    await new Promise((resolve) => slow?.close(resolve));
    await database?.dispose();
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('the running step finishes and commits, then the process exits 0', { timeout: 60_000 }, async () => {
    const key = `trb_shutdown_${randomBytes(12).toString('hex')}`;
    const { proc, exited, stderr, base } = await spawnMain('all', {
      DATABASE_URL: database.url ?? '',
      TRIBUTARY_QUEUE_PREFIX: `shutdown-${randomBytes(4).toString('hex')}`,
      TRIBUTARY_API_KEY: key,
      TRIBUTARY_DATA_DIR: dataDir,
      TRIBUTARY_HTTP_ALLOW: '127.0.0.1',
      TRIBUTARY_SHUTDOWN_MS: '20000',
    });
    child = proc;
    await waitFor(async () => (await fetch(`${base}/readyz`)).status === 200, { timeoutMs: 30_000 });
    const auth = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
    const created = await fetch(`${base}/api/v1/flows`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({
        name: 'Slow call',
        slug: 'slow-call',
        nodes: [
          { id: 'hook', type: 'trigger.webhook', name: 'Hook', config: { path: 'slow' } },
          {
            id: 'call',
            type: 'action.http',
            name: 'Call',
            config: { url: `http://127.0.0.1:${(slow.address() as AddressInfo).port}/x` },
          },
        ],
        edges: [{ id: 'e1', source: 'hook', target: 'call' }],
      }),
    });
    const flow = (await created.json()) as { id: string };
    expect(
      (await fetch(`${base}/api/v1/flows/${flow.id}/publish`, { method: 'POST', headers: auth })).status,
    ).toBe(200);
    const accepted = (await (
      await fetch(`${base}/hooks/slow`, { method: 'POST', headers: auth, body: '{"n":1}' })
    ).json()) as { runs: Array<{ id: string }> };
    const runId = accepted.runs[0]?.id ?? '';
    await waitFor(() => calls === 1, { timeoutMs: 20_000, what: 'the slow call to start' });

    proc.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(stderr()).not.toContain('shutdown took longer');
    const [run] = await database.handle.db.select().from(schema.runs).where(eq(schema.runs.id, runId));
    expect(run?.status).toBe('succeeded');
    const steps = await database.handle.db.select().from(schema.steps).where(eq(schema.steps.runId, runId));
    expect(steps.find((s) => s.nodeId === 'call')?.attempts).toHaveLength(1);
    expect(calls).toBe(1);
  });
});
