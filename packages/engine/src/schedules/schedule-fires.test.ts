// A schedule trigger on real Postgres and Redis: fires on its cron pattern, once per slot, until deactivated.
import { schema } from '@tributary/db';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { deactivateFlow } from '../flows/index.js';
import { getRun } from '../history/index.js';
import { deployFlow, startTestEngine, type TestEngine, waitFor } from '../testing/index.js';

let t: TestEngine;

beforeAll(async () => {
  t = await startTestEngine(inject('templateDatabase'), { sweepMs: 300 });
});
afterAll(async () => {
  await t?.close();
});

async function runsOf(flowId: string) {
  return t.engine.ctx.db.select().from(schema.runs).where(eq(schema.runs.flowId, flowId));
}

describe('schedules', () => {
  test('a schedule trigger fires on its cron pattern, once per slot, and stops when deactivated', async () => {
    const deployed = await deployFlow(t.engine, {
      name: 'Every second',
      slug: 'every-second',
      nodes: [
        { id: 'tick', type: 'trigger.schedule', name: 'Tick', config: { cron: '* * * * * *' } },
        { id: 'sum', type: 'logic.event-summary', name: 'Summary', config: { types: ['track'] } },
      ],
      edges: [{ id: 'e1', source: 'tick', target: 'sum' }],
    });
    const runs = await waitFor(async () => {
      const all = await runsOf(deployed.flowId);
      return all.filter((r) => r.status === 'succeeded').length >= 2 ? all : undefined;
    });
    const first = await getRun(t.engine.ctx.db, runs[0]?.id ?? '');
    expect(first.steps.find((s) => s.nodeId === 'sum')?.output).toMatchObject({
      main: [{ total: expect.any(Number), byType: expect.any(Object), byName: expect.any(Object) }],
    });
    const events = await t.engine.ctx.db
      .select({ key: schema.events.idempotencyKey, payload: schema.events.payload })
      .from(schema.events)
      .where(eq(schema.events.source, `schedule:${deployed.flowId}`));
    const slots = events.map((e) => (e.payload as { scheduledFor: string }).scheduledFor);
    expect(new Set(slots).size).toBe(slots.length);
    await deactivateFlow(t.engine.ctx.db, deployed.flowId, 'test');
    await t.engine.flowsChanged();
    expect(await t.engine.schedules.queue.getJobSchedulers()).toEqual([]);
    const count = (await runsOf(deployed.flowId)).length;
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect((await runsOf(deployed.flowId)).length).toBeLessThanOrEqual(count + 1);
  });
});
