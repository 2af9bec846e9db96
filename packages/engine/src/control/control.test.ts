// Control end to end on real Postgres and Redis: dead letters and redrive, idempotency, cancel and replay.
import { type HttpPeer, startHttpPeer } from '@tributary/nodes/testing';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { publishFlow, updateDraft } from '../flows/index.js';
import { getDeadLetter, getRun, listDeadLetters } from '../history/index.js';
import { cancelRun } from '../runs/index.js';
import {
  deployFlow,
  finishedRun,
  fireEvent,
  manualFlow,
  runIdOf as runId,
  startTestEngine,
  type TestEngine,
  waitFor,
} from '../testing/index.js';
import { redrive } from './redrive.js';
import { replayRun } from './replay.js';

let t: TestEngine;
let peer: HttpPeer;

beforeAll(async () => {
  t = await startTestEngine(inject('templateDatabase'), { sweepMs: 500 });
  peer = await startHttpPeer();
});

afterAll(async () => {
  await peer?.close();
  await t?.close();
});

const flow = manualFlow;

function fire(deployed: { flowId: string; version: number }, item: unknown, idempotencyKey?: string) {
  return fireEvent(t.engine, deployed, item, idempotencyKey);
}

function finished(runId: string, timeoutMs = 20_000) {
  return finishedRun(t.engine, runId, timeoutMs);
}

describe('dead letters', () => {
  test('an always-failing step is dead-lettered; after the peer is fixed, redrive finishes the run', async () => {
    let healthy = false;
    peer.handle((_req, res) => {
      res.statusCode = healthy ? 200 : 500;
      res.end(healthy ? 'fine' : 'broken');
    });
    const deployed = await deployFlow(
      t.engine,
      flow(
        [
          {
            id: 'http',
            type: 'action.http',
            name: 'Broken',
            config: { url: `${peer.url}/broken` },
            retry: { attempts: 2, backoff: 'fixed', delayMs: 50, jitter: false },
          },
          { id: 'after', type: 'logic.set', name: 'After', config: { fields: { done: true } } },
        ],
        [
          { id: 'e1', source: 'trigger', target: 'http' },
          { id: 'e2', source: 'http', target: 'after' },
        ],
      ),
    );
    const id = runId(await fire(deployed, { order: 7 }));
    const failed = await finished(id);
    expect(failed.status).toBe('failed');
    const letters = await listDeadLetters(t.engine.ctx.db, { flowId: deployed.flowId, limit: 10 });
    expect(letters.items).toHaveLength(1);
    const letter = await getDeadLetter(t.engine.ctx.db, letters.items[0]?.id ?? '');
    expect(letter).toMatchObject({ runId: id, nodeId: 'http', status: 'pending', input: { order: 7 } });
    expect(letter.attempts).toHaveLength(2);

    healthy = true;
    await redrive(t.engine.ctx, letter.id, {}, 'test');
    const done = await finished(id);
    expect(done.status).toBe('succeeded');
    expect(done.steps.find((s) => s.nodeId === 'after')?.output).toEqual({
      main: [{ status: 200, headers: expect.any(Object), body: 'fine', done: true }],
    });
    expect((await getDeadLetter(t.engine.ctx.db, letter.id)).status).toBe('redriven');
    await expect(redrive(t.engine.ctx, letter.id, {}, 'test')).rejects.toMatchObject({
      code: 'dead_letter_closed',
    });
  });

  test('redrive with an edited input runs the step on the new input', async () => {
    const deployed = await deployFlow(
      t.engine,
      flow(
        [
          {
            id: 'stop',
            type: 'logic.stop-and-error',
            name: 'Guard',
            config: { message: '{{ $json.ok ? "unused" : "not ok" }}' },
          },
        ],
        [{ id: 'e1', source: 'trigger', target: 'stop' }],
      ),
    );
    const id = runId(await fire(deployed, { ok: false }));
    expect((await finished(id)).status).toBe('failed');
    const [letter] = (await listDeadLetters(t.engine.ctx.db, { flowId: deployed.flowId, limit: 1 })).items;
    expect(letter?.error).toMatchObject({ code: 'stopped', message: 'not ok' });
    await redrive(t.engine.ctx, letter?.id ?? '', { input: { ok: true } }, 'test');
    const after = await waitFor(async () => {
      const run = await getRun(t.engine.ctx.db, id);
      return run.steps.filter((s) => s.nodeId === 'stop').length === 2 && run.status === 'failed'
        ? run
        : undefined;
    });
    const retried = after.steps.filter((s) => s.nodeId === 'stop');
    expect(retried[1]?.input).toEqual({ ok: true });
    expect(retried[1]?.error).toMatchObject({ message: 'unused' });
  });

  test('redrive on the current version runs the fixed node of the newly published version', async () => {
    const broken = flow(
      [
        {
          id: 'call',
          type: 'action.http',
          name: 'Call',
          config: { url: `${peer.url}/v1-broken` },
          retry: { attempts: 1 },
        },
      ],
      [{ id: 'e1', source: 'trigger', target: 'call' }],
    );
    peer.handle((req, res) => {
      res.statusCode = req.url === '/v1-broken' ? 404 : 200;
      res.end(req.url);
    });
    const deployed = await deployFlow(t.engine, broken);
    const id = runId(await fire(deployed, {}));
    expect((await finished(id)).status).toBe('failed');
    const [letter] = (await listDeadLetters(t.engine.ctx.db, { flowId: deployed.flowId, limit: 1 })).items;
    // publish a fixed version 2 of the same flow
    const fixed = {
      ...broken,
      nodes: (broken.nodes as Array<{ id: string }>).map((n) =>
        n.id === 'call' ? { ...n, config: { url: `${peer.url}/v2-fixed` } } : n,
      ),
    };
    await updateDraft(t.engine.ctx.db, deployed.flowId, fixed, 'test');
    expect((await publishFlow(t.engine.ctx.db, deployed.flowId, 'test')).version).toBe(2);
    const redriven = await redrive(t.engine.ctx, letter?.id ?? '', { useCurrentVersion: true }, 'test');
    expect(redriven.version).toBe(2);
    const done = await waitFor(async () => {
      const run = await getRun(t.engine.ctx.db, id);
      return run.status === 'succeeded' ? run : undefined;
    });
    expect(done.version).toBe(2);
    const calls = done.steps.filter((s) => s.nodeId === 'call');
    expect(calls.map((s) => s.status)).toEqual(['failed', 'succeeded']);
    expect(calls[1]?.output).toMatchObject({ main: [{ status: 200, body: '/v2-fixed' }] });
  });

  test('a failing node with a connected error port continues down that branch instead', async () => {
    const deployed = await deployFlow(
      t.engine,
      flow(
        [
          {
            id: 'stop',
            type: 'logic.stop-and-error',
            name: 'Fail',
            config: { message: 'boom', code: 'custom' },
          },
          {
            id: 'handle',
            type: 'logic.set',
            name: 'Handle',
            config: { fields: { handled: '{{ $json.error.code }}' }, keepOnlySet: true },
          },
        ],
        [
          { id: 'e1', source: 'trigger', target: 'stop' },
          { id: 'e2', source: 'stop', sourceHandle: 'error', target: 'handle' },
        ],
      ),
    );
    const run = await finished(runId(await fire(deployed, {})));
    expect(run.status).toBe('succeeded');
    expect(run.steps.find((s) => s.nodeId === 'stop')?.status).toBe('failed');
    expect(run.steps.find((s) => s.nodeId === 'handle')?.output).toEqual({ main: [{ handled: 'custom' }] });
    expect(
      (await listDeadLetters(t.engine.ctx.db, { flowId: deployed.flowId, limit: 5 })).items,
    ).toHaveLength(0);
  });
});

describe('idempotency, cancel and replay', () => {
  test('a repeated idempotency key answers with the first event and starts no second run', async () => {
    const deployed = await deployFlow(
      t.engine,
      flow(
        [{ id: 'set', type: 'logic.set', name: 'S', config: { fields: { a: 1 } } }],
        [{ id: 'e1', source: 'trigger', target: 'set' }],
      ),
    );
    const first = await fire(deployed, { n: 1 }, 'key-1');
    const again = await fire(deployed, { n: 2 }, 'key-1');
    expect(again).toEqual({ eventId: first.eventId, duplicate: true, runs: first.runs });
    const concurrent = await Promise.all([1, 2, 3, 4, 5].map((n) => fire(deployed, { n }, 'key-2')));
    expect(new Set(concurrent.map((r) => r.eventId)).size).toBe(1);
    expect(concurrent.filter((r) => !r.duplicate)).toHaveLength(1);
  });

  test('canceling a waiting run cancels its open steps', async () => {
    const deployed = await deployFlow(
      t.engine,
      flow(
        [{ id: 'wait', type: 'logic.delay', name: 'Long wait', config: { ms: 60_000 } }],
        [{ id: 'e1', source: 'trigger', target: 'wait' }],
      ),
    );
    const id = runId(await fire(deployed, {}));
    await waitFor(async () => (await getRun(t.engine.ctx.db, id)).status === 'waiting');
    const canceled = await cancelRun(t.engine.ctx, id, 'test');
    expect(canceled.status).toBe('canceled');
    expect(canceled.steps.find((s) => s.nodeId === 'wait')?.status).toBe('canceled');
    await expect(cancelRun(t.engine.ctx, id, 'test')).rejects.toMatchObject({ code: 'run_finished' });
  });

  test('replay starts a new run from the same event', async () => {
    const deployed = await deployFlow(
      t.engine,
      flow(
        [{ id: 'set', type: 'logic.set', name: 'S', config: { fields: { seen: '{{ $json.v }}' } } }],
        [{ id: 'e1', source: 'trigger', target: 'set' }],
      ),
    );
    const original = await finished(runId(await fire(deployed, { v: 42 })));
    const replay = await replayRun(t.engine.ctx, original.id, {}, 'test');
    const run = await finished(replay.id);
    expect(run).toMatchObject({ status: 'succeeded', replayOf: original.id, eventId: original.eventId });
    expect(run.steps.find((s) => s.nodeId === 'set')?.output).toEqual({ main: [{ v: 42, seen: 42 }] });
  });
});
