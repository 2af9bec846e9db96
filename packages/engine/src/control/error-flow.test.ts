// Error flows on real Postgres and Redis: a failed run starts the flow its settings name, exactly once, with
// what failed; an error flow's own failure starts nothing more; settings the engine does not act on, and
// error flows that cannot be, are refused where the flow is saved or published.
import { schema } from '@tributary/db';
import { ValidationError } from '@tributary/flow';
import { asc, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { createFlow, publishFlow } from '../flows/index.js';
import { getRun } from '../history/index.js';
import {
  deployFlow,
  finishedRun,
  fireEvent,
  runIdOf,
  startTestEngine,
  type TestEngine,
  waitFor,
} from '../testing/index.js';

let t: TestEngine;

beforeAll(async () => {
  t = await startTestEngine(inject('templateDatabase'));
});

afterAll(async () => {
  await t?.close();
});

function flow(slug: string, last: Record<string, unknown>, settings: Record<string, unknown> = {}) {
  return {
    name: `Flow ${slug}`,
    slug,
    settings,
    nodes: [
      { id: 'trigger', type: 'trigger.manual', name: 'Start', config: {} },
      { id: 'last', ...last },
    ],
    edges: [{ id: 'e1', source: 'trigger', target: 'last' }],
  };
}

const fail = (message: string) => ({ type: 'logic.stop-and-error', name: 'Fail', config: { message } });
const mark = { type: 'logic.set', name: 'Mark', config: { fields: { alerted: true } } };

async function runsOf(flowId: string) {
  return t.engine.ctx.db
    .select({ id: schema.runs.id, status: schema.runs.status })
    .from(schema.runs)
    .where(eq(schema.runs.flowId, flowId))
    .orderBy(asc(schema.runs.id));
}

describe('error flows', () => {
  test('a failed run starts its error flow once, with the flow, the run, the failed step and the error', async () => {
    const alerts = await deployFlow(t.engine, flow('alerts', mark));
    const fragile = await deployFlow(
      t.engine,
      flow('fragile', fail('the CRM said no'), { errorFlow: 'alerts' }),
    );
    const runIds = [
      runIdOf(await fireEvent(t.engine, fragile, { n: 1 })),
      runIdOf(await fireEvent(t.engine, fragile, { n: 2 })),
    ];
    for (const id of runIds) expect((await finishedRun(t.engine, id)).status).toBe('failed');
    const started = await waitFor(async () => {
      const runs = await runsOf(alerts.flowId);
      return runs.length === 2 && runs.every((r) => r.status === 'succeeded') ? runs : undefined;
    });
    const items = await Promise.all(
      started.map(async (r) => {
        const run = await getRun(t.engine.ctx.db, r.id);
        const start = run.steps.find((s) => s.name === 'Start');
        return (start?.output as { main: unknown[] } | undefined)?.main[0];
      }),
    );
    const failedRun = await getRun(t.engine.ctx.db, runIds[0] as string);
    const failedStep = failedRun.steps.find((s) => s.name === 'Fail');
    expect(items).toContainEqual({
      flow: { id: fragile.flowId, slug: 'fragile', name: 'Flow fragile', version: fragile.version },
      run: {
        id: runIds[0],
        eventId: failedRun.eventId,
        startedAt: failedRun.startedAt?.toISOString(),
        finishedAt: failedRun.finishedAt?.toISOString(),
      },
      failedStep: { id: failedStep?.id, nodeId: 'last', name: 'Fail', type: 'logic.stop-and-error' },
      error: expect.objectContaining({ message: 'the CRM said no', code: 'stopped' }),
    });
    expect(new Set(items.map((i) => (i as { run: { id: string } }).run.id))).toEqual(new Set(runIds));

    // asked again for a run that already started its error flow (a redelivery, say): nothing more
    const startErrorFlow = t.engine.ctx.startErrorFlow;
    if (!startErrorFlow) throw new Error('the engine has no error-flow hook');
    const again = await t.engine.ctx.db.transaction((tx) => startErrorFlow(tx, runIds[0] as string));
    expect(again).toEqual([]);
    expect(await runsOf(alerts.flowId)).toHaveLength(2);
  });

  test("an error flow's own failure starts no other error flow", async () => {
    const last = await deployFlow(t.engine, flow('last-resort', mark));
    const broken = await deployFlow(
      t.engine,
      flow('broken-alerts', fail('the pager is down'), { errorFlow: 'last-resort' }),
    );
    const origin = await deployFlow(
      t.engine,
      flow('origin', fail('first failure'), { errorFlow: 'broken-alerts' }),
    );
    const runId = runIdOf(await fireEvent(t.engine, origin, {}));
    expect((await finishedRun(t.engine, runId)).status).toBe('failed');
    const [brokenRun] = await waitFor(async () => {
      const runs = await runsOf(broken.flowId);
      return runs.length === 1 && runs[0]?.status === 'failed' ? runs : undefined;
    });
    expect(brokenRun?.status).toBe('failed');
    // the failed error flow's run settled in a transaction of its own: had it started last-resort, that run
    // would exist by now
    expect(await runsOf(last.flowId)).toEqual([]);
    // while a failure of broken-alerts from an ordinary event does start it
    const direct = runIdOf(await fireEvent(t.engine, broken, {}));
    expect((await finishedRun(t.engine, direct)).status).toBe('failed');
    await waitFor(async () => ((await runsOf(last.flowId)).length === 1 ? true : undefined));
  });

  test('publish refuses an error flow that does not exist or is the flow itself, and settings not acted on', async () => {
    const problemsOf = async (definition: unknown) => {
      const created = await createFlow(t.engine.ctx.db, definition, 'test', { allowInvalid: true });
      const err = await publishFlow(t.engine.ctx.db, created.id, 'test').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ValidationError);
      return (err as ValidationError).problems.map((p) => ({ path: p.path, code: p.code }));
    };
    expect(await problemsOf(flow('names-nothing', mark, { errorFlow: 'no-such-flow' }))).toEqual([
      { path: 'settings.errorFlow', code: 'error_flow_not_found' },
    ]);
    expect(await problemsOf(flow('names-itself', mark, { errorFlow: 'names-itself' }))).toEqual([
      { path: 'settings.errorFlow', code: 'error_flow_is_itself' },
    ]);
    // a time zone that is not one is refused where the flow is saved
    await expect(
      createFlow(t.engine.ctx.db, flow('nowhere-time', mark, { timezone: 'Mars/Olympus' }), 'test'),
    ).rejects.toThrow(ValidationError);
  });
});
