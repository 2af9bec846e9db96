// Retention on real Postgres and Redis: finished runs past their flow's retention go with their steps and
// closed dead letters, then the events no run refers to once past the instance's retention; recent runs,
// runs a flow keeps longer, and runs with a pending dead letter stay — also when deleted one per batch.
import { newId, schema, selectRows } from '@tributary/db';
import { eq, inArray, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { discardDeadLetters } from '../control/index.js';
import {
  deployFlow,
  finishedRun,
  fireEvent,
  manualFlow,
  runIdOf,
  startTestEngine,
  type TestEngine,
} from '../testing/index.js';
import { applyRetention } from './retention.js';

let t: TestEngine;

beforeAll(async () => {
  t = await startTestEngine(inject('templateDatabase'));
});

afterAll(async () => {
  await t?.close();
});

/** Steps of the whole database whose run is gone, and runs whose flow is. */
async function orphans(): Promise<{ steps: number; runs: number }> {
  const [row] = await selectRows<{ steps: number; runs: number }>(
    t.engine.ctx.db,
    sql`select
      (select count(*)::int from ${schema.steps} s
        where not exists (select 1 from ${schema.runs} r where r.id = s.run_id)) as steps,
      (select count(*)::int from ${schema.runs} r
        where not exists (select 1 from ${schema.flows} f where f.id = r.flow_id)) as runs`,
  );
  return row ?? { steps: -1, runs: -1 };
}

const mark = { id: 'mark', type: 'logic.set', name: 'Mark', config: { fields: { seen: true } } };
const fail = { id: 'mark', type: 'logic.stop-and-error', name: 'Fail', config: { message: 'no' } };
const edges = [{ id: 'e1', source: 'trigger', target: 'mark' }];

function withSettings(node: unknown, settings: Record<string, unknown>) {
  return { ...manualFlow([node], edges), settings };
}

/** Runs one event through the flow to its end; gives the run and event ids. */
async function finished(flow: { flowId: string; version: number }) {
  const fired = await fireEvent(t.engine, flow, { at: Date.now() });
  const runId = runIdOf(fired);
  await finishedRun(t.engine, runId);
  return { runId, eventId: fired.eventId };
}

/** Makes a run look finished `days` ago, and its event received then. */
async function age(ids: { runId: string; eventId: string }, days: number) {
  const { db } = t.engine.ctx;
  const then = sql`now() - make_interval(days => ${days})`;
  await db.update(schema.runs).set({ finishedAt: then }).where(eq(schema.runs.id, ids.runId));
  await db.update(schema.events).set({ receivedAt: then }).where(eq(schema.events.id, ids.eventId));
}

async function existing(table: typeof schema.runs | typeof schema.events, ids: string[]) {
  const rows = await t.engine.ctx.db.select({ id: table.id }).from(table).where(inArray(table.id, ids));
  return rows.map((r) => r.id).sort();
}

describe('retention', () => {
  test('deletes what expired, per flow, in small batches, and keeps what someone may still need', async () => {
    const plain = await deployFlow(t.engine, manualFlow([mark], edges));
    const short = await deployFlow(t.engine, withSettings(mark, { retentionDays: 2 }));
    const long = await deployFlow(t.engine, withSettings(mark, { retentionDays: 60 }));
    const failing = await deployFlow(t.engine, manualFlow([fail], edges));

    const old = await finished(plain);
    const recent = await finished(plain);
    const shortOld = await finished(short);
    const longOld = await finished(long);
    const dead = await finished(failing);
    await age(old, 10);
    await age(shortOld, 3);
    await age(longOld, 40);
    await age(dead, 40);
    // and an event that started nothing, long ago
    const orphan = newId();
    await t.engine.ctx.db.insert(schema.events).values({
      id: orphan,
      source: 'test',
      type: 'test',
      payload: {},
      receivedAt: sql`now() - make_interval(days => 10)` as unknown as Date,
    });

    const pass = await applyRetention(t.engine.ctx, { days: 5, batchSize: 1, maxBatches: 50 });

    const runs = [old, recent, shortOld, longOld, dead].map((r) => r.runId);
    expect(await existing(schema.runs, runs)).toEqual([recent.runId, longOld.runId, dead.runId].sort());
    // the expired runs' steps went with them; the kept runs' stayed
    const steps = await t.engine.ctx.db
      .select({ runId: schema.steps.runId })
      .from(schema.steps)
      .where(inArray(schema.steps.runId, runs));
    expect(new Set(steps.map((s) => s.runId))).toEqual(new Set([recent.runId, longOld.runId, dead.runId]));
    // events: the expired run's (10 days old, no run left) and the orphan go; the short flow's event is
    // newer than the instance's 5 days and stays although its run is gone
    const events = [old, recent, shortOld, longOld, dead].map((r) => r.eventId);
    expect(await existing(schema.events, [...events, orphan])).toEqual(
      [recent.eventId, shortOld.eventId, longOld.eventId, dead.eventId].sort(),
    );
    expect(pass).toEqual({ runs: 2, steps: 4, events: 2, sends: 0 });

    // once its dead letter is discarded, the failed run goes at the next pass, dead letter and all
    const [letter] = await t.engine.ctx.db
      .select({ id: schema.deadLetters.id })
      .from(schema.deadLetters)
      .where(eq(schema.deadLetters.runId, dead.runId));
    await discardDeadLetters(t.engine.ctx, [letter?.id ?? ''], 'old news', 'test');
    const next = await applyRetention(t.engine.ctx, { days: 5, batchSize: 100, maxBatches: 5 });
    expect(next).toMatchObject({ runs: 1 });
    expect(await existing(schema.runs, [dead.runId])).toEqual([]);
    expect(
      await t.engine.ctx.db.select().from(schema.deadLetters).where(eq(schema.deadLetters.runId, dead.runId)),
    ).toEqual([]);
    // steps and runs have no foreign key to their run and flow (schema.ts): none is left naming one
    expect(await orphans()).toEqual({ steps: 0, runs: 0 });
    const metric = await t.engine.ctx.metrics.retentionDeleted.get();
    expect(metric.values.find((v) => v.labels.kind === 'runs')?.value).toBe(3);
  });

  test('0 days keeps everything a flow does not limit itself', async () => {
    const plain = await deployFlow(t.engine, manualFlow([mark], edges));
    const run = await finished(plain);
    await age(run, 400);
    const pass = await applyRetention(t.engine.ctx, { days: 0, batchSize: 100, maxBatches: 5 });
    expect(pass).toEqual({ runs: 0, steps: 0, events: 0, sends: 0 });
    expect(await existing(schema.runs, [run.runId])).toEqual([run.runId]);
  });

  test('while events keep arriving, passes delete only the expired runs and events, never a new one', {
    timeout: 120_000,
  }, async () => {
    const flow = await deployFlow(t.engine, manualFlow([mark], edges));
    const expired = [];
    for (let i = 0; i < 20; i++) expired.push(await finished(flow));
    for (const ids of expired) await age(ids, 10);

    // 200 events arrive, 8 at a time, while retention passes run one batch of 3 after another
    let arriving = true;
    const fresh: Array<{ runId: string; eventId: string }> = [];
    const passes: Array<{ runs: number; steps: number; events: number }> = [];
    const sweeping = (async () => {
      while (arriving) {
        passes.push(await applyRetention(t.engine.ctx, { days: 5, batchSize: 3, maxBatches: 2 }));
      }
    })();
    let next = 0;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (next < 200) {
          next++;
          const fired = await fireEvent(t.engine, flow, { n: next });
          fresh.push({ runId: runIdOf(fired), eventId: fired.eventId });
        }
      }),
    );
    arriving = false;
    await sweeping;
    // what the passes left of the expired ones goes now
    await applyRetention(t.engine.ctx, { days: 5, batchSize: 100, maxBatches: 10 });

    const freshRuns = fresh.map((f) => f.runId);
    expect(await existing(schema.runs, freshRuns)).toEqual([...freshRuns].sort());
    const freshEvents = fresh.map((f) => f.eventId);
    expect(await existing(schema.events, freshEvents)).toEqual([...freshEvents].sort());
    expect(
      await existing(
        schema.runs,
        expired.map((e) => e.runId),
      ),
    ).toEqual([]);
    expect(
      await existing(
        schema.events,
        expired.map((e) => e.eventId),
      ),
    ).toEqual([]);
    // the passes ran beside the load, and some of them deleted expired runs
    expect(passes.length).toBeGreaterThan(1);
    expect(passes.reduce((n, p) => n + p.runs, 0)).toBeGreaterThan(0);
    // every new run still finishes with its steps (none of their rows went from under them)
    for (const runId of freshRuns.slice(0, 20)) {
      expect((await finishedRun(t.engine, runId)).status).toBe('succeeded');
    }
  });

  test('frequency-cap sends no cap can count any more go too; the ones a cap still counts stay', async () => {
    const S = schema.frequencyCapSends;
    const DAY = 86_400_000;
    const send = (person: string, daysAgo: number) => ({
      stepId: newId(),
      runId: newId(),
      flowId: newId(),
      person,
      channel: 'retention-email',
      sentAt: new Date(Date.now() - daysAgo * DAY),
    });
    // no cap longer than a year: sends are kept a year and a day
    const old = send('userId:gone-quiet', 400);
    const recent = send('userId:gone-quiet', 30);
    await t.engine.ctx.db.insert(S).values([old, recent]);
    const pass = await applyRetention(t.engine.ctx, { days: 5, batchSize: 100, maxBatches: 5 });
    expect(pass.sends).toBe(1);
    const left = await t.engine.ctx.db
      .select({ stepId: S.stepId })
      .from(S)
      .where(inArray(S.stepId, [old.stepId, recent.stepId]));
    expect(left.map((r) => r.stepId)).toEqual([recent.stepId]);
  });
});
