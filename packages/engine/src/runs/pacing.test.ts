// Throttle and debounce on real Postgres and Redis: throttled runs are all run, none before its turn and never
// more than the limit in a period (per key when set); debounced events start only the latest run of their key
// within the window, and the runs they replaced are kept as canceled with the code `superseded`.
import { schema } from '@tributary/db';
import { asc, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { getRun } from '../history/index.js';
import { deployFlow, fireEvent, startTestEngine, type TestEngine, waitFor } from '../testing/index.js';

let t: TestEngine;

beforeAll(async () => {
  t = await startTestEngine(inject('templateDatabase'));
});

afterAll(async () => {
  await t?.close();
});

function pacedFlow(slug: string, settings: Record<string, unknown>) {
  return {
    name: `Flow ${slug}`,
    slug,
    settings,
    nodes: [
      { id: 'trigger', type: 'trigger.manual', name: 'Start', config: {} },
      { id: 'mark', type: 'logic.set', name: 'Mark', config: { fields: { seen: '{{ $json.i }}' } } },
    ],
    edges: [{ id: 'e1', source: 'trigger', target: 'mark' }],
  };
}

/** The flow's runs in acceptance order, each with its scheduled start and its first step's actual start. */
async function runsOf(flowId: string) {
  const runs = await t.engine.ctx.db
    .select({
      id: schema.runs.id,
      status: schema.runs.status,
      createdAt: schema.runs.createdAt,
      startedAt: schema.runs.startedAt,
      throttleKey: schema.runs.throttleKey,
      debounceKey: schema.runs.debounceKey,
      error: schema.runs.error,
    })
    .from(schema.runs)
    .where(eq(schema.runs.flowId, flowId))
    .orderBy(asc(schema.runs.id));
  const steps = await t.engine.ctx.db
    .select({ runId: schema.steps.runId, attempts: schema.steps.attempts, status: schema.steps.status })
    .from(schema.steps)
    .where(eq(schema.steps.nodeId, 'mark'));
  return runs.map((run) => {
    const attempt = steps.find((s) => s.runId === run.id)?.attempts[0];
    return { ...run, ranAt: attempt ? Date.parse(attempt.startedAt) : undefined };
  });
}

async function settled(flowId: string, count: number) {
  return waitFor(
    async () => {
      const runs = await runsOf(flowId);
      return runs.length === count && runs.every((r) => r.status === 'succeeded' || r.status === 'canceled')
        ? runs
        : undefined;
    },
    { timeoutMs: 30_000, intervalMs: 50, what: `${count} settled runs` },
  );
}

/** The most starts within any `periodMs` (a window opening at each start). */
function mostStartsInAPeriod(starts: readonly number[], periodMs: number): number {
  const sorted = [...starts].sort((a, b) => a - b);
  let most = 0;
  for (const [i, from] of sorted.entries()) {
    most = Math.max(most, sorted.slice(i).filter((s) => s < from + periodMs).length);
  }
  return most;
}

describe('throttle', () => {
  test('6 events at once under 2 per second: all 6 run, 2 per second, none before its turn', {
    timeout: 60_000,
  }, async () => {
    const deployed = await deployFlow(
      t.engine,
      pacedFlow('throttled', { throttle: { limit: 2, periodMs: 1000 } }),
    );
    await Promise.all(Array.from({ length: 6 }, (_, i) => fireEvent(t.engine, deployed, { i })));
    const runs = await settled(deployed.flowId, 6);
    // delayed, never dropped
    expect(runs.every((r) => r.status === 'succeeded')).toBe(true);
    const scheduled = runs.map((r) => r.startedAt?.getTime() ?? Number.NaN);
    expect(mostStartsInAPeriod(scheduled, 1000)).toBe(2);
    // each ran no earlier than its start (a little clock slack between Node and the stored times)
    for (const run of runs)
      expect(run.ranAt ?? 0).toBeGreaterThanOrEqual((run.startedAt?.getTime() ?? 0) - 5);
    // 6 starts at 2 a second: the last ran at least two periods after the first start
    const lastRan = Math.max(...runs.map((r) => r.ranAt ?? Number.NaN));
    expect(lastRan - Math.min(...scheduled)).toBeGreaterThanOrEqual(1995);
  });

  test('with a key, each key has its own budget', { timeout: 60_000 }, async () => {
    const deployed = await deployFlow(
      t.engine,
      pacedFlow('throttled-per-key', { throttle: { limit: 1, periodMs: 800, key: '{{ $json.who }}' } }),
    );
    const items = ['a', 'b', 'a', 'b', 'a', 'b'].map((who, i) => ({ who, i }));
    await Promise.all(items.map((item) => fireEvent(t.engine, deployed, item)));
    const runs = await settled(deployed.flowId, 6);
    expect(runs.every((r) => r.status === 'succeeded')).toBe(true);
    for (const key of ['a', 'b']) {
      const own = runs.filter((r) => r.throttleKey === key).map((r) => r.startedAt?.getTime() ?? Number.NaN);
      expect(own).toHaveLength(3);
      expect(mostStartsInAPeriod(own, 800)).toBe(1);
    }
    // the keys did not wait for each other: two runs (one per key) started in the first period
    expect(
      mostStartsInAPeriod(
        runs.map((r) => r.startedAt?.getTime() ?? Number.NaN),
        800,
      ),
    ).toBe(2);
  });
});

describe('debounce', () => {
  test('only the latest event of a key within the window starts a run; the others are superseded', {
    timeout: 60_000,
  }, async () => {
    const deployed = await deployFlow(
      t.engine,
      pacedFlow('debounced', { debounce: { windowMs: 600, key: '{{ $json.who }}' } }),
    );
    const first = await fireEvent(t.engine, deployed, { who: 'ann', i: 1 });
    const second = await fireEvent(t.engine, deployed, { who: 'ann', i: 2 });
    const other = await fireEvent(t.engine, deployed, { who: 'bob', i: 3 });
    const last = await fireEvent(t.engine, deployed, { who: 'ann', i: 4 });
    const runs = await settled(deployed.flowId, 4);
    const byId = new Map(runs.map((r) => [r.id, r]));
    const idOf = (result: { runs: Array<{ id: string }> }) => result.runs[0]?.id ?? '';
    // every event is accounted for: two runs ran, two were superseded (not silently dropped)
    expect(
      runs
        .filter((r) => r.status === 'succeeded')
        .map((r) => r.id)
        .sort(),
    ).toEqual([idOf(other), idOf(last)].sort());
    for (const replaced of [first, second]) {
      const run = byId.get(idOf(replaced));
      expect(run?.status).toBe('canceled');
      expect(run?.error).toMatchObject({ code: 'superseded' });
      expect(run?.ranAt).toBeUndefined();
    }
    expect(byId.get(idOf(first))?.error).toMatchObject({ supersededBy: idOf(second) });
    expect(byId.get(idOf(second))?.error).toMatchObject({ supersededBy: idOf(last) });
    // the run that ran waited out its window, and ran with its own event's item
    const ran = byId.get(idOf(last));
    expect((ran?.ranAt ?? 0) - (ran?.createdAt.getTime() ?? 0)).toBeGreaterThanOrEqual(595);
    const detail = await getRun(t.engine.ctx.db, idOf(last));
    expect(detail.steps.find((s) => s.nodeId === 'mark')?.output).toMatchObject({ main: [{ seen: 4 }] });
    // an event after the window starts a run of its own, which supersedes nothing
    const later = await fireEvent(t.engine, deployed, { who: 'ann', i: 5 });
    const all = await settled(deployed.flowId, 5);
    expect(all.find((r) => r.id === idOf(later))?.status).toBe('succeeded');
    expect(all.filter((r) => r.status === 'canceled')).toHaveLength(2);
  });
});
