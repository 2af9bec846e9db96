// A rolling restart of worker processes under load, against the real processes (`main.ts api` and two
// `main.ts worker`) on real Postgres and Redis: while webhooks keep coming, each worker in turn gets SIGTERM
// and a replacement is started, then one replacement is killed with SIGKILL. Every accepted event runs
// exactly once (each step's call reaches the peer under one idempotency key), a SIGTERM ends with exit 0
// within TRIBUTARY_SHUTDOWN_MS, and the counts are printed.
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import { join } from 'node:path';
import { createTestDatabase, type TestDatabase, testDbKind } from '@tributary/db/testing';
import { waitFor } from '@tributary/engine/testing';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { allRunsSucceeded, spawnMain } from './test-services.js';

interface Proc {
  name: string;
  child: ChildProcess;
  exited: Promise<number | null>;
  stderr: () => string;
}

// PGlite is in-process: the api and worker processes cannot share the test's database
describe.skipIf(testDbKind() === 'pglite')('rolling restart of workers under load', () => {
  let database: TestDatabase;
  let peer: Server;
  const procs: Proc[] = [];
  const key = `trb_rolling_${randomBytes(12).toString('hex')}`;
  const prefix = `rolling-${randomBytes(4).toString('hex')}`;
  const dataDir = mkdtempSync(join(os.tmpdir(), 'tributary-rolling-'));
  /** Per request number and step: how many calls reached the peer, and under which idempotency keys. */
  const calls = new Map<string, number>();
  const keys = new Map<string, Set<string>>();

  /** Starts `main.ts <mode>` on a port of its own, sharing the test's database and a queue prefix. */
  async function start(name: string, mode: 'api' | 'worker'): Promise<Proc & { port: number }> {
    const {
      proc: child,
      port,
      exited,
      stderr,
    } = await spawnMain(mode, {
      DATABASE_URL: database.url ?? '',
      TRIBUTARY_QUEUE_PREFIX: prefix,
      TRIBUTARY_API_KEY: key,
      TRIBUTARY_DATA_DIR: dataDir,
      TRIBUTARY_HTTP_ALLOW: '127.0.0.1',
      TRIBUTARY_SHUTDOWN_MS: '15000',
      // a SIGKILLed worker's steps are taken over quickly
      TRIBUTARY_LOCK_DURATION_MS: '2000',
      TRIBUTARY_STALLED_INTERVAL_MS: '1000',
      TRIBUTARY_SWEEP_INTERVAL_MS: '500',
      TRIBUTARY_WORKER_CONCURRENCY: '8',
    });
    await waitFor(
      async () => (await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => undefined))?.status === 200,
      { timeoutMs: 60_000, what: `${name} to be ready` },
    );
    const proc = { name, child, exited, stderr, port };
    procs.push(proc);
    return proc;
  }

  beforeAll(async () => {
    database = await createTestDatabase(inject('templateDatabase'));
    // each call is answered after 30 ms, so steps are in flight whenever a worker is stopped
    peer = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => {
        body += chunk.toString();
      });
      req.on('end', () => {
        const { n } = JSON.parse(body) as { n: number };
        const call = `${n}:${req.url}`;
        calls.set(call, (calls.get(call) ?? 0) + 1);
        keys.set(call, (keys.get(call) ?? new Set()).add(String(req.headers['idempotency-key'])));
        setTimeout(() => {
          res.setHeader('content-type', 'application/json');
          res.end('{"ok":true}');
        }, 30);
      });
    });
    await new Promise<void>((resolve) => peer.listen(0, '127.0.0.1', resolve));
  }, 60_000);

  afterAll(async () => {
    for (const proc of procs) proc.child.kill('SIGKILL');
    await new Promise((resolve) => peer?.close(resolve));
    await database?.dispose();
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('SIGTERM each worker in turn, then SIGKILL one: nothing lost, nothing doubled', {
    timeout: 240_000,
  }, async () => {
    const api = await start('api', 'api');
    let workerA = await start('worker a', 'worker');
    const workerB = await start('worker b', 'worker');
    const base = `http://127.0.0.1:${api.port}`;
    const auth = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
    const peerUrl = `http://127.0.0.1:${(peer.address() as AddressInfo).port}`;
    const call = (id: string, name: string) => ({
      id,
      type: 'action.http',
      name,
      config: {
        method: 'POST',
        url: `${peerUrl}/${id}`,
        body: { n: '{{ $steps.Hook.output.body.n }}' },
        sendIdempotencyKey: true,
      },
      retry: { attempts: 10, backoff: 'fixed', delayMs: 200 },
    });
    const created = await fetch(`${base}/api/v1/flows`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({
        name: 'Rolling load',
        slug: 'rolling-load',
        nodes: [
          { id: 'hook', type: 'trigger.webhook', name: 'Hook', config: { path: 'rolling' } },
          call('first', 'First'),
          call('second', 'Second'),
        ],
        edges: [
          { id: 'e1', source: 'hook', target: 'first' },
          { id: 'e2', source: 'first', target: 'second' },
        ],
      }),
    });
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };
    expect(
      (await fetch(`${base}/api/v1/flows/${id}/publish`, { method: 'POST', headers: auth })).status,
    ).toBe(200);

    // the load: 600 webhooks, 6 at a time, numbered; the restarts happen while it runs
    const total = 600;
    const answers: Array<{ n: number; status: number; runId?: string }> = [];
    let next = 0;
    const sender = async () => {
      while (next < total) {
        const n = next++;
        const res = await fetch(`${base}/hooks/rolling`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ n }),
        });
        const body = (await res.json().catch(() => ({}))) as { runs?: { id: string }[] };
        answers.push({ n, status: res.status, runId: body.runs?.[0]?.id });
      }
    };
    const load = Promise.all(Array.from({ length: 6 }, sender));
    const answered = (count: number) =>
      waitFor(() => answers.length >= count || next >= total, {
        timeoutMs: 60_000,
        what: `${count} answers`,
      });

    const exits: Array<{ name: string; signal: string; code: number | null }> = [];
    const stop = async (proc: Proc, signal: 'SIGTERM' | 'SIGKILL') => {
      proc.child.kill(signal);
      exits.push({ name: proc.name, signal, code: await proc.exited });
    };

    await answered(100);
    await stop(workerA, 'SIGTERM');
    workerA = await start('worker a2', 'worker');
    await answered(250);
    await stop(workerB, 'SIGTERM');
    await start('worker b2', 'worker');
    await answered(400);
    await stop(workerA, 'SIGKILL');
    await start('worker a3', 'worker');
    await load;

    const accepted = answers.filter((a) => a.status === 202);
    await allRunsSucceeded(
      base,
      key,
      accepted.map((a) => a.runId),
      120_000,
    );
    const steps = ['first', 'second'];
    const counts = {
      sent: answers.length,
      accepted: accepted.length,
      lost: accepted.filter((a) => steps.some((s) => (calls.get(`${a.n}:/${s}`) ?? 0) === 0)).length,
      doubled: answers.filter((a) => steps.some((s) => (keys.get(`${a.n}:/${s}`)?.size ?? 0) > 1)).length,
      redelivered: answers.filter((a) =>
        steps.some((s) => (calls.get(`${a.n}:/${s}`) ?? 0) > (keys.get(`${a.n}:/${s}`)?.size ?? 0)),
      ).length,
    };
    console.log(
      `rolling restart: ${counts.sent} sent, ${counts.accepted} accepted, lost ${counts.lost}, doubled ` +
        `${counts.doubled}, a call sent again under its idempotency key ${counts.redelivered} ` +
        `(at-least-once, after the SIGKILL); exits ${exits.map((e) => `${e.name} ${e.signal} → ${e.code}`).join(', ')}`,
    );
    // the load was accepted throughout: workers come and go behind the api process
    expect(answers.filter((a) => a.status !== 202)).toEqual([]);
    expect(counts).toMatchObject({ sent: total, accepted: total, lost: 0, doubled: 0 });
    expect(exits.filter((e) => e.signal === 'SIGTERM').map((e) => e.code)).toEqual([0, 0]);
    for (const proc of procs) {
      expect(proc.stderr(), proc.name).not.toMatch(/unhandled|uncaught|shutdown took longer/i);
    }
  });
});
