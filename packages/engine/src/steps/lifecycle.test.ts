// A step's life under faults: time limits, a worker that vanished mid-step, and a late duplicate delivery;
// and what a claim reads with the step.
import { randomUUID } from 'node:crypto';
import { schema } from '@tributary/db';
import { type HttpPeer, startHttpPeer } from '@tributary/nodes/testing';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { getRun } from '../history/index.js';
import { ingest } from '../ingest/index.js';
import { deployFlow, startTestEngine, type TestEngine, waitFor } from '../testing/index.js';
import { ingestTracking, type TrackingMessage } from '../tracking/ingest-tracking.js';
import { claimStep } from './claim.js';
import { runStep } from './pipeline.js';
import { completeStep } from './transitions.js';

let peer: HttpPeer;
beforeAll(async () => {
  peer = await startHttpPeer({
    handler: (req, res) => {
      const wait = req.url.startsWith('/slow') ? 2_000 : 0;
      setTimeout(() => res.end('ok'), wait);
    },
  });
});
afterAll(async () => {
  await peer?.close();
});

function oneCallFlow(slug: string, url: string, extra: Record<string, unknown> = {}) {
  return {
    name: slug,
    slug,
    nodes: [
      { id: 'start', type: 'trigger.manual', name: 'Start', config: {} },
      { id: 'call', type: 'action.http', name: 'Call', config: { url }, ...extra },
    ],
    edges: [{ id: 'e1', source: 'start', target: 'call' }],
  };
}

async function fire(t: TestEngine, deployed: { flowId: string; version: number }) {
  const result = await ingest(t.engine.ctx, {
    source: 'test',
    type: 'test',
    payload: {},
    targets: [{ ...deployed, item: {} }],
  });
  const id = result.runs[0]?.id;
  if (!id) throw new Error('no run');
  return id;
}

async function callStep(t: TestEngine, runId: string) {
  const rows = await t.engine.ctx.db.select().from(schema.steps).where(eq(schema.steps.runId, runId));
  const call = rows.find((s) => s.nodeId === 'call');
  if (!call) throw new Error('no step');
  return call;
}

describe('step time limits', () => {
  test('an attempt past the node timeout fails as a retryable timeout and the step follows its policy', async () => {
    const t = await startTestEngine(inject('templateDatabase'));
    try {
      const deployed = await deployFlow(
        t.engine,
        oneCallFlow('slow', `${peer.url}/slow`, {
          timeoutMs: 200,
          retry: { attempts: 2, backoff: 'fixed', delayMs: 20 },
        }),
      );
      const runId = await fire(t, deployed);
      const run = await waitFor(async () => {
        const r = await getRun(t.engine.ctx.db, runId);
        return r.status === 'failed' ? r : undefined;
      });
      const step = run.steps.find((s) => s.nodeId === 'call');
      expect(step?.status).toBe('dead');
      expect(step?.attempts.map((a) => a.error?.code)).toEqual(['timeout', 'timeout']);
      for (const attempt of step?.attempts ?? []) {
        const took = new Date(attempt.finishedAt ?? 0).getTime() - new Date(attempt.startedAt).getTime();
        expect(took).toBeLessThan(1_500);
      }
    } finally {
      await t.close();
    }
  });
});

describe('a worker that vanished mid-step', () => {
  test('past its lease the step is taken over, the lost attempt is recorded as stalled, and the run finishes', async () => {
    const t = await startTestEngine(inject('templateDatabase'), { worker: false });
    try {
      const deployed = await deployFlow(
        t.engine,
        oneCallFlow('stall', `${peer.url}/fast`, { retry: { attempts: 3, delayMs: 10 } }),
      );
      const runId = await fire(t, deployed);
      const step = await callStep(t, runId);
      // a "worker" claims the step with a 100 ms lease and is never heard of again
      const claim = await claimStep(t.engine.ctx.db, step.id, 'lost-worker', 100);
      expect(claim.kind).toBe('claimed');
      t.engine.startWorker({ concurrency: 5 });
      const run = await waitFor(async () => {
        const r = await getRun(t.engine.ctx.db, runId);
        return r.status === 'succeeded' ? r : undefined;
      });
      const done = run.steps.find((s) => s.nodeId === 'call');
      expect(done?.attempts.map((a) => a.error?.code ?? 'ok')).toEqual(['stalled', 'ok']);
    } finally {
      await t.close();
    }
  });

  test('a step whose worker stopped twice is given up instead of being run on a third worker', async () => {
    const t = await startTestEngine(inject('templateDatabase'), { worker: false });
    try {
      const deployed = await deployFlow(
        t.engine,
        oneCallFlow('stall-twice', `${peer.url}/fast`, { retry: { attempts: 3, delayMs: 10 } }),
      );
      const runId = await fire(t, deployed);
      const step = await callStep(t, runId);
      // two workers in turn claim the step and die during it (as a step that crashes its process would make them)
      for (const lost of ['lost-worker-1', 'lost-worker-2']) {
        const claim = await waitFor(async () => {
          const c = await claimStep(t.engine.ctx.db, step.id, lost, 50);
          return c.kind === 'claimed' ? c : undefined;
        });
        expect(claim.kind).toBe('claimed');
        await new Promise((resolve) => setTimeout(resolve, 100));
        await runStep(t.engine.ctx, step.id);
      }
      const run = await getRun(t.engine.ctx.db, runId);
      expect(run.status).toBe('failed');
      const dead = run.steps.find((s) => s.nodeId === 'call');
      expect(dead?.status).toBe('dead');
      expect(dead?.attempts.map((a) => [a.error?.code, a.error?.retryable])).toEqual([
        ['stalled', true],
        ['stalled', false],
      ]);
      expect((dead?.error as { message?: string } | null | undefined)?.message).toContain(
        'for the second time: not retried',
      );
    } finally {
      await t.close();
    }
  });

  test('a late delivery that lost its lease commits nothing (compare-and-set on the lease token)', async () => {
    const t = await startTestEngine(inject('templateDatabase'), { worker: false });
    try {
      const deployed = await deployFlow(t.engine, oneCallFlow('late', `${peer.url}/fast`));
      const runId = await fire(t, deployed);
      const step = await callStep(t, runId);
      const first = await claimStep(t.engine.ctx.db, step.id, 'token-a', 50);
      if (first.kind !== 'claimed') throw new Error('first claim failed');
      await new Promise((resolve) => setTimeout(resolve, 100));
      const second = await claimStep(t.engine.ctx.db, step.id, 'token-b', 10_000);
      expect(second.kind).toBe('stalled');
      const flow = await t.engine.ctx.flows.get(t.engine.ctx.db, deployed.flowId, deployed.version);
      const late = await completeStep(
        { ctx: t.engine.ctx, flow, step: first.step, token: 'token-a' },
        {
          output: { main: [{ late: true }] },
          attempts: [],
          durationMs: 1,
          inlineBudgetMs: t.engine.ctx.settings.fuseBudgetMs,
        },
      );
      expect(late).toEqual({ kind: 'stale' });
      const [row] = await t.engine.ctx.db.select().from(schema.steps).where(eq(schema.steps.id, step.id));
      expect(row?.status).toBe('running');
      expect(row?.leaseToken).toBe('token-b');
      expect(row?.output).toBeNull();
      const owner = await completeStep(
        { ctx: t.engine.ctx, flow, step: first.step, token: 'token-b' },
        {
          output: { main: [{ owner: true }] },
          attempts: [],
          durationMs: 1,
          inlineBudgetMs: t.engine.ctx.settings.fuseBudgetMs,
        },
      );
      expect(owner.kind).toBe('applied');
      expect((await getRun(t.engine.ctx.db, runId)).status).toBe('succeeded');
    } finally {
      await t.close();
    }
  });
});

describe('what a claim reads with the step', () => {
  test("the run's event when the input refers to its payload; a woken wait-for-event step's wait and the event that settled it", async () => {
    const t = await startTestEngine(inject('templateDatabase'), { worker: false });
    try {
      await deployFlow(t.engine, {
        name: 'claim reads',
        slug: 'claim-reads',
        nodes: [
          {
            id: 'start',
            type: 'trigger.tracking',
            name: 'Basket',
            config: { type: 'track', events: ['Basket'] },
          },
          {
            id: 'wait',
            type: 'logic.wait-for-event',
            name: 'Wait',
            config: { event: 'Paid', timeoutMs: 60_000 },
          },
          { id: 'done', type: 'logic.set', name: 'Done', config: { fields: { paid: true } } },
        ],
        edges: [
          { id: 'e1', source: 'start', target: 'wait' },
          { id: 'e2', source: 'wait', sourceHandle: 'received', target: 'done' },
        ],
      });
      const source = randomUUID();
      const track = (event: string, userId: string): TrackingMessage => {
        const now = new Date().toISOString();
        const fields = { type: 'track' as const, messageId: randomUUID(), timestamp: now, receivedAt: now };
        return {
          ...fields,
          userId,
          event,
          payload: { ...fields, userId, event, properties: {} },
        };
      };
      const waitStepOf = async (runId: string | undefined) => {
        const [step] = await t.engine.ctx.db
          .select()
          .from(schema.steps)
          .where(and(eq(schema.steps.runId, runId ?? ''), eq(schema.steps.nodeId, 'wait')));
        if (!step) throw new Error('no wait step');
        return step;
      };
      const [parks, never] = await ingestTracking(t.engine.ctx, source, [
        track('Basket', 'claim-parks'),
        track('Basket', 'claim-never-parks'),
      ]);
      const parking = await waitStepOf(parks?.runs[0]?.id);
      // a step that never parked: the run's event, no wait
      const fresh = await claimStep(
        t.engine.ctx.db,
        (await waitStepOf(never?.runs[0]?.id)).id,
        'token-a',
        10_000,
      );
      if (fresh.kind !== 'claimed') throw new Error(`claimed: ${fresh.kind}`);
      expect(fresh.event?.id).toBe(never?.eventId);
      expect(fresh.step.input).toMatchObject({ event: 'Basket', userId: 'claim-never-parks' });
      expect(fresh.parked).toBeUndefined();
      // the first delivery parks the step at its wait; the person pays, which settles the wait and makes it due
      expect((await runStep(t.engine.ctx, parking.id)).kind).toBe('later');
      const [paid] = await ingestTracking(t.engine.ctx, source, [track('Paid', 'claim-parks')]);
      const woken = await claimStep(t.engine.ctx.db, parking.id, 'token-b', 10_000);
      if (woken.kind !== 'claimed') throw new Error(`claimed: ${woken.kind}`);
      expect(woken.event?.id).toBe(parks?.eventId);
      expect(woken.parked?.wait).toMatchObject({
        stepId: parking.id,
        status: 'received',
        matchedEventId: paid?.eventId,
      });
      expect(woken.parked?.matched?.id).toBe(paid?.eventId);
      expect(woken.parked?.matched?.receivedAt).toBeInstanceOf(Date);
    } finally {
      await t.close();
    }
  });
});
