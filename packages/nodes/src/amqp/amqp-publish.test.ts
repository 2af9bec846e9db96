import { randomBytes } from 'node:crypto';
import { FatalError, RetryableError } from '@tributary/flow';
import { type Channel, type ChannelModel, connect, type GetMessage } from 'amqplib';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { errorOf } from '../../test/action-harness.js';
import { checkContext, runBrokerNode } from '../../test/broker-harness.js';
import { closedPort, startCountingServer } from '../../test/peers/broker-servers.js';
import { startAmqpEchoPeer } from '../../test/peers/echo-peers.js';
import { brokerConnections, closeBrokerConnections } from '../brokers/connection-pool.js';
import { amqp } from '../credentials/broker-types.js';
import { Redactor } from '../credentials/redactor.js';
import { onlyObject } from '../logic/test-context.js';
import { amqpPublish } from './amqp-publish.js';

// Every test publishes to the RabbitMQ on 127.0.0.1:5672 (guest/guest) through exchanges and queues of its
// own, and reads what arrived with an amqplib consumer. AMQP_URL points elsewhere.
const BROKER_URL = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const GOOD = { url: BROKER_URL };

let subscriber: ChannelModel;
let channel: Channel;
const cleanups: Array<() => Promise<unknown>> = [];

beforeAll(async () => {
  subscriber = await connect(BROKER_URL);
  channel = await subscriber.createChannel();
});
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});
afterAll(async () => {
  await closeBrokerConnections();
  await subscriber?.close();
});

const unique = (what: string) => `tributary-test.${what}.${randomBytes(5).toString('hex')}`;

/** A topic exchange and a queue bound to it with `pattern`, both removed after the test. */
async function exchangeWithQueue(pattern = '#') {
  const exchange = unique('x');
  const queue = unique('q');
  await channel.assertExchange(exchange, 'topic', { durable: false, autoDelete: false });
  await channel.assertQueue(queue, { durable: false, exclusive: false });
  await channel.bindQueue(queue, exchange, pattern);
  cleanups.push(
    () => channel.deleteQueue(queue),
    () => channel.deleteExchange(exchange),
  );
  return { exchange, queue };
}

/** The messages in `queue` right now (taken off it). */
async function drain(queue: string, expected: number): Promise<GetMessage[]> {
  const got: GetMessage[] = [];
  const deadline = Date.now() + 5000;
  while (got.length < expected && Date.now() < deadline) {
    const message = await channel.get(queue, { noAck: true });
    if (message) got.push(message);
    else await new Promise((resolve) => setTimeout(resolve, 20));
  }
  // one more look: nothing beyond what was expected
  const extra = await channel.get(queue, { noAck: true });
  if (extra) got.push(extra);
  return got;
}

type Config = z.input<typeof amqpPublish.config>;
const publish = (
  config: Omit<Config, 'credential'>,
  options: Partial<Parameters<typeof runBrokerNode>[2]> = {},
) =>
  runBrokerNode(
    amqpPublish,
    { credential: '5b0f1c2e-7d3a-4e9b-8c1d-2a3b4c5d6e7f', ...config },
    {
      type: 'amqp',
      data: GOOD,
      ...options,
    },
  );

describe('action.amqp-publish', () => {
  it('publishes a JSON body with its headers, confirmed, and the consumer gets exactly that', async () => {
    const { exchange, queue } = await exchangeWithQueue('orders.*');
    const body = { orderId: 'A-42', total: 19.9, items: [{ sku: 'x', qty: 2 }], note: 'größe ✓' };
    const out = onlyObject(
      await publish(
        {
          exchange,
          routingKey: 'orders.created',
          body,
          headers: { source: 'checkout', attempt: 2, test: true },
        },
        { idempotencyKey: 'step-amqp-1' },
      ),
    );
    expect(out).toEqual({ exchange, routingKey: 'orders.created', messageId: 'step-amqp-1', routed: true });
    const [message, ...more] = await drain(queue, 1);
    expect(more).toEqual([]);
    if (!message) throw new Error('nothing arrived');
    expect(JSON.parse(message.content.toString('utf8'))).toEqual(body);
    expect(message.fields.routingKey).toBe('orders.created');
    expect(message.fields.exchange).toBe(exchange);
    expect(message.properties).toMatchObject({
      contentType: 'application/json',
      messageId: 'step-amqp-1',
      deliveryMode: 2,
      appId: 'tributary',
      headers: { source: 'checkout', attempt: 2, test: true },
    });
  });

  it('sends a string as text through the default exchange to the queue the routing key names, not persistent when asked', async () => {
    const queue = unique('direct');
    await channel.assertQueue(queue, { durable: false });
    cleanups.push(() => channel.deleteQueue(queue));
    await publish({ routingKey: queue, body: 'plain words', persistent: false });
    const [message, ...more] = await drain(queue, 1);
    expect(more).toEqual([]);
    expect(message?.content.toString('utf8')).toBe('plain words');
    expect(message?.properties.contentType).toBe('text/plain; charset=utf-8');
    expect(message?.properties.deliveryMode).toBe(1);
  });

  it('says routed: false when no queue matches the routing key', async () => {
    const { exchange, queue } = await exchangeWithQueue('orders.*');
    const out = onlyObject(await publish({ exchange, routingKey: 'refunds.created', body: { a: 1 } }));
    expect(out.routed).toBe(false);
    expect(await drain(queue, 0)).toEqual([]);
  });

  it('fails fatally on an exchange that does not exist, and publishing to others goes on', async () => {
    const missing = unique('missing');
    const err = await errorOf(publish({ exchange: missing, routingKey: 'k', body: { a: 1 } }));
    expect(err).toBeInstanceOf(FatalError);
    expect(err).toMatchObject({ code: 'amqp_not_found' });
    expect(err.message).toContain(`no exchange '${missing}'`);
    expect(err.message).toContain('127.0.0.1:5672');
    const { exchange, queue } = await exchangeWithQueue();
    await publish({ exchange, routingKey: 'k', body: { after: true } });
    expect((await drain(queue, 1)).map((m) => m.content.toString())).toEqual(['{"after":true}']);
  });

  it('reuses one connection for the steps of a credential version, and an edited credential gets a new one', async () => {
    await closeBrokerConnections();
    const { exchange, queue } = await exchangeWithQueue();
    await publish({ exchange, routingKey: 'a', body: 1 }, { version: 'v1' });
    await publish({ exchange, routingKey: 'b', body: 2 }, { version: 'v1' });
    expect(brokerConnections.size).toBe(1);
    await publish({ exchange, routingKey: 'c', body: 3 }, { version: 'v2' });
    expect(brokerConnections.size).toBe(1);
    expect((await drain(queue, 3)).map((m) => m.fields.routingKey)).toEqual(['a', 'b', 'c']);
  });

  it('fails fatally when the broker refuses the login, without the password', async () => {
    const wrong = 'not-the-guest-password';
    const err = await errorOf(
      // an edited credential is a new version: a connection the right password opened is not used
      publish(
        { routingKey: 'k', body: 1 },
        { data: { url: `amqp://guest:${wrong}@127.0.0.1:5672` }, version: 'wrong-password' },
      ),
    );
    expect(err).toBeInstanceOf(FatalError);
    expect(err).toMatchObject({ code: 'broker_refused' });
    expect(err.message).toContain('ACCESS_REFUSED');
    expect(err.message).not.toContain(wrong);
  });

  it('gives a retryable error that says the broker may be down when nothing listens', async () => {
    const port = await closedPort();
    const err = await errorOf(
      publish({ routingKey: 'k', body: 1 }, { data: { url: `amqp://guest:guest@127.0.0.1:${port}` } }),
    );
    expect(err).toBeInstanceOf(RetryableError);
    expect(err).toMatchObject({ code: 'broker_unavailable' });
    expect(err.message).toBe(
      `Could not connect to RabbitMQ at 127.0.0.1:${port} (ECONNREFUSED); is the broker running?`,
    );
  });

  it('refuses a host outside the credential’s allowed hosts before connecting', async () => {
    const server = await startCountingServer();
    try {
      const url = `amqp://guest:guest@rabbit.test:${server.port}`;
      const err = await errorOf(
        publish({ routingKey: 'k', body: 1 }, { data: { url }, allowedHosts: ['rabbit.example.com'] }),
      );
      expect(err).toBeInstanceOf(FatalError);
      expect(err).toMatchObject({ code: 'host_not_allowed' });
      expect(server.connections).toBe(0);
    } finally {
      await server.close();
    }
  });

  it('refuses a loopback broker under the default address policy before connecting', async () => {
    const server = await startCountingServer();
    try {
      for (const host of ['127.0.0.1', 'rabbit.test']) {
        const url = `amqp://guest:guest@${host}:${server.port}`;
        const err = await errorOf(publish({ routingKey: 'k', body: 1 }, { data: { url }, allow: '' }));
        expect(err).toMatchObject({ code: 'ssrf_blocked' });
      }
      expect(server.connections).toBe(0);
    } finally {
      await server.close();
    }
  });

  it('dials the checked address of a name the policy allows', async () => {
    const queue = unique('by-name');
    await channel.assertQueue(queue, { durable: false });
    cleanups.push(() => channel.deleteQueue(queue));
    await publish(
      { routingKey: queue, body: 'via name' },
      {
        data: { url: 'amqp://guest:guest@rabbit.test:5672' },
        allowedHosts: ['*.test'],
        credentialId: '0b5c3a1e-2f4d-4c6b-9a8e-7d6c5b4a3f21',
      },
    );
    expect((await drain(queue, 1)).map((m) => m.content.toString())).toEqual(['via name']);
  });

  it('keeps the URL and password out of what it throws when the broker echoes them, once redacted as a step is', async () => {
    const peer = await startAmqpEchoPeer();
    try {
      const password = 'pa55/w0rd@echo';
      const url = `amqp://tributary:${encodeURIComponent(password)}@127.0.0.1:${peer.port}/`;
      const err = await errorOf(publish({ routingKey: 'k', body: 1 }, { data: { url } }));
      expect(peer.refused).toBe(1);
      // the broker's own words reach the error…
      expect(err.message).toContain(`amqp://tributary:${password}@127.0.0.1:${peer.port}/`);
      // …and the step's redactor, fed with what the credential type calls secret, leaves none of it
      const redactor = new Redactor();
      for (const secret of amqp.secretsOf({ url })) redactor.add(secret);
      const scrubbed = redactor.error(err);
      if (!(scrubbed instanceof Error)) throw new Error('expected an error');
      expect(scrubbed.message).not.toContain(password);
      expect(scrubbed.message).not.toContain(encodeURIComponent(password));
      expect(scrubbed.message).toContain('amqp://tributary:********@127.0.0.1');
      expect(String(scrubbed.stack)).not.toContain(password);
    } finally {
      await peer.close();
    }
  });

  it('keeps its JSON Schema for the editor', () => {
    expect(z.toJSONSchema(amqpPublish.config, { io: 'input' })).toMatchSnapshot();
  });
});

describe('action.amqp-publish config', () => {
  const problems = (config: Record<string, unknown>) => {
    const result = amqpPublish.config.safeParse({
      credential: '5b0f1c2e-7d3a-4e9b-8c1d-2a3b4c5d6e7f',
      ...config,
    });
    return result.success ? [] : result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
  };

  it('takes the default exchange and any JSON body', () => {
    expect(problems({ routingKey: 'q', body: null })).toEqual([]);
    expect(problems({ routingKey: 'q', body: [1, 'a'] })).toEqual([]);
  });

  it('refuses odd exchange names, over-long routing keys and a missing body', () => {
    expect(problems({ exchange: 'a b', routingKey: 'q', body: 1 })[0]).toMatch(
      /^exchange: exchange names use/,
    );
    expect(problems({ routingKey: 'ü'.repeat(128), body: 1 })).toEqual(['routingKey: at most 255 bytes']);
    expect(problems({ routingKey: 'q' })[0]).toMatch(/^body: /);
  });
});

describe('amqp credential', () => {
  it('holds the whole URL as its secret, with the password and the URL as parsers write it back', () => {
    expect(amqp.secretFields).toEqual(['url']);
    const url = 'amqp://user:p%40ss@Rabbit.Example.com:5672';
    expect(new Set(amqp.secretsOf({ url }))).toEqual(new Set([url, 'p%40ss', 'p@ss']));
  });

  it('refuses URLs that are not amqp:// or amqps:// without quoting them', () => {
    for (const url of [
      'http://user:hunter22@rabbit',
      'amqp://',
      'amqp://u:p@rabbit:5672/?frameMax=0',
      'not a url hunter22',
    ]) {
      const result = amqp.data.safeParse({ url });
      expect(result.success).toBe(false);
      expect(JSON.stringify(result.error?.issues)).not.toContain('hunter22');
    }
    expect(amqp.data.safeParse({ url: 'amqps://u:p@rabbit.example.com/%2F?heartbeat=30' }).success).toBe(
      true,
    );
  });

  const check = (url: string, allow?: string) => {
    if (!amqp.test) throw new Error('the amqp credential has no test');
    return amqp.test({ url }, checkContext(allow));
  };

  it('connects, logs in and opens the vhost', async () => {
    const result = await check(BROKER_URL);
    expect(result.ok).toBe(true);
    expect(result.message).toMatch(/^connected to RabbitMQ [\d.]+ at 127\.0\.0\.1:5672, vhost "\/"$/);
  });

  it('says the broker refused a wrong password, without it', async () => {
    const result = await check('amqp://guest:wrong-guest-pw@127.0.0.1:5672');
    expect(result.ok).toBe(false);
    expect(result.message).toContain('RabbitMQ at 127.0.0.1:5672 refused the connection');
    expect(result.message).not.toContain('wrong-guest-pw');
  });

  it('says the broker may be down when nothing listens', async () => {
    const port = await closedPort();
    expect(await check(`amqp://guest:guest@127.0.0.1:${port}`)).toEqual({
      ok: false,
      message: `Could not connect to RabbitMQ at 127.0.0.1:${port} (ECONNREFUSED); is the broker running?`,
    });
  });

  it('is bound by the address policy', async () => {
    const result = await check(BROKER_URL, '');
    expect(result.ok).toBe(false);
    expect(result.message).toContain('Refusing to connect to 127.0.0.1');
  });
});
