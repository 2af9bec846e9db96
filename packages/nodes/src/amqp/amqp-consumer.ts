// A session of the AMQP trigger: one connection and channel consuming a queue with manual acknowledgements.
// Every process that runs consumers consumes the same queue, so RabbitMQ hands each message to one of them
// (competing consumers); a message is acked only once its event is committed, nacked back to the queue when
// it could not be stored, and rejected without requeue (to the queue's dead-letter exchange, if it has one)
// when it never can be. Unacked messages go back to the queue when the connection drops.
import { FatalError } from '@tributary/flow';
import type { ConsumeMessage } from 'amqplib';
import { isNetworkFailure, reasonOf } from '../brokers/broker-errors.js';
import type { ConsumedMessage, ConsumerContext, ConsumerSession } from '../brokers/consumer.js';
import { pause, RETRY_DELAY_MS } from '../brokers/consumer.js';
import { decodeBody, headerValue, messageIdOf } from '../brokers/message-item.js';
import { amqp } from '../credentials/broker-types.js';
import { dialAmqp, openAmqpConnection } from './amqp-connection.js';
import { toAmqpConnectError } from './amqp-errors.js';
import { parseAmqpUrl } from './amqp-url.js';

/** What the AMQP trigger's config says about consuming. */
export interface AmqpConsumeConfig {
  queue: string;
  assertQueue: boolean;
  prefetch: number;
}

/** How often the queue's backlog (messageCount) is read for the lag metric. */
const LAG_INTERVAL_MS = 5_000;

/** The trigger item and message id of a delivered message. */
export function amqpMessage(msg: ConsumeMessage): ConsumedMessage {
  const { properties, fields } = msg;
  const { body } = decodeBody(msg.content, properties.contentType);
  const described: Record<string, unknown> = {
    exchange: fields.exchange,
    redelivered: fields.redelivered,
    contentType: properties.contentType,
    contentEncoding: properties.contentEncoding,
    messageId: properties.messageId,
    correlationId: properties.correlationId,
    replyTo: properties.replyTo,
    type: properties.type,
    appId: properties.appId,
    userId: properties.userId,
    priority: properties.priority,
    deliveryMode: properties.deliveryMode,
    expiration: properties.expiration,
    // AMQP timestamps are seconds since the epoch
    timestamp:
      typeof properties.timestamp === 'number'
        ? new Date(properties.timestamp * 1000).toISOString()
        : undefined,
  };
  return {
    item: {
      body,
      headers: headerValue(properties.headers ?? {}),
      routingKey: fields.routingKey,
      properties: Object.fromEntries(Object.entries(described).filter(([, v]) => v !== undefined)),
    },
    messageId: messageIdOf(properties.messageId),
    bytes: msg.content.length,
  };
}

/** Opens a connection and consumes `config.queue` (declared durable first when `assertQueue`). */
export async function openAmqpSession(
  config: AmqpConsumeConfig,
  credentialData: Readonly<Record<string, unknown>>,
  ctx: ConsumerContext,
  signal: AbortSignal,
): Promise<ConsumerSession> {
  const data = amqp.data.safeParse(credentialData);
  const server = data.success ? parseAmqpUrl(data.data.url) : undefined;
  if (!server) {
    throw new FatalError('The AMQP credential’s URL is not usable; edit and save it again', {
      code: 'invalid_credential',
    });
  }
  const dial = await dialAmqp(server, ctx.dial);
  const model = await openAmqpConnection(server, dial, signal);
  let resolveClosed: () => void = () => undefined;
  const closed = new Promise<void>((resolve) => {
    resolveClosed = resolve;
  });
  model.on('error', () => {
    // 'close' follows with the same news; listening keeps amqplib from throwing it
  });
  model.on('close', () => resolveClosed());
  const stopping = new AbortController();
  const inFlight = new Set<Promise<void>>();
  let lagTimer: NodeJS.Timeout | undefined;
  try {
    const channel = await model.createChannel();
    channel.on('error', () => {
      // a channel error (the queue was deleted, say) closes the channel; 'close' below ends the session
    });
    channel.on('close', () => {
      model.close().catch(() => undefined);
    });
    await channel.prefetch(config.prefetch);
    if (config.assertQueue) await channel.assertQueue(config.queue, { durable: true });
    else await channel.checkQueue(config.queue);

    const handle = async (msg: ConsumeMessage): Promise<void> => {
      const verdict = await ctx.deliver(amqpMessage(msg));
      try {
        if (verdict === 'accepted') channel.ack(msg);
        else if (verdict === 'reject') channel.reject(msg, false);
        else {
          // back to the queue after a while, for this or another process to try again; at once when stopping
          await pause(RETRY_DELAY_MS, stopping.signal);
          channel.nack(msg, false, true);
        }
      } catch {
        // the channel closed meanwhile: RabbitMQ requeues every unacknowledged message of a closed channel
      }
    };
    const { consumerTag } = await channel.consume(
      config.queue,
      (msg) => {
        // null: the broker cancelled the consumer (the queue was deleted); reconnecting sets it up again
        if (msg === null) {
          model.close().catch(() => undefined);
          return;
        }
        const work = handle(msg);
        inFlight.add(work);
        void work.finally(() => inFlight.delete(work));
      },
      { noAck: false },
    );
    const readLag = async () => {
      try {
        ctx.reportLag((await channel.checkQueue(config.queue)).messageCount);
      } catch {
        // the channel is closing; the session ends with it
      }
    };
    void readLag();
    lagTimer = setInterval(() => void readLag(), LAG_INTERVAL_MS);
    lagTimer.unref();

    let closing: Promise<void> | undefined;
    return {
      closed,
      close() {
        closing ??= (async () => {
          clearInterval(lagTimer);
          await channel.cancel(consumerTag).catch(() => undefined);
          stopping.abort();
          await Promise.allSettled([...inFlight]);
          await model.close().catch(() => undefined);
        })();
        return closing;
      },
    };
  } catch (err) {
    clearInterval(lagTimer);
    await model.close().catch(() => undefined);
    if (isNetworkFailure(err)) throw toAmqpConnectError(err, dial.target);
    // past the socket the broker refused the setup: a queue that does not exist, arguments that differ
    throw new FatalError(
      `RabbitMQ at ${dial.target} refused to consume "${config.queue}": ${reasonOf(err)}`,
      {
        code: 'broker_refused',
        cause: err,
      },
    );
  }
}
