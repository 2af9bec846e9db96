// Broker triggers on the machine's RabbitMQ, Mosquitto and NATS JetStream, with real Postgres and Redis:
// every message starts exactly one run with two engines competing, nothing is lost while Postgres hangs,
// an oversized message goes to the dead-letter path once, deactivating stops consuming, a new version
// consumes its new config, a RabbitMQ node and a JetStream server restarted under load lose and double
// nothing, and an MQTT trigger's one consumer hands over to another engine and keeps what a restarted
// Mosquitto received while no consumer was connected.
import { randomBytes } from 'node:crypto';
import { openDb } from '@tributary/db';
import { testDbKind } from '@tributary/db/testing';
import { ValidationError } from '@tributary/flow';
import { parseAllowList } from '@tributary/nodes';
import { connect as connectAmqp } from 'amqplib';
import { connectAsync as connectMqtt } from 'mqtt';
import { connect as connectNats, type JetStreamClient, headers as natsHeaders } from 'nats';
import { afterAll, afterEach, beforeAll, describe, expect, inject, test } from 'vitest';
import { createLogger } from '../core/index.js';
import { createCredential } from '../credentials/index.js';
import { createEngine, type Engine } from '../engine.js';
import { createFlow, getFlow, publishFlow, updateDraft } from '../flows/index.js';
import {
  AMQP_URL,
  brokerFlow,
  counted,
  eventsAndRuns,
  MQTT_URL,
  NATS_SERVERS,
  oneRunEach,
  retire,
  runsPerMessage,
  startHangingRelay,
  startJetStreamServer,
  startMosquittoServer,
  startRabbitMqServer,
  unique,
} from '../testing/broker-triggers.js';
import { startTestEngine, TEST_KEYRING, TEST_REDIS_URL, type TestEngine, waitFor } from '../testing/index.js';
import { BrokerConsumers, type ConsumerOptions } from './broker-consumers.js';

const COUNT = 500;
const MAX_BYTES = 64 * 1024;
const silent = createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });

let t: TestEngine;
/** A second engine on the same database and queues: another worker process, in-process. */
let other: Engine;
const closers: Array<() => Promise<void>> = [];
/** The consumers a test started: closed when it ends, so no later test's flow is consumed by them. */
let running: BrokerConsumers[] = [];
/** Queues the tests declared, deleted at the end. */
const queues = new Set<string>();

beforeAll(async () => {
  t = await startTestEngine(inject('templateDatabase'), { concurrency: 20 });
  other = createEngine({
    db: t.database.handle,
    redisUrl: TEST_REDIS_URL,
    queuePrefix: t.prefix,
    logger: silent,
    httpAllow: parseAllowList('127.0.0.1'),
    keyring: TEST_KEYRING,
    defaultMetrics: false,
  });
});

afterEach(async () => {
  // the test's flows are deactivated by now: a last sync retires their consumers (MQTT unsubscribes)
  other.ctx.live.invalidate();
  for (const consumers of running) {
    await consumers.sync();
    await consumers.close();
  }
  running = [];
});

afterAll(async () => {
  if (queues.size > 0) {
    const connection = await connectAmqp(AMQP_URL);
    const channel = await connection.createChannel();
    for (const queue of queues) await channel.deleteQueue(queue).catch(() => undefined);
    await connection.close();
  }
  for (const close of closers.reverse()) await close();
  await other?.close();
  await t?.close();
});

/** Consumers of `engine` for this test alone, closed after the file. */
function consumersOf(engine: Engine, options: Partial<ConsumerOptions> = {}): BrokerConsumers {
  const consumers = new BrokerConsumers(engine.ctx, {
    maxMessageBytes: MAX_BYTES,
    syncMs: 500,
    instance: randomBytes(4).toString('hex'),
    ...options,
  });
  consumers.start();
  running.push(consumers);
  return consumers;
}

/** Waits until the flow's consumer on each engine is connected (its queue declared, its subscription made). */
function connected(flowId: string, ...engines: Engine[]) {
  return waitFor(
    async () => (await Promise.all(engines.map((e) => consumerConnected(e, flowId)))).every(Boolean),
    { timeoutMs: 20_000, what: 'the consumers to connect' },
  );
}

async function allOnce(engine: Engine, flowId: string, count: number, timeoutMs = 90_000) {
  const counts = await waitFor(
    async () => {
      const seen = await runsPerMessage(engine, flowId);
      return seen.size >= count && seen;
    },
    { timeoutMs, intervalMs: 250, what: `${count} messages to start runs` },
  );
  // a while longer: a message that starts a second run shows up now
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  const settled = await runsPerMessage(engine, flowId);
  expect(oneRunEach(settled, count)).toBe(true);
  return counts;
}

/**
 * Publishes persistent messages `{ n }` with message ids, in batches that wait for the broker's confirms; a
 * batch the broker did not confirm (it went away) is sent again once it is back — the same ids, so a message
 * it had kept after all starts no second run.
 */
async function publishThroughRestarts(url: string, queue: string, total: number): Promise<void> {
  const batch = 20;
  for (let from = 0; from < total; from += batch) {
    for (;;) {
      const connection = await connectAmqp(url).catch(() => undefined);
      if (!connection) {
        await new Promise((resolve) => setTimeout(resolve, 200));
        continue;
      }
      connection.on('error', () => {});
      try {
        const channel = await connection.createConfirmChannel();
        for (let n = from; n < Math.min(from + batch, total); n += 1) {
          channel.sendToQueue(queue, Buffer.from(JSON.stringify({ n })), {
            contentType: 'application/json',
            persistent: true,
            messageId: `r-${n}`,
          });
        }
        await channel.waitForConfirms();
        await connection.close();
        break;
      } catch {
        await connection.close().catch(() => undefined);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }
  }
}

async function openAmqp() {
  const connection = await connectAmqp(AMQP_URL);
  const channel = await connection.createConfirmChannel();
  closers.push(() => connection.close().catch(() => undefined));
  return channel;
}

describe('AMQP trigger', () => {
  test('500 messages, two engines competing: each message starts exactly one run', async () => {
    const queue = unique('orders');
    queues.add(queue);
    const channel = await openAmqp();
    await channel.assertQueue(queue, { durable: true });
    const flow = await brokerFlow(t.engine, 'trigger.amqp', { url: AMQP_URL }, { queue, prefetch: 10 });
    consumersOf(t.engine);
    consumersOf(other);
    await connected(flow.flowId, t.engine, other);
    for (let n = 0; n < COUNT; n += 1) {
      channel.sendToQueue(queue, Buffer.from(JSON.stringify({ n })), {
        contentType: 'application/json',
        persistent: true,
        // half without an id: no idempotency key can hide a doubled delivery of those
        ...(n % 2 === 0 ? { messageId: `m-${n}` } : {}),
        headers: { 'x-source': 'test' },
      });
    }
    await channel.waitForConfirms();
    await allOnce(t.engine, flow.flowId, COUNT);
    // both engines took a share
    expect(await counted(t.engine.ctx.metrics.registry, 'acked', flow.flowId)).toBeGreaterThan(0);
    expect(await counted(other.ctx.metrics.registry, 'acked', flow.flowId)).toBeGreaterThan(0);
    const events = await eventsAndRuns(t.engine, flow.flowId);
    const first = events.find((e) => (e.item.body as { n: number }).n === 0);
    expect(first?.key).toBe('m-0');
    expect(first?.item).toMatchObject({
      body: { n: 0 },
      headers: { 'x-source': 'test' },
      routingKey: queue,
      properties: { exchange: '', contentType: 'application/json', messageId: 'm-0', deliveryMode: 2 },
    });
    expect(events.find((e) => (e.item.body as { n: number }).n === 1)?.key).toBeNull();
    expect((await channel.checkQueue(queue)).messageCount).toBe(0);
    await retire(t.engine, flow.flowId);
  }, 150_000);

  test('a RabbitMQ node restarted under load: every message starts one run, none twice', async () => {
    // a node of this test's own: restarting the machine's broker would cut off the other tests' connections
    const server = await startRabbitMqServer();
    closers.push(() => server.close());
    const queue = unique('restart');
    const flow = await brokerFlow(t.engine, 'trigger.amqp', { url: server.url }, { queue, prefetch: 10 });
    consumersOf(t.engine);
    await connected(flow.flowId, t.engine);
    const total = 300;
    const publishing = publishThroughRestarts(server.url, queue, total);
    const started = await waitFor(
      async () => {
        const seen = (await runsPerMessage(t.engine, flow.flowId)).size;
        return seen >= 50 && seen;
      },
      { timeoutMs: 60_000, what: 'the first runs' },
    );
    // mid-stream: messages are still to be consumed (or published) when the node goes down
    expect(started).toBeLessThan(total);
    await server.restart();
    await publishing;
    await allOnce(t.engine, flow.flowId, total, 150_000);
    await retire(t.engine, flow.flowId);
  }, 300_000);

  test('an oversized message is rejected to the dead-letter queue once; the next message still runs', async () => {
    const queue = unique('big');
    const deadLetters = unique('big-dlq');
    queues.add(queue).add(deadLetters);
    const channel = await openAmqp();
    await channel.assertQueue(deadLetters, { durable: true });
    await channel.assertQueue(queue, {
      durable: true,
      deadLetterExchange: '',
      deadLetterRoutingKey: deadLetters,
    });
    const flow = await brokerFlow(t.engine, 'trigger.amqp', { url: AMQP_URL }, { queue, assertQueue: false });
    consumersOf(t.engine);
    await connected(flow.flowId, t.engine);
    channel.sendToQueue(queue, Buffer.alloc(MAX_BYTES + 1, 'x'), { messageId: 'big' });
    channel.sendToQueue(queue, Buffer.from('{"n":0}'), { contentType: 'application/json' });
    await channel.waitForConfirms();
    await allOnce(t.engine, flow.flowId, 1);
    const dead = await waitFor(async () => (await channel.get(deadLetters, { noAck: true })) || undefined, {
      what: 'the oversized message in the dead-letter queue',
    });
    expect(dead.properties.messageId).toBe('big');
    expect(dead.content.length).toBe(MAX_BYTES + 1);
    const registry = t.engine.ctx.metrics.registry;
    expect(await counted(registry, 'rejected', flow.flowId)).toBe(1);
    // not delivered again: received counts the big one once and the small one once
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(await counted(registry, 'received', flow.flowId)).toBe(2);
    await retire(t.engine, flow.flowId);
  }, 60_000);

  test('deactivating stops consuming (messages wait in the queue); a new version consumes its new queue', async () => {
    const [before, after] = [unique('v1'), unique('v2')];
    queues.add(before).add(after);
    const channel = await openAmqp();
    const flow = await brokerFlow(t.engine, 'trigger.amqp', { url: AMQP_URL }, { queue: before });
    const consumers = consumersOf(t.engine);
    await connected(flow.flowId, t.engine);
    channel.sendToQueue(before, Buffer.from('{"n":0}'), { contentType: 'application/json' });
    await channel.waitForConfirms();
    await allOnce(t.engine, flow.flowId, 1);

    await retire(t.engine, flow.flowId);
    await consumers.sync();
    expect(consumers.size).toBe(0);
    channel.sendToQueue(before, Buffer.from('{"n":1}'), { contentType: 'application/json' });
    await channel.waitForConfirms();
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    expect((await runsPerMessage(t.engine, flow.flowId)).size).toBe(1);
    expect((await channel.checkQueue(before)).messageCount).toBe(1);

    // version 2 listens on another queue: the old queue is left alone, the new one consumed
    await updateDraft(
      t.engine.ctx.db,
      flow.flowId,
      {
        name: `renamed ${after}`,
        slug: unique('slug'),
        nodes: [
          {
            id: 'trigger',
            type: 'trigger.amqp',
            name: 'Message',
            config: { credential: flow.credentialId, queue: after },
          },
        ],
        edges: [],
      },
      'test',
    );
    await publishFlow(t.engine.ctx.db, flow.flowId, 'test');
    await t.engine.flowsChanged();
    await consumers.sync();
    expect(consumers.size).toBe(1);
    await connected(flow.flowId, t.engine);
    channel.sendToQueue(after, Buffer.from('{"n":2}'), { contentType: 'application/json' });
    await channel.waitForConfirms();
    await waitFor(async () => (await runsPerMessage(t.engine, flow.flowId)).get(2) === 1, {
      what: 'the message on the new queue',
    });
    expect((await runsPerMessage(t.engine, flow.flowId)).has(1)).toBe(false);
    expect((await channel.checkQueue(before)).messageCount).toBe(1);
    await retire(t.engine, flow.flowId);
    await channel.deleteQueue(before);
  }, 60_000);

  test.skipIf(testDbKind() === 'pglite')(
    'while Postgres hangs nothing is acknowledged; once it answers every message starts one run (PGlite has no connection to hang)',
    async () => {
      const queue = unique('hang');
      queues.add(queue);
      const channel = await openAmqp();
      const flow = await brokerFlow(t.engine, 'trigger.amqp', { url: AMQP_URL }, { queue });
      const relay = await startHangingRelay(t.database.url ?? '');
      closers.push(() => relay.close());
      const db = await openDb({ url: relay.url, maxConnections: 4, connectTimeoutSeconds: 2 });
      closers.push(() => db.close().catch(() => undefined));
      const hanging = createEngine({
        db,
        redisUrl: TEST_REDIS_URL,
        queuePrefix: t.prefix,
        logger: silent,
        httpAllow: parseAllowList('127.0.0.1'),
        keyring: TEST_KEYRING,
        defaultMetrics: false,
        settings: { ingestTimeoutMs: 500 },
      });
      closers.push(() => hanging.close());
      const consumers = consumersOf(hanging);
      // closed before the engine it runs on
      closers.push(() => consumers.close());
      await connected(flow.flowId, hanging);
      relay.hang();
      // the file's other tests need the relay's engine to be able to stop, whatever happens here
      closers.push(async () => relay.recover());
      const count = 30;
      for (let n = 0; n < count; n += 1) {
        channel.sendToQueue(queue, Buffer.from(JSON.stringify({ n })), {
          contentType: 'application/json',
          messageId: `h-${n}`,
        });
      }
      await channel.waitForConfirms();
      const registry = hanging.ctx.metrics.registry;
      await waitFor(async () => (await counted(registry, 'redelivered', flow.flowId)) >= count, {
        timeoutMs: 30_000,
        what: 'every message to be handed back at least once',
      });
      expect(await counted(registry, 'acked', flow.flowId)).toBe(0);
      expect((await runsPerMessage(t.engine, flow.flowId)).size).toBe(0);

      relay.recover();
      await allOnce(t.engine, flow.flowId, count, 60_000);
      expect((await channel.checkQueue(queue)).messageCount).toBe(0);
      await retire(t.engine, flow.flowId);
      await consumers.sync();
    },
    120_000,
  );
});

describe('publishing a broker trigger', () => {
  test('an expression in its config is refused (the consumer starts before any run); nothing is published', async () => {
    const credential = await createCredential(
      t.engine.ctx.db,
      t.engine.ctx.keyring,
      { name: unique('amqp'), type: 'amqp', data: { url: AMQP_URL } },
      'test',
    );
    const name = unique('computed');
    const flow = await createFlow(
      t.engine.ctx.db,
      {
        name,
        slug: name,
        nodes: [
          {
            id: 'trigger',
            type: 'trigger.amqp',
            name: 'Message',
            config: { credential: credential.id, queue: '{{ $env.queue }}' },
          },
        ],
        edges: [],
      },
      'test',
    );
    const refused = await publishFlow(t.engine.ctx.db, flow.id, 'test').catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(ValidationError);
    expect((refused as ValidationError).problems).toEqual([
      expect.objectContaining({ path: 'nodes[0].config.queue', nodeId: 'trigger', code: 'invalid_config' }),
    ]);
    expect((await getFlow(t.engine.ctx.db, flow.id)).status).not.toBe('published');
  });
});

describe('MQTT trigger', () => {
  test('500 QoS 1 messages on a wildcard filter, two engines: one consumes (it holds the lease), the other takes over when it stops; one run each', async () => {
    const root = unique('sensors');
    const flow = await brokerFlow(
      t.engine,
      'trigger.mqtt',
      { url: MQTT_URL },
      { topic: `${root}/+/t`, qos: 1 },
    );
    const byEngine = new Map([
      [t.engine, consumersOf(t.engine)],
      [other, consumersOf(other)],
    ]);
    // exactly one of them consumes
    const consuming = await waitFor(
      async () => {
        const up = [];
        for (const engine of byEngine.keys())
          if (await consumerConnected(engine, flow.flowId)) up.push(engine);
        return up.length === 1 && up[0];
      },
      { timeoutMs: 20_000, what: 'one engine to consume' },
    );
    const idle = consuming === t.engine ? other : t.engine;
    expect(await consumerConnected(idle, flow.flowId)).toBe(false);
    const publisher = await connectMqtt(MQTT_URL, { protocolVersion: 5 });
    closers.push(() => publisher.endAsync());
    const publish = async (from: number, to: number) => {
      for (let n = from; n < to; n += 1) {
        await publisher.publishAsync(`${root}/s${n % 7}/t`, JSON.stringify({ n }), {
          qos: 1,
          properties: {
            contentType: 'application/json',
            userProperties: n % 2 === 0 ? { 'message-id': `q-${n}`, site: 'a' } : { site: 'a' },
          },
        });
      }
    };
    await publish(0, COUNT / 2);
    await waitFor(async () => (await runsPerMessage(t.engine, flow.flowId)).size >= 50, {
      timeoutMs: 60_000,
      what: 'the first runs',
    });
    // the consuming engine stops (a deploy): it gives its lease back, keeps the trigger's session, and the
    // other engine takes over that session at its next sync, with what arrived meanwhile
    await byEngine.get(consuming)?.close();
    await publish(COUNT / 2, COUNT);
    await waitFor(async () => consumerConnected(idle, flow.flowId), {
      timeoutMs: 20_000,
      what: 'the takeover',
    });
    await allOnce(t.engine, flow.flowId, COUNT);
    expect(await counted(consuming.ctx.metrics.registry, 'acked', flow.flowId)).toBeGreaterThan(0);
    expect(await counted(idle.ctx.metrics.registry, 'acked', flow.flowId)).toBeGreaterThan(0);
    const first = (await eventsAndRuns(t.engine, flow.flowId)).find(
      (e) => (e.item.body as { n: number }).n === 0,
    );
    expect(first?.key).toBe('q-0');
    expect(first?.item).toMatchObject({
      body: { n: 0 },
      headers: { 'message-id': 'q-0', site: 'a' },
      topic: `${root}/s0/t`,
      properties: { qos: 1, contentType: 'application/json' },
    });
    await retire(t.engine, flow.flowId);
  }, 150_000);

  test('a Mosquitto restarted while no consumer is connected keeps what is published meanwhile: one run each', async () => {
    // a broker of this test's own: restarting the machine's would cut off the other tests' connections
    const server = await startMosquittoServer();
    closers.push(() => server.close());
    const topic = unique('meters');
    const flow = await brokerFlow(t.engine, 'trigger.mqtt', { url: server.url }, { topic, qos: 1 });
    const first = consumersOf(t.engine);
    await connected(flow.flowId, t.engine);
    const publisher = await connectMqtt(server.url, { protocolVersion: 5, reconnectPeriod: 200 });
    closers.push(() => publisher.endAsync());
    const publish = async (from: number, to: number) => {
      for (let n = from; n < to; n += 1) {
        await publisher.publishAsync(topic, JSON.stringify({ n }), {
          qos: 1,
          properties: { contentType: 'application/json', userProperties: { 'message-id': `m-${n}` } },
        });
      }
    };
    await publish(0, 100);
    // every worker goes away (its session stays in the broker), then the broker restarts
    await first.close();
    await server.restart();
    await waitFor(() => publisher.connected, { what: 'the publisher to reconnect' });
    // published while the broker is back and no consumer is: kept in the trigger's session
    await publish(100, 200);
    consumersOf(t.engine);
    await allOnce(t.engine, flow.flowId, 200, 60_000);
    await retire(t.engine, flow.flowId);
  }, 120_000);

  test('an oversized message is acknowledged and logged, not delivered again', async () => {
    const topic = unique('big');
    const flow = await brokerFlow(t.engine, 'trigger.mqtt', { url: MQTT_URL }, { topic, qos: 1 });
    consumersOf(t.engine);
    await connected(flow.flowId, t.engine);
    const publisher = await connectMqtt(MQTT_URL, { protocolVersion: 5 });
    closers.push(() => publisher.endAsync());
    await publisher.publishAsync(topic, Buffer.alloc(MAX_BYTES + 1, 1), { qos: 1 });
    await publisher.publishAsync(topic, '{"n":0}', {
      qos: 1,
      properties: { contentType: 'application/json' },
    });
    await allOnce(t.engine, flow.flowId, 1);
    const registry = t.engine.ctx.metrics.registry;
    expect(await counted(registry, 'rejected', flow.flowId)).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(await counted(registry, 'received', flow.flowId)).toBe(2);
    await retire(t.engine, flow.flowId);
  }, 60_000);
});

async function consumerConnected(engine: Engine, flowId: string): Promise<boolean> {
  const { consumerMetrics } = await import('./consumer-metrics.js');
  const { values } = await consumerMetrics(engine.ctx.metrics.registry).connected.get();
  return values.some((v) => v.labels.flow === flowId && v.value === 1);
}

async function publishNumbered(js: JetStreamClient, subject: string, from: number, to: number) {
  for (let n = from; n < to; n += 1) {
    const h = natsHeaders();
    h.set('Content-Type', 'application/json');
    for (;;) {
      try {
        await js.publish(subject, Buffer.from(JSON.stringify({ n })), {
          msgID: `n-${n}`,
          headers: h,
          timeout: 2_000,
        });
        break;
      } catch {
        // the server is restarting: the same message again (its id makes JetStream keep one)
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  }
}

describe('NATS trigger', () => {
  test('500 JetStream messages, two engines on one durable consumer: one run each', async () => {
    const stream = unique('ORDERS');
    const subject = `${stream}.created`;
    const nc = await connectNats({ servers: NATS_SERVERS });
    closers.push(() => nc.close());
    const jsm = await nc.jetstreamManager();
    await jsm.streams.add({ name: stream, subjects: [`${stream}.>`] });
    closers.push(async () => {
      await jsm.streams.delete(stream).catch(() => undefined);
    });
    const flow = await brokerFlow(
      t.engine,
      'trigger.nats',
      { servers: NATS_SERVERS },
      { stream, subject: `${stream}.*`, durable: 'tributary' },
    );
    consumersOf(t.engine);
    consumersOf(other);
    await connected(flow.flowId, t.engine, other);
    await publishNumbered(nc.jetstream(), subject, 0, COUNT);
    await allOnce(t.engine, flow.flowId, COUNT);
    expect(await counted(t.engine.ctx.metrics.registry, 'acked', flow.flowId)).toBeGreaterThan(0);
    expect(await counted(other.ctx.metrics.registry, 'acked', flow.flowId)).toBeGreaterThan(0);
    const first = (await eventsAndRuns(t.engine, flow.flowId)).find(
      (e) => (e.item.body as { n: number }).n === 0,
    );
    expect(first?.key).toBe('n-0');
    expect(first?.item).toMatchObject({
      body: { n: 0 },
      headers: { 'Nats-Msg-Id': 'n-0' },
      subject,
      properties: { stream, consumer: 'tributary', deliveryCount: 1 },
    });
    const info = await jsm.consumers.info(stream, 'tributary');
    expect(info.num_pending + info.num_ack_pending).toBe(0);
    await retire(t.engine, flow.flowId);
  }, 150_000);

  test('an oversized message is terminated, not delivered again', async () => {
    const stream = unique('BIG');
    const nc = await connectNats({ servers: NATS_SERVERS });
    closers.push(() => nc.close());
    const jsm = await nc.jetstreamManager();
    await jsm.streams.add({ name: stream, subjects: [`${stream}.>`] });
    closers.push(async () => {
      await jsm.streams.delete(stream).catch(() => undefined);
    });
    const flow = await brokerFlow(
      t.engine,
      'trigger.nats',
      { servers: NATS_SERVERS },
      { stream, subject: `${stream}.>`, durable: 'big' },
    );
    consumersOf(t.engine);
    await connected(flow.flowId, t.engine);
    const js = nc.jetstream();
    await js.publish(`${stream}.x`, Buffer.alloc(MAX_BYTES + 1, 1));
    await publishNumbered(js, `${stream}.x`, 0, 1);
    await allOnce(t.engine, flow.flowId, 1);
    const registry = t.engine.ctx.metrics.registry;
    expect(await counted(registry, 'rejected', flow.flowId)).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(await counted(registry, 'received', flow.flowId)).toBe(2);
    const info = await jsm.consumers.info(stream, 'big');
    expect(info.num_pending + info.num_ack_pending).toBe(0);
    await retire(t.engine, flow.flowId);
  }, 60_000);

  test('a JetStream server restarted under load: every message starts one run, none twice', async () => {
    const server = await startJetStreamServer();
    closers.push(() => server.close());
    const servers = `nats://127.0.0.1:${server.port}`;
    const nc = await connectNats({
      servers,
      reconnect: true,
      maxReconnectAttempts: -1,
      reconnectTimeWait: 100,
    });
    closers.push(() => nc.close());
    const stream = unique('RESTART');
    const jsm = await nc.jetstreamManager();
    await jsm.streams.add({ name: stream, subjects: [`${stream}.>`] });
    const flow = await brokerFlow(
      t.engine,
      'trigger.nats',
      { servers },
      { stream, subject: `${stream}.>`, durable: 'restart' },
    );
    consumersOf(t.engine);
    await connected(flow.flowId, t.engine);
    const total = 300;
    const js = nc.jetstream();
    const publishing = publishNumbered(js, `${stream}.x`, 0, total);
    await waitFor(async () => (await runsPerMessage(t.engine, flow.flowId)).size >= 50, {
      timeoutMs: 60_000,
      what: 'the first runs',
    });
    await server.restart();
    await publishing;
    await allOnce(t.engine, flow.flowId, total, 120_000);
    await retire(t.engine, flow.flowId);
  }, 200_000);
});
