// Schedules across a restart: no fire is ingested twice, and fires missed while no worker ran are caught up
// at most once.
import { schema } from '@tributary/db';
import { eq } from 'drizzle-orm';
import { afterAll, expect, inject, test } from 'vitest';
import { createLogger } from '../core/index.js';
import { createEngine, type Engine } from '../engine.js';
import {
  deployFlow,
  startTestEngine,
  TEST_KEYRING,
  TEST_REDIS_URL,
  type TestEngine,
  waitFor,
} from '../testing/index.js';

let t: TestEngine | undefined;
let second: Engine | undefined;

afterAll(async () => {
  await second?.close();
  await t?.close();
});

test('after a stop and a restart, missed fires are caught up at most once and no fire is ingested twice', {
  timeout: 60_000,
}, async () => {
  t = await startTestEngine(inject('templateDatabase'), { sweepMs: 300 });
  const deployed = await deployFlow(t.engine, {
    name: 'Ticks',
    slug: 'ticks',
    nodes: [{ id: 'tick', type: 'trigger.schedule', name: 'Tick', config: { cron: '* * * * * *' } }],
    edges: [],
  });
  const fires = async () =>
    (
      await t?.engine.ctx.db
        .select({ payload: schema.events.payload, key: schema.events.idempotencyKey })
        .from(schema.events)
        .where(eq(schema.events.source, `schedule:${deployed.flowId}`))
    )?.map((e) => ({ key: e.key, at: Date.parse((e.payload as { scheduledFor: string }).scheduledFor) })) ??
    [];
  await waitFor(async () => (await fires()).length >= 2, { what: 'the first fires' });

  // every worker of the first process goes away (the database and Redis stay)
  await t.engine.close();
  const stoppedAt = Date.now();
  await new Promise((resolve) => setTimeout(resolve, 3_500));
  const restartedAt = Date.now();
  second = createEngine({
    db: t.database.handle,
    redisUrl: TEST_REDIS_URL,
    queuePrefix: t.prefix,
    logger: createLogger({ level: 'silent' }),
    keyring: TEST_KEYRING,
    defaultMetrics: false,
  });
  second.startWorker({ concurrency: 5 });
  second.startSweeper(300, { minAgeMs: 200 });
  await second.flowsChanged();
  await waitFor(async () => (await fires()).some((f) => f.at > restartedAt + 1_000), {
    what: 'fires after the restart',
  });

  const all = await fires();
  expect(new Set(all.map((f) => f.key)).size).toBe(all.length);
  expect(new Set(all.map((f) => f.at)).size).toBe(all.length);
  // three slots passed while nothing ran; at most one of them is fired late
  const missed = all.filter((f) => f.at > stoppedAt + 500 && f.at < restartedAt - 500);
  expect(missed.length).toBeLessThanOrEqual(1);
});
