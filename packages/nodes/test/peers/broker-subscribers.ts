// Subscribers on the machine's real brokers, for tests outside this package that check what a flow published:
// each listens on a queue, topic or subject of its own and is removed on close.
import { randomBytes } from 'node:crypto';
import { connect as connectAmqp } from 'amqplib';
import { connectAsync as connectMqtt } from 'mqtt';
import { connect as connectNats } from 'nats';

/** A message as a subscriber received it. */
export interface ReceivedMessage {
  body: string;
  /** Content type and message id where the protocol carries them, and headers or user properties. */
  contentType: string | undefined;
  messageId: string | undefined;
  headers: Record<string, unknown>;
}

/** A subscriber on a name of its own. */
export interface BrokerSubscriber {
  /** The queue, topic or subject to publish to. */
  name: string;
  readonly received: readonly ReceivedMessage[];
  close(): Promise<void>;
}

const unique = (prefix: string) => `${prefix}${randomBytes(5).toString('hex')}`;

/** A fresh queue on the AMQP broker at `url` (publish to it through the default exchange), consumed. */
export async function subscribeAmqpQueue(url: string): Promise<BrokerSubscriber> {
  const connection = await connectAmqp(url);
  const channel = await connection.createChannel();
  const name = unique('tributary-test.queue.');
  await channel.assertQueue(name, { durable: false, exclusive: true });
  const received: ReceivedMessage[] = [];
  await channel.consume(
    name,
    (message) => {
      if (!message) return;
      const id: unknown = message.properties.messageId;
      const type: unknown = message.properties.contentType;
      received.push({
        body: message.content.toString('utf8'),
        contentType: typeof type === 'string' ? type : undefined,
        messageId: typeof id === 'string' ? id : undefined,
        headers: { ...message.properties.headers },
      });
    },
    { noAck: true },
  );
  return {
    name,
    received,
    async close() {
      await channel.deleteQueue(name);
      await connection.close();
    },
  };
}

/** A fresh topic on the MQTT broker at `url`, subscribed at QoS 2. */
export async function subscribeMqttTopic(url: string): Promise<BrokerSubscriber> {
  const client = await connectMqtt(url, { protocolVersion: 5, reconnectPeriod: 0 });
  const name = unique('tributary-test/topic-');
  const received: ReceivedMessage[] = [];
  client.on('message', (topic, payload, packet) => {
    if (topic !== name) return;
    const properties = packet.properties ?? {};
    const user = properties.userProperties ?? {};
    const id = user['message-id'];
    received.push({
      body: payload.toString('utf8'),
      contentType: properties.contentType,
      messageId: typeof id === 'string' ? id : undefined,
      headers: { ...user },
    });
  });
  await client.subscribeAsync(name, { qos: 2 });
  return {
    name,
    received,
    async close() {
      await client.endAsync();
    },
  };
}

/** A fresh subject on the NATS servers `servers` (no stream captures it), subscribed. */
export async function subscribeNatsSubject(servers: string): Promise<BrokerSubscriber> {
  const nc = await connectNats({ servers: servers.split(',').map((s) => s.trim()) });
  const name = unique('tributary-test.subject.');
  const received: ReceivedMessage[] = [];
  nc.subscribe(name, {
    callback: (_err, msg) => {
      const headers: Record<string, unknown> = {};
      for (const key of msg.headers?.keys() ?? []) headers[key] = msg.headers?.get(key);
      received.push({
        body: msg.string(),
        contentType: msg.headers?.get('Content-Type') || undefined,
        messageId: msg.headers?.get('Nats-Msg-Id') || undefined,
        headers,
      });
    },
  });
  await nc.flush();
  return {
    name,
    received,
    async close() {
      await nc.close();
    },
  };
}
