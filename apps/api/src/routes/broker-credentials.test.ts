// Broker credentials through /api/v1/credentials, in-process over real Postgres: the secrets are write-only in
// the JSON Schema and never answered, a URL with the password is refused without being quoted, and /test
// connects to the machine's RabbitMQ, Mosquitto and NATS (and says clearly why it could not).
import { closeBrokerConnections } from '@tributary/nodes';
import { closedPort } from '@tributary/nodes/testing';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import type { ProblemDocument } from '../problem.js';
import { type Page, readJson, startTestApp, type TestApp } from '../test-app.js';
import type { Credential, CredentialType } from './credentials.js';

const AMQP_URL = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const MQTT_URL = process.env.MQTT_URL ?? 'mqtt://127.0.0.1:1883';
const NATS_SERVERS = process.env.NATS_SERVERS ?? 'nats://127.0.0.1:4222';
let api: TestApp;

beforeAll(async () => {
  api = await startTestApp(inject('templateDatabase'));
});

afterAll(async () => {
  await api?.close();
  await closeBrokerConnections();
});

let names = 0;
async function create(type: string, data: Record<string, unknown>) {
  names += 1;
  const res = await api.call('POST', '/api/v1/credentials', { name: `${type} ${names}`, type, data });
  // a credential when made (201), a problem when refused
  return { status: res.status, body: await readJson<Credential & Partial<ProblemDocument>>(res) };
}

async function check(id: string) {
  return readJson<{ ok: boolean; message: string }>(await api.call('POST', `/api/v1/credentials/${id}/test`));
}

describe('broker credentials', () => {
  test('the types list their secret fields as writeOnly and can be tested', async () => {
    const { items } = await readJson<Page<CredentialType>>(await api.call('GET', '/api/v1/credential-types'));
    const byType = new Map(items.map((t) => [t.type, t]));

    expect(byType.get('amqp')).toMatchObject({ secretFields: ['url'], testable: true });
    expect(byType.get('mqtt')).toMatchObject({ secretFields: ['password'], testable: true });
    expect(byType.get('nats')).toMatchObject({ secretFields: ['token', 'pass'], testable: true });
  });

  test('an AMQP credential answers which fields are set, never the URL', async () => {
    const { status, body } = await create('amqp', { url: AMQP_URL });
    expect(status).toBe(201);
    expect(body.fields).toEqual(['url']);
    expect(JSON.stringify(body)).not.toContain('guest');
  });

  test('a URL that is not an AMQP URL is a 422 naming the field, not quoting it', async () => {
    const { status, body } = await create('amqp', { url: 'http://user:hunter22@rabbit.example.com' });
    expect(status).toBe(422);
    expect(body.problems).toEqual([expect.objectContaining({ path: 'data.url' })]);
    expect(JSON.stringify(body)).not.toContain('hunter22');
  });

  test('/test connects to each broker', async () => {
    const amqp = await create('amqp', { url: AMQP_URL });
    expect(await check(amqp.body.id)).toMatchObject({
      ok: true,
      message: expect.stringMatching(/^connected to RabbitMQ [\d.]+ at 127\.0\.0\.1:5672, vhost "\/"$/),
    });
    const mqtt = await create('mqtt', { url: MQTT_URL });
    expect(await check(mqtt.body.id)).toEqual({
      ok: true,
      message: 'connected to the MQTT broker at 127.0.0.1:1883',
    });
    const nats = await create('nats', { servers: NATS_SERVERS });
    expect(await check(nats.body.id)).toMatchObject({
      ok: true,
      message: expect.stringContaining('JetStream on'),
    });
  });

  test('/test says the broker refused a wrong password, without it, and that an unreachable one may be down', async () => {
    const wrong = await create('amqp', { url: 'amqp://guest:definitely-wrong@127.0.0.1:5672' });
    const refused = await check(wrong.body.id);
    expect(refused.ok).toBe(false);
    expect(refused.message).toContain('RabbitMQ at 127.0.0.1:5672 refused the connection');
    expect(refused.message).not.toContain('definitely-wrong');
    const port = await closedPort();
    const down = await create('mqtt', { url: `mqtt://127.0.0.1:${port}` });
    expect(await check(down.body.id)).toEqual({
      ok: false,
      message: `Could not connect to the MQTT broker at 127.0.0.1:${port} (ECONNREFUSED); is the broker running?`,
    });
  });
});
