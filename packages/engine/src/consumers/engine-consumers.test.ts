// The engine's wiring of broker triggers: startConsumers consumes the live flows, and engine.close() stops
// consuming — a message sent afterwards stays in its queue for the next process.
import { parseAllowList } from '@tributary/nodes';
import { connect as connectAmqp } from 'amqplib';
import { afterAll, beforeAll, expect, inject, test } from 'vitest';
import { createLogger } from '../core/index.js';
import { createEngine } from '../engine.js';
import {
  AMQP_URL,
  brokerFlow,
  oneRunEach,
  retire,
  runsPerMessage,
  unique,
} from '../testing/broker-triggers.js';
import { startTestEngine, TEST_KEYRING, TEST_REDIS_URL, type TestEngine, waitFor } from '../testing/index.js';
import { consumerMetrics } from './consumer-metrics.js';

let t: TestEngine;

beforeAll(async () => {
  t = await startTestEngine(inject('templateDatabase'));
});

afterAll(async () => {
  await t?.close();
});

test('startConsumers consumes the live flows, and close() stops consuming', async () => {
  const queue = unique('wired');
  const connection = await connectAmqp(AMQP_URL);
  try {
    const channel = await connection.createConfirmChannel();
    const flow = await brokerFlow(t.engine, 'trigger.amqp', { url: AMQP_URL }, { queue });
    const engine = createEngine({
      db: t.database.handle,
      redisUrl: TEST_REDIS_URL,
      queuePrefix: t.prefix,
      logger: createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
      httpAllow: parseAllowList('127.0.0.1'),
      keyring: TEST_KEYRING,
      defaultMetrics: false,
    });
    const consumers = engine.startConsumers({ maxMessageBytes: 1024, syncMs: 500, instance: 'wired' });
    await waitFor(
      async () => {
        const { values } = await consumerMetrics(engine.ctx.metrics.registry).connected.get();
        return values.some((v) => v.labels.flow === flow.flowId && v.value === 1);
      },
      { what: 'the consumer to connect' },
    );
    channel.sendToQueue(queue, Buffer.from('{"n":0}'), { contentType: 'application/json' });
    await channel.waitForConfirms();
    await waitFor(async () => oneRunEach(await runsPerMessage(t.engine, flow.flowId), 1), {
      what: 'the run of the first message',
    });

    await engine.close();
    expect(consumers.size).toBe(0);
    channel.sendToQueue(queue, Buffer.from('{"n":1}'), { contentType: 'application/json' });
    await channel.waitForConfirms();
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect((await channel.checkQueue(queue)).messageCount).toBe(1);
    expect((await runsPerMessage(t.engine, flow.flowId)).size).toBe(1);
    await retire(t.engine, flow.flowId);
    await channel.deleteQueue(queue);
  } finally {
    await connection.close();
  }
}, 60_000);
