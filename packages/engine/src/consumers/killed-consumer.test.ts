// A worker process consuming a broker trigger is killed with SIGKILL in the middle of 500 messages: what it
// had committed is acknowledged or delivered again to the survivor and deduplicated by its message id, what
// it had not is delivered again — every message ends with exactly one run.
import type { ChildProcess } from 'node:child_process';
import { testDbKind } from '@tributary/db/testing';
import { connect as connectAmqp } from 'amqplib';
import { afterAll, beforeAll, expect, inject, test } from 'vitest';
import {
  AMQP_URL,
  brokerFlow,
  oneRunEach,
  retire,
  runsPerMessage,
  unique,
} from '../testing/broker-triggers.js';
import { startTestEngine, startWorkerProcess, type TestEngine, waitFor } from '../testing/index.js';
import { BrokerConsumers } from './broker-consumers.js';

let t: TestEngine | undefined;
let child: ChildProcess | undefined;

beforeAll(async () => {
  if (testDbKind() !== 'pglite') t = await startTestEngine(inject('templateDatabase'));
});

afterAll(async () => {
  child?.kill('SIGKILL');
  await t?.close();
});

test.skipIf(testDbKind() === 'pglite')(
  // PGlite is an in-process database: a second process cannot open it
  'a consuming worker killed with SIGKILL mid-stream: every message ends with exactly one run',
  async () => {
    if (!t) throw new Error('no engine');
    const engine = t;
    const queue = unique('killed');
    const connection = await connectAmqp(AMQP_URL);
    try {
      const channel = await connection.createConfirmChannel();
      await channel.assertQueue(queue, { durable: true });
      const flow = await brokerFlow(
        engine.engine,
        'trigger.amqp',
        { url: AMQP_URL },
        { queue, prefetch: 50 },
      );
      child = await startWorkerProcess(engine, { WORKER_CONSUMERS: 'doomed' });
      await waitFor(async () => (await channel.checkQueue(queue)).consumerCount === 1, {
        timeoutMs: 30_000,
        what: 'the worker process to consume',
      });
      const total = 500;
      for (let n = 0; n < total; n += 1) {
        channel.sendToQueue(queue, Buffer.from(JSON.stringify({ n })), {
          contentType: 'application/json',
          messageId: `k-${n}`,
          persistent: true,
        });
      }
      await channel.waitForConfirms();
      await waitFor(async () => (await runsPerMessage(engine.engine, flow.flowId)).size >= 50, {
        timeoutMs: 60_000,
        what: 'the worker process to be in the middle of the messages',
      });
      child.kill('SIGKILL');
      const before = (await runsPerMessage(engine.engine, flow.flowId)).size;
      expect(before).toBeLessThan(total);

      const survivor = new BrokerConsumers(engine.engine.ctx, {
        maxMessageBytes: 1024,
        syncMs: 500,
        instance: 'survivor',
      });
      survivor.start();
      try {
        const counts = await waitFor(
          async () => {
            const seen = await runsPerMessage(engine.engine, flow.flowId);
            return seen.size >= total && seen;
          },
          { timeoutMs: 90_000, intervalMs: 250, what: `${total} messages to start runs` },
        );
        await new Promise((resolve) => setTimeout(resolve, 1_000));
        expect(oneRunEach(await runsPerMessage(engine.engine, flow.flowId), total)).toBe(true);
        expect(counts.size).toBe(total);
        expect((await channel.checkQueue(queue)).messageCount).toBe(0);
        await retire(engine.engine, flow.flowId);
        await survivor.sync();
      } finally {
        await survivor.close();
      }
      await channel.deleteQueue(queue);
    } finally {
      await connection.close();
    }
  },
  180_000,
);
