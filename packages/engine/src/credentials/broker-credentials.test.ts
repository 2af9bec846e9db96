// Broker credentials in runs and connection checks, on real Postgres, Redis and the machine's RabbitMQ,
// Mosquitto and NATS: a flow publishes and a real subscriber gets exactly what was sent; nothing of a secret is
// stored or logged even when a broker echoes it; allowedHosts binds the check as it binds the step.
import { schema } from '@tributary/db';
import { closeBrokerConnections } from '@tributary/nodes';
import {
  type BrokerSubscriber,
  closedPort,
  startAmqpEchoPeer,
  startCountingServer,
  subscribeAmqpQueue,
  subscribeMqttTopic,
  subscribeNatsSubject,
} from '@tributary/nodes/testing';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import {
  captureLog,
  deployFlow,
  finishedRun,
  fireEvent,
  manualFlow,
  runIdOf,
  startTestEngine,
  type TestEngine,
  waitFor,
} from '../testing/index.js';
import { testCredential } from './connection-check.js';
import { createCredential } from './store.js';

const AMQP_URL = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const MQTT_URL = process.env.MQTT_URL ?? 'mqtt://127.0.0.1:1883';
const NATS_SERVERS = process.env.NATS_SERVERS ?? 'nats://127.0.0.1:4222';
const ECHOED_PASSWORD = 'echo/me@if-you-dare';
const log = captureLog('debug');
let t: TestEngine;
const subscribers: BrokerSubscriber[] = [];

beforeAll(async () => {
  t = await startTestEngine(inject('templateDatabase'), { logger: log.logger });
});

afterAll(async () => {
  for (const subscriber of subscribers) await subscriber.close();
  await t?.close();
  await closeBrokerConnections();
});

let names = 0;
async function credential(type: string, data: Record<string, unknown>, allowedHosts?: string[]) {
  names += 1;
  return createCredential(
    t.engine.ctx.db,
    t.engine.ctx.keyring,
    { name: `${type} broker ${names}`, type, data, ...(allowedHosts ? { allowedHosts } : {}) },
    'test',
  );
}

async function runOne(type: string, config: Record<string, unknown>, item: unknown) {
  const flow = manualFlow(
    [{ id: 'publish', type, name: 'Publish', config, retry: { attempts: 1 } }],
    [{ id: 'e1', source: 'trigger', target: 'publish' }],
  );
  const deployed = await deployFlow(t.engine, flow);
  const run = await finishedRun(t.engine, runIdOf(await fireEvent(t.engine, deployed, item)));
  const step = run.steps.find((s) => s.nodeId === 'publish');
  if (!step) throw new Error('the publish step did not run');
  return { run, step };
}

async function received(subscriber: BrokerSubscriber, count: number) {
  return waitFor(() => subscriber.received.length >= count && subscriber.received, {
    what: `${count} message(s) on ${subscriber.name}`,
  });
}

async function everythingStored(): Promise<string> {
  const db = t.engine.ctx.db;
  const tables = [schema.runs, schema.steps, schema.events, schema.deadLetters, schema.auditLog];
  return JSON.stringify(await Promise.all(tables.map((table) => db.select().from(table))));
}

describe('a flow publishes to a real broker', () => {
  test('AMQP: an expression-built JSON body reaches the queue, confirmed', async () => {
    const queue = await subscribeAmqpQueue(AMQP_URL);
    subscribers.push(queue);
    const { id } = await credential('amqp', { url: AMQP_URL });
    const { run, step } = await runOne(
      'action.amqp-publish',
      {
        credential: id,
        routingKey: queue.name,
        body: { order: '{{ orderId }}', total: 42 },
        headers: { via: 'flow' },
      },
      { orderId: 'A-7' },
    );
    expect(run.status).toBe('succeeded');
    const [message, ...more] = await received(queue, 1);
    expect(more).toEqual([]);
    expect(JSON.parse(message?.body ?? '')).toEqual({ order: 'A-7', total: 42 });
    expect(message).toMatchObject({
      contentType: 'application/json',
      messageId: step.id,
      headers: { via: 'flow' },
    });
    expect(step.output).toEqual({
      main: [{ exchange: '', routingKey: queue.name, messageId: step.id, routed: true }],
    });
  });

  test('MQTT: a text payload reaches the topic at QoS 1', async () => {
    const topic = await subscribeMqttTopic(MQTT_URL);
    subscribers.push(topic);
    const { id } = await credential('mqtt', { url: MQTT_URL, clientId: 'flows' });
    const { run, step } = await runOne(
      'action.mqtt-publish',
      { credential: id, topic: topic.name, payload: 'door {{ door }} open', qos: 1 },
      { door: 'north' },
    );
    expect(run.status).toBe('succeeded');
    const [message, ...more] = await received(topic, 1);
    expect(more).toEqual([]);
    expect(message).toMatchObject({
      body: 'door north open',
      contentType: 'text/plain; charset=utf-8',
      messageId: step.id,
    });
    expect(step.output).toEqual({ main: [{ topic: topic.name, qos: 1, retain: false, messageId: step.id }] });
  });

  test('NATS: a JSON payload with headers reaches the subject', async () => {
    const subject = await subscribeNatsSubject(NATS_SERVERS);
    subscribers.push(subject);
    const { id } = await credential('nats', { servers: NATS_SERVERS });
    const { run, step } = await runOne(
      'action.nats-publish',
      { credential: id, subject: subject.name, payload: { sku: '{{ sku }}' }, headers: { Source: 'flow' } },
      { sku: 'X-1' },
    );
    expect(run.status).toBe('succeeded');
    const [message, ...more] = await received(subject, 1);
    expect(more).toEqual([]);
    expect(message).toMatchObject({
      body: '{"sku":"X-1"}',
      contentType: 'application/json',
      messageId: step.id,
      headers: { Source: 'flow' },
    });
    expect(step.output).toEqual({ main: [{ subject: subject.name, messageId: step.id }] });
  });
});

describe('secrets of broker credentials', () => {
  test('a broker that echoes the URL with the password leaves no trace of either in the run, the dead letter or the logs', async () => {
    const peer = await startAmqpEchoPeer();
    try {
      const url = `amqp://flows:${encodeURIComponent(ECHOED_PASSWORD)}@127.0.0.1:${peer.port}/`;
      const { id } = await credential('amqp', { url });
      const { run, step } = await runOne(
        'action.amqp-publish',
        { credential: id, routingKey: 'k', body: 1 },
        {},
      );
      expect(peer.refused).toBe(1);
      expect(run.status).toBe('failed');
      expect(step.error).toMatchObject({ code: 'broker_refused', retryable: false });
      expect((step.error as { message?: string } | null)?.message).toContain(
        `amqp://flows:********@127.0.0.1:${peer.port}/`,
      );
      const stored = await everythingStored();
      expect(stored).toContain('********');
      expect(stored).not.toContain(ECHOED_PASSWORD);
      expect(stored).not.toContain(encodeURIComponent(ECHOED_PASSWORD));
      expect(log.lines.join('')).not.toContain(ECHOED_PASSWORD);
    } finally {
      await peer.close();
    }
  });

  test('allowedHosts: a broker host outside them fails the step before any connection is made', async () => {
    const server = await startCountingServer();
    try {
      const { id } = await credential('amqp', { url: `amqp://guest:guest@127.0.0.1:${server.port}` }, [
        'rabbit.example.com',
      ]);
      const { run, step } = await runOne(
        'action.amqp-publish',
        { credential: id, routingKey: 'k', body: 1 },
        {},
      );
      expect(run.status).toBe('failed');
      expect(step.error).toMatchObject({ code: 'host_not_allowed', retryable: false });
      expect(server.connections).toBe(0);
    } finally {
      await server.close();
    }
  });

  test('a broker that is down fails the attempt as retryable, saying so', async () => {
    const port = await closedPort();
    const { id } = await credential('mqtt', { url: `mqtt://127.0.0.1:${port}` });
    const { step } = await runOne('action.mqtt-publish', { credential: id, topic: 'a/b', payload: 1 }, {});
    expect(step.error).toMatchObject({ code: 'broker_unavailable', retryable: true });
    expect((step.error as { message?: string } | null)?.message).toContain('is the broker running?');
  });
});

describe('testCredential with broker credentials', () => {
  const check = (id: string) => testCredential(t.engine.ctx, id);

  test('connects and logs in to each broker', async () => {
    const amqp = await credential('amqp', { url: AMQP_URL });
    expect(await check(amqp.id)).toMatchObject({
      ok: true,
      message: expect.stringMatching(/^connected to RabbitMQ/),
    });
    const mqtt = await credential('mqtt', { url: MQTT_URL });
    expect(await check(mqtt.id)).toEqual({
      ok: true,
      message: 'connected to the MQTT broker at 127.0.0.1:1883',
    });
    const nats = await credential('nats', { servers: NATS_SERVERS });
    expect(await check(nats.id)).toMatchObject({
      ok: true,
      message: expect.stringContaining('JetStream on'),
    });
  });

  test('fails clearly for a wrong password and an unreachable host, naming no secret', async () => {
    const wrong = await credential('amqp', { url: 'amqp://guest:not-guest-at-all@127.0.0.1:5672' });
    const refused = await check(wrong.id);
    expect(refused.ok).toBe(false);
    expect(refused.message).toContain('refused the connection: Handshake terminated by server: 403');
    expect(refused.message).not.toContain('not-guest-at-all');
    const port = await closedPort();
    const down = await credential('nats', { servers: `127.0.0.1:${port}` });
    expect(await check(down.id)).toEqual({
      ok: false,
      message: `Could not connect to NATS at 127.0.0.1:${port} (CONNECTION_REFUSED); is the server running?`,
    });
  });

  test('is bound by allowedHosts: another host is refused with no connection made', async () => {
    const server = await startCountingServer();
    try {
      const { id } = await credential('mqtt', { url: `mqtt://127.0.0.1:${server.port}` }, [
        'mqtt.example.com',
      ]);
      expect(await check(id)).toEqual({
        ok: false,
        message: 'The credential may only be used with mqtt.example.com, not with 127.0.0.1',
      });
      expect(server.connections).toBe(0);
    } finally {
      await server.close();
    }
  });
});
