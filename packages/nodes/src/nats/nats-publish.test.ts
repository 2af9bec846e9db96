import { randomBytes } from 'node:crypto';
import { FatalError, RetryableError } from '@tributary/flow';
import { connect, type JetStreamManager, type Msg, type NatsConnection } from 'nats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { errorOf } from '../../test/action-harness.js';
import { checkContext, runBrokerNode } from '../../test/broker-harness.js';
import {
  type BrokerProcess,
  closedPort,
  startCountingServer,
  startNatsServer,
} from '../../test/peers/broker-servers.js';
import { startNatsEchoPeer } from '../../test/peers/echo-peers.js';
import { closeBrokerConnections } from '../brokers/connection-pool.js';
import { nats } from '../credentials/broker-types.js';
import { Redactor } from '../credentials/redactor.js';
import { onlyObject } from '../logic/test-context.js';
import { natsPublish } from './nats-publish.js';

// Publishes go to the NATS server with JetStream on 127.0.0.1:4222, on subjects (and streams) of each test's
// own, read by a nats.js subscriber. Logins go to NATS servers this file starts with a password or a token.
const SERVER = process.env.NATS_SERVERS ?? 'nats://127.0.0.1:4222';
const USER = 'flows';
const PASSWORD = 'nats-pa55word-never-shown';
const TOKEN = 'nats-t0ken-never-shown';

let subscriber: NatsConnection;
let jsm: JetStreamManager;
let withPassword: BrokerProcess;
let withToken: BrokerProcess;
const streams: string[] = [];

beforeAll(async () => {
  subscriber = await connect({ servers: SERVER });
  jsm = await subscriber.jetstreamManager();
  withPassword = await startNatsServer({ user: USER, pass: PASSWORD });
  withToken = await startNatsServer({ token: TOKEN });
});
afterAll(async () => {
  await closeBrokerConnections();
  for (const name of streams) await jsm.streams.delete(name);
  await subscriber?.close();
  await withPassword?.close();
  await withToken?.close();
});

const unique = () => randomBytes(5).toString('hex');

async function collect(subject: string): Promise<Msg[]> {
  const got: Msg[] = [];
  subscriber.subscribe(subject, { callback: (_err, msg) => got.push(msg) });
  await subscriber.flush();
  return got;
}

async function arrived(got: Msg[], count: number): Promise<Msg[]> {
  await expect.poll(() => got.length, { timeout: 5000 }).toBeGreaterThanOrEqual(count);
  await subscriber.flush();
  return got;
}

type Config = z.input<typeof natsPublish.config>;
const publish = (
  config: Omit<Config, 'credential'>,
  options: Partial<Parameters<typeof runBrokerNode>[2]> = {},
) =>
  runBrokerNode(
    natsPublish,
    { credential: '5b0f1c2e-7d3a-4e9b-8c1d-2a3b4c5d6e7f', ...config },
    { type: 'nats', data: { servers: SERVER }, ...options },
  );

describe('action.nats-publish', () => {
  it('publishes to a subject no stream captures with a core publish, headers and all', async () => {
    const subject = `tributary-test.core.${unique()}`;
    const got = await collect(subject);
    const payload = { orderId: 'A-1', lines: [1, 2], note: 'ünïcode' };
    const out = onlyObject(
      await publish({ subject, payload, headers: { Source: 'checkout' } }, { idempotencyKey: 'step-nats-1' }),
    );
    expect(out).toEqual({ subject, messageId: 'step-nats-1' });
    const [msg, ...more] = await arrived(got, 1);
    expect(more).toEqual([]);
    expect(msg?.json()).toEqual(payload);
    expect(msg?.headers?.get('Content-Type')).toBe('application/json');
    expect(msg?.headers?.get('Nats-Msg-Id')).toBe('step-nats-1');
    expect(msg?.headers?.get('Source')).toBe('checkout');
  });

  it('publishes through JetStream when a stream captures the subject, and a retried step is stored once', async () => {
    const name = `TRIBUTARY_TEST_${unique().toUpperCase()}`;
    const prefix = `tributary-test.js.${unique()}`;
    await jsm.streams.add({ name, subjects: [`${prefix}.>`] });
    streams.push(name);
    const subject = `${prefix}.orders`;
    const first = onlyObject(
      await publish({ subject, payload: 'stored text' }, { idempotencyKey: 'step-js-1' }),
    );
    expect(first).toEqual({ subject, messageId: 'step-js-1', stream: name, seq: 1, duplicate: false });
    const again = onlyObject(
      await publish({ subject, payload: 'stored text' }, { idempotencyKey: 'step-js-1' }),
    );
    expect(again).toEqual({ subject, messageId: 'step-js-1', stream: name, seq: 1, duplicate: true });
    const info = await jsm.streams.info(name);
    expect(info.state.messages).toBe(1);
    const stored = await jsm.streams.getMessage(name, { seq: 1 });
    expect(stored.subject).toBe(subject);
    expect(stored.string()).toBe('stored text');
    expect(stored.header.get('Content-Type')).toBe('text/plain; charset=utf-8');
    expect(stored.header.get('Nats-Msg-Id')).toBe('step-js-1');
  });

  it('logs in with a user and password, and with a token', async () => {
    const subject = `tributary-test.auth.${unique()}`;
    const byPassword = await publish(
      { subject, payload: 1 },
      { data: { servers: `nats://127.0.0.1:${withPassword.port}`, user: USER, pass: PASSWORD } },
    );
    expect(onlyObject(byPassword).subject).toBe(subject);
    const byToken = await publish(
      { subject, payload: 1 },
      { data: { servers: `127.0.0.1:${withToken.port}`, token: TOKEN } },
    );
    expect(onlyObject(byToken).subject).toBe(subject);
  });

  it('fails fatally when the server refuses the login, without the password', async () => {
    const wrong = `${PASSWORD}-not`;
    const err = await errorOf(
      publish(
        { subject: 'a.b', payload: 1 },
        {
          data: { servers: `nats://127.0.0.1:${withPassword.port}`, user: USER, pass: wrong },
          version: 'wrong',
        },
      ),
    );
    expect(err).toBeInstanceOf(FatalError);
    expect(err).toMatchObject({ code: 'broker_auth' });
    expect(err.message).toContain(`NATS at 127.0.0.1:${withPassword.port} refused the login`);
    expect(err.message).not.toContain(wrong);
  });

  it('tries the next server when one is down, and gives a retryable error when all are', async () => {
    const down = await closedPort();
    const subject = `tributary-test.failover.${unique()}`;
    const got = await collect(subject);
    await publish(
      { subject, payload: 'via the second' },
      { data: { servers: `127.0.0.1:${down}, ${SERVER}` } },
    );
    expect((await arrived(got, 1)).map((m) => m.string())).toEqual(['via the second']);
    const err = await errorOf(publish({ subject, payload: 1 }, { data: { servers: `127.0.0.1:${down}` } }));
    expect(err).toBeInstanceOf(RetryableError);
    expect(err).toMatchObject({ code: 'broker_unavailable' });
    expect(err.message).toBe(
      `Could not connect to NATS at 127.0.0.1:${down} (CONNECTION_REFUSED); is the server running?`,
    );
  });

  it('refuses the whole list when one server is outside the allowed hosts or the policy, before connecting', async () => {
    const server = await startCountingServer();
    try {
      const servers = `nats.test:${server.port}, nats://other.test:${server.port}`;
      const outside = await errorOf(
        publish({ subject: 'a', payload: 1 }, { data: { servers }, allowedHosts: ['nats.test'] }),
      );
      expect(outside).toMatchObject({ code: 'host_not_allowed' });
      expect(outside.message).toContain('not with other.test');
      const blocked = await errorOf(publish({ subject: 'a', payload: 1 }, { data: { servers }, allow: '' }));
      expect(blocked).toMatchObject({ code: 'ssrf_blocked' });
      expect(server.connections).toBe(0);
    } finally {
      await server.close();
    }
  });

  it('keeps the password out of what it throws when the server echoes it, once redacted as a step is', async () => {
    const peer = await startNatsEchoPeer();
    try {
      const data = { servers: `127.0.0.1:${peer.port}`, user: 'flows', pass: 'echoed-secret-pa55' };
      const err = await errorOf(publish({ subject: 'a', payload: 1 }, { data }));
      expect(peer.refused).toBe(1);
      expect(err.message).toContain('echoed-secret-pa55');
      const redactor = new Redactor();
      for (const secret of nats.secretsOf(data)) redactor.add(secret);
      const scrubbed = redactor.error(err);
      if (!(scrubbed instanceof Error)) throw new Error('expected an error');
      expect(scrubbed.message).not.toContain('echoed-secret-pa55');
      expect(scrubbed.message).toContain('bad secret ********');
    } finally {
      await peer.close();
    }
  });

  it('keeps its JSON Schema for the editor', () => {
    expect(z.toJSONSchema(natsPublish.config, { io: 'input' })).toMatchSnapshot();
  });
});

describe('action.nats-publish config', () => {
  const problems = (config: Record<string, unknown>) => {
    const result = natsPublish.config.safeParse({
      credential: '5b0f1c2e-7d3a-4e9b-8c1d-2a3b4c5d6e7f',
      ...config,
    });
    return result.success ? [] : result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
  };

  it('refuses wildcard subjects, empty tokens and headers the node sets', () => {
    for (const subject of ['orders.*', 'orders.>', 'orders..x', 'has space', '.x']) {
      expect(problems({ subject, payload: 1 })[0]).toMatch(/^subject: /);
    }
    expect(problems({ subject: 'a.b', payload: 1, headers: { 'nats-msg-id': 'x' } })).toEqual([
      'headers: Content-Type and Nats-Msg-Id are set by the node',
    ]);
    expect(problems({ subject: 'orders.42.shipped', payload: { a: 1 }, headers: { Source: 'x' } })).toEqual(
      [],
    );
  });
});

describe('nats credential', () => {
  it('marks the token and password secret and checks the server list', () => {
    expect(nats.secretFields).toEqual(['token', 'pass']);
    const bad = (data: Record<string, unknown>) => nats.data.safeParse(data).success;
    expect(bad({ servers: 'nats://u:hunter22@nats.example.com' })).toBe(false);
    expect(bad({ servers: 'http://nats.example.com' })).toBe(false);
    expect(bad({ servers: 'a:4222', token: 't', user: 'u', pass: 'p' })).toBe(false);
    expect(bad({ servers: 'a:4222', pass: 'p' })).toBe(false);
    expect(bad({ servers: 'nats://a:4222, tls://b.example.com:4443, c' })).toBe(true);
  });

  const check = (data: z.input<typeof nats.data>, allow?: string) => {
    if (!nats.test) throw new Error('the nats credential has no test');
    return nats.test(nats.data.parse(data), checkContext(allow));
  };

  it('connects, logs in and says whether JetStream is on', async () => {
    const result = await check({ servers: SERVER });
    expect(result.ok).toBe(true);
    expect(result.message).toMatch(/^connected to NATS [\d.]+ at 127\.0\.0\.1:4222, JetStream on$/);
    const locked = await check({ servers: `127.0.0.1:${withPassword.port}`, user: USER, pass: PASSWORD });
    expect(locked.message).toMatch(/JetStream off$/);
  });

  it('says the server refused a wrong password or token, without it', async () => {
    const wrong = await check({
      servers: `127.0.0.1:${withPassword.port}`,
      user: USER,
      pass: 'wrong-pass-x',
    });
    expect(wrong.ok).toBe(false);
    expect(wrong.message).toContain('refused the login');
    expect(wrong.message).not.toContain('wrong-pass-x');
    const token = await check({ servers: `127.0.0.1:${withToken.port}`, token: 'wrong-token-x' });
    expect(token.ok).toBe(false);
    expect(token.message).toContain('refused the login');
  });

  it('says the server may be down when nothing listens', async () => {
    const port = await closedPort();
    expect(await check({ servers: `127.0.0.1:${port}` })).toEqual({
      ok: false,
      message: `Could not connect to NATS at 127.0.0.1:${port} (CONNECTION_REFUSED); is the server running?`,
    });
  });
});
