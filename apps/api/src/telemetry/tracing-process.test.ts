// Tracing in the real process (`main.ts all`), configured by OTEL_* variables alone: spans are batched (the
// batch's delay set far beyond the test), so what the receiver gets it gets from the flush at SIGTERM — the
// spans of a run that finished before the signal are not lost with the process.
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { schema } from '@tributary/db';
import { createTestDatabase, type TestDatabase, testDbKind } from '@tributary/db/testing';
import { waitFor } from '@tributary/engine/testing';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { spawnMain } from '../test-services.js';
import { startOtlpReceiver, startPeer } from './test-telemetry.js';

// PGlite is in-process: a second process cannot open the test's database
describe.skipIf(testDbKind() === 'pglite')('a traced process', () => {
  let database: TestDatabase;
  let receiver: Awaited<ReturnType<typeof startOtlpReceiver>>;
  let peer: Awaited<ReturnType<typeof startPeer>>;
  let child: ChildProcess | undefined;
  const dataDir = mkdtempSync(join(os.tmpdir(), 'tributary-tracing-'));

  beforeAll(async () => {
    database = await createTestDatabase(inject('templateDatabase'));
    receiver = await startOtlpReceiver();
    peer = await startPeer();
  });

  afterAll(async () => {
    child?.kill('SIGKILL');
    await peer?.close();
    await receiver?.close();
    await database?.dispose();
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('exports the spans it still holds when it shuts down', { timeout: 60_000 }, async () => {
    const key = `trb_tracing_${randomBytes(12).toString('hex')}`;
    const { proc, exited, stderr, base } = await spawnMain('all', {
      DATABASE_URL: database.url ?? '',
      TRIBUTARY_QUEUE_PREFIX: `tracing-${randomBytes(4).toString('hex')}`,
      TRIBUTARY_API_KEY: key,
      TRIBUTARY_DATA_DIR: dataDir,
      TRIBUTARY_HTTP_ALLOW: '127.0.0.1',
      TRIBUTARY_SHUTDOWN_MS: '20000',
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url.replace(/\/v1\/traces$/, ''),
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_SERVICE_NAME: 'tributary-process',
      OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment.name=test',
      // nothing is exported on the batch's timer during the test: only the shutdown flush sends
      OTEL_BSP_SCHEDULE_DELAY: '600000',
    });
    child = proc;
    await waitFor(async () => (await fetch(`${base}/readyz`)).status === 200, { timeoutMs: 30_000 });
    const auth = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
    const created = await fetch(`${base}/api/v1/flows`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({
        name: 'Traced call',
        slug: 'traced-call',
        nodes: [
          { id: 'hook', type: 'trigger.webhook', name: 'Hook', config: { path: 'traced-call' } },
          { id: 'call', type: 'action.http', name: 'Call', config: { url: peer.url } },
        ],
        edges: [{ id: 'e1', source: 'hook', target: 'call' }],
      }),
    });
    const flow = (await created.json()) as { id: string };
    expect(
      (await fetch(`${base}/api/v1/flows/${flow.id}/publish`, { method: 'POST', headers: auth })).status,
    ).toBe(200);
    const traceId = randomBytes(16).toString('hex');
    const answer = await fetch(`${base}/hooks/traced-call`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', traceparent: `00-${traceId}-${'3'.repeat(16)}-01` },
      body: '{"n":1}',
    });
    expect(answer.status).toBe(202);
    const runId = ((await answer.json()) as { runs: Array<{ id: string }> }).runs[0]?.id ?? '';
    await waitFor(
      async () => {
        const [run] = await database.handle.db.select().from(schema.runs).where(eq(schema.runs.id, runId));
        return run?.status === 'succeeded';
      },
      { timeoutMs: 20_000, what: 'the run to succeed' },
    );
    expect(peer.traceparents).toEqual([expect.stringMatching(new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`))]);
    expect(receiver.spans).toEqual([]);

    proc.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(stderr()).not.toContain('shutdown took longer');
    const names = receiver.spans.filter((s) => s.traceId === traceId).map((s) => s.name);
    expect(names.sort()).toEqual(['GET', 'ingest webhook', 'run', 'step action.http']);
    expect(receiver.spans[0]?.serviceName).toBe('tributary-process');
  });
});
