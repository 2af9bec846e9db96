import { randomBytes } from 'node:crypto';
import { FatalError, RetryableError } from '@tributary/flow';
import { connectAsync, type IPublishPacket, type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { errorOf } from '../../test/action-harness.js';
import { checkContext, runBrokerNode } from '../../test/broker-harness.js';
import {
  type BrokerProcess,
  closedPort,
  startCountingServer,
  startMosquitto,
} from '../../test/peers/broker-servers.js';
import { closeBrokerConnections } from '../brokers/connection-pool.js';
import { mqtt } from '../credentials/broker-types.js';
import { onlyObject } from '../logic/test-context.js';
import { mqttPublish } from './mqtt-publish.js';

// Publishes go to the Mosquitto on 127.0.0.1:1883 (anonymous), on topics of each test's own, and an mqtt.js
// subscriber reads them. Refused logins go to a Mosquitto this file starts with a password file.
const BROKER_URL = process.env.MQTT_URL ?? 'mqtt://127.0.0.1:1883';
const USER = 'flows';
const PASSWORD = 'mqtt-pa55word-never-shown';

let subscriber: MqttClient;
let locked: BrokerProcess;

beforeAll(async () => {
  subscriber = await connectAsync(BROKER_URL, { protocolVersion: 5, reconnectPeriod: 0 });
  locked = await startMosquitto({ username: USER, password: PASSWORD });
});
afterAll(async () => {
  await closeBrokerConnections();
  await subscriber?.endAsync();
  await locked?.close();
});

const uniqueTopic = () => `tributary-test/${randomBytes(5).toString('hex')}`;

/** Subscribes to `topic` and collects what arrives. */
async function listen(topic: string, qos: 0 | 1 | 2 = 2): Promise<IPublishPacket[]> {
  const got: IPublishPacket[] = [];
  subscriber.on('message', (t, _payload, packet) => {
    if (t === topic) got.push(packet);
  });
  await subscriber.subscribeAsync(topic, { qos });
  return got;
}

async function arrived(got: IPublishPacket[], count: number): Promise<IPublishPacket[]> {
  await expect.poll(() => got.length, { timeout: 5000 }).toBeGreaterThanOrEqual(count);
  // a moment for anything beyond what was expected
  await new Promise((resolve) => setTimeout(resolve, 100));
  return got;
}

type Config = z.input<typeof mqttPublish.config>;
const publish = (
  config: Omit<Config, 'credential'>,
  options: Partial<Parameters<typeof runBrokerNode>[2]> = {},
) =>
  runBrokerNode(
    mqttPublish,
    { credential: '5b0f1c2e-7d3a-4e9b-8c1d-2a3b4c5d6e7f', ...config },
    { type: 'mqtt', data: { url: BROKER_URL }, ...options },
  );

describe('action.mqtt-publish', () => {
  it('publishes a JSON payload at QoS 1 after the PUBACK, with its content type and message id', async () => {
    const topic = uniqueTopic();
    const got = await listen(topic);
    const payload = { sensor: 't-1', celsius: 21.5, tags: ['a', 'ü'] };
    const out = onlyObject(await publish({ topic, payload, qos: 1 }, { idempotencyKey: 'step-mqtt-1' }));
    expect(out).toEqual({ topic, qos: 1, retain: false, messageId: 'step-mqtt-1' });
    const [packet, ...more] = await arrived(got, 1);
    expect(more).toEqual([]);
    expect(JSON.parse(String(packet?.payload))).toEqual(payload);
    expect(packet?.qos).toBe(1);
    expect(packet?.properties?.contentType).toBe('application/json');
    expect(packet?.properties?.userProperties).toEqual({ 'message-id': 'step-mqtt-1' });
  });

  it('publishes text at QoS 2 and QoS 0', async () => {
    const topic = uniqueTopic();
    const got = await listen(topic);
    await publish({ topic, payload: 'exactly once', qos: 2 });
    await publish({ topic, payload: 'at most once', qos: 0 });
    const packets = await arrived(got, 2);
    // a QoS 2 delivery takes more round trips than a QoS 0 one, so either may arrive first
    const seen = packets.map((p) => [String(p.payload), p.qos, p.properties?.contentType]);
    expect(seen).toHaveLength(2);
    expect(seen).toEqual(
      expect.arrayContaining([
        ['exactly once', 2, 'text/plain; charset=utf-8'],
        ['at most once', 0, 'text/plain; charset=utf-8'],
      ]),
    );
  });

  it('retains the message for later subscribers when asked', async () => {
    const topic = uniqueTopic();
    await publish({ topic, payload: { state: 'on' }, retain: true });
    const late = await connectAsync(BROKER_URL, { protocolVersion: 5, reconnectPeriod: 0 });
    try {
      const got: IPublishPacket[] = [];
      late.on('message', (_t, _p, packet) => got.push(packet));
      await late.subscribeAsync(topic, { qos: 1 });
      await expect.poll(() => got.length, { timeout: 5000 }).toBe(1);
      expect(got[0]?.retain).toBe(true);
      expect(String(got[0]?.payload)).toBe('{"state":"on"}');
    } finally {
      // an empty retained message clears it
      await late.publishAsync(topic, '', { retain: true, qos: 1 });
      await late.endAsync();
    }
  });

  it('logs in with the credential’s user name and password', async () => {
    const url = `mqtt://127.0.0.1:${locked.port}`;
    const out = onlyObject(
      await publish(
        { topic: uniqueTopic(), payload: 'x' },
        { data: { url, username: USER, password: PASSWORD } },
      ),
    );
    expect(out.qos).toBe(1);
  });

  it('fails fatally when the broker refuses the login, without the password', async () => {
    const url = `mqtt://127.0.0.1:${locked.port}`;
    const wrong = `${PASSWORD}-not`;
    const err = await errorOf(
      // an edited credential is a new version: the connection the right password opened is not used
      publish(
        { topic: uniqueTopic(), payload: 'x' },
        { data: { url, username: USER, password: wrong }, version: 'v2' },
      ),
    );
    expect(err).toBeInstanceOf(FatalError);
    expect(err).toMatchObject({ code: 'broker_auth' });
    expect(err.message).toBe(
      `the MQTT broker at 127.0.0.1:${locked.port} refused the login: Connection refused: Not authorized`,
    );
  });

  it('gives a retryable error that says the broker may be down when nothing listens', async () => {
    const port = await closedPort();
    const err = await errorOf(
      publish({ topic: 'a', payload: 1 }, { data: { url: `mqtt://127.0.0.1:${port}` } }),
    );
    expect(err).toBeInstanceOf(RetryableError);
    expect(err).toMatchObject({ code: 'broker_unavailable' });
    expect(err.message).toBe(
      `Could not connect to the MQTT broker at 127.0.0.1:${port} (ECONNREFUSED); is the broker running?`,
    );
  });

  it('refuses a host outside the credential’s allowed hosts, and loopback under the default policy, before connecting', async () => {
    const server = await startCountingServer();
    try {
      const url = `mqtt://broker.test:${server.port}`;
      const outside = await errorOf(
        publish({ topic: 'a', payload: 1 }, { data: { url }, allowedHosts: ['mqtt.example.com'] }),
      );
      expect(outside).toMatchObject({ code: 'host_not_allowed' });
      const blocked = await errorOf(publish({ topic: 'a', payload: 1 }, { data: { url }, allow: '' }));
      expect(blocked).toMatchObject({ code: 'ssrf_blocked' });
      expect(server.connections).toBe(0);
    } finally {
      await server.close();
    }
  });

  it('keeps its JSON Schema for the editor', () => {
    expect(z.toJSONSchema(mqttPublish.config, { io: 'input' })).toMatchSnapshot();
  });
});

describe('action.mqtt-publish config', () => {
  const problems = (config: Record<string, unknown>) => {
    const result = mqttPublish.config.safeParse({
      credential: '5b0f1c2e-7d3a-4e9b-8c1d-2a3b4c5d6e7f',
      ...config,
    });
    return result.success ? [] : result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
  };

  it('refuses wildcard topics and QoS other than 0, 1 and 2', () => {
    expect(problems({ topic: 'a/+/c', payload: 1 })).toEqual([
      'topic: a topic to publish to has no wildcards ("+", "#")',
    ]);
    expect(problems({ topic: 'a/#', payload: 1 })).toHaveLength(1);
    expect(problems({ topic: 'a', payload: 1, qos: 3 })[0]).toMatch(/^qos: /);
    expect(problems({ topic: 'a/b', payload: { x: 1 } })).toEqual([]);
  });
});

describe('mqtt credential', () => {
  it('marks the password secret and keeps user info out of the URL', () => {
    expect(mqtt.secretFields).toEqual(['password']);
    const result = mqtt.data.safeParse({ url: 'mqtt://user:hunter22@broker.example.com' });
    expect(result.success).toBe(false);
    expect(JSON.stringify(result.error?.issues)).not.toContain('hunter22');
    expect(mqtt.data.safeParse({ url: 'mqtt://broker.example.com', password: 'x' }).success).toBe(false);
    expect(mqtt.data.safeParse({ url: 'mqtts://broker.example.com:8883', clientId: 'shop' }).success).toBe(
      true,
    );
  });

  const check = (data: z.input<typeof mqtt.data>, allow?: string) => {
    if (!mqtt.test) throw new Error('the mqtt credential has no test');
    return mqtt.test(mqtt.data.parse(data), checkContext(allow));
  };

  it('connects and logs in', async () => {
    const url = `mqtt://127.0.0.1:${locked.port}`;
    expect(await check({ url, username: USER, password: PASSWORD })).toEqual({
      ok: true,
      message: `connected to the MQTT broker at 127.0.0.1:${locked.port} and logged in as ${USER}`,
    });
  });

  it('says the broker refused a wrong password, without it', async () => {
    const url = `mqtt://127.0.0.1:${locked.port}`;
    const result = await check({ url, username: USER, password: 'wrong-mqtt-password' });
    expect(result).toEqual({
      ok: false,
      message: `the MQTT broker at 127.0.0.1:${locked.port} refused the login: Connection refused: Not authorized`,
    });
  });

  it('says the broker may be down when nothing listens', async () => {
    const port = await closedPort();
    const result = await check({ url: `mqtt://127.0.0.1:${port}` });
    expect(result.ok).toBe(false);
    expect(result.message).toContain('is the broker running?');
  });
});
