// A pooled AMQP connection that publishes with publisher confirms: one confirm channel, reopened when the
// broker closes it (a publish to a missing exchange closes the channel, not the connection).
import { RetryableError } from '@tributary/flow';
import type { ChannelModel, ConfirmChannel, Message } from 'amqplib';
import type { BrokerDial } from '../brokers/broker-dial.js';
import { withinTimeLimit } from '../brokers/broker-errors.js';
import type { PooledConnection } from '../brokers/connection-pool.js';
import { AMQP_TIMEOUTS } from './amqp-connection.js';
import { toAmqpPublishError } from './amqp-errors.js';

/** One message to publish. */
export interface AmqpMessage {
  exchange: string;
  routingKey: string;
  content: Buffer;
  contentType: string;
  messageId: string;
  headers: Record<string, string | number | boolean>;
  persistent: boolean;
}

/** What the broker did with a published message. */
export interface AmqpPublishResult {
  /** False when the broker returned it: no queue is bound that matches its routing key. */
  routed: boolean;
}

/** Most channels a connection keeps open, one per exchange published to; past it the oldest is closed. */
const MAX_CHANNELS = 32;

/** A confirm channel and why the broker closed it, if it did. */
interface ChannelState {
  channel: Promise<ConfirmChannel>;
  /** The error the broker closed the channel with (e.g. 404 no such exchange). */
  closedBy: unknown;
}

/**
 * A connection as the publish pool keeps it: one confirm channel per exchange, so a publish that makes the
 * broker close its channel (a missing exchange, no write permission) fails only publishes to that exchange.
 */
export class AmqpPublisher implements PooledConnection {
  readonly #model: ChannelModel;
  readonly #dial: BrokerDial;
  readonly #channels = new Map<string, ChannelState>();
  #open = true;
  /** Why the broker blocks publishers (a memory or disk alarm), while it does. */
  #blocked: string | undefined;
  /** Message ids the broker returned as unroutable; a return arrives before the message's confirm. */
  readonly #returned = new Set<string>();

  constructor(model: ChannelModel, dial: BrokerDial) {
    this.#model = model;
    this.#dial = dial;
    model.on('error', () => {
      // 'close' follows with the same news; listening here keeps amqplib from throwing it
    });
    model.on('close', () => {
      this.#open = false;
    });
    model.on('blocked', (reason: string) => {
      this.#blocked = reason;
    });
    model.on('unblocked', () => {
      this.#blocked = undefined;
    });
  }

  get open(): boolean {
    return this.#open;
  }

  /** Publishes and waits for the broker's confirm, within AMQP_TIMEOUTS.confirm. */
  async publish(message: AmqpMessage, signal?: AbortSignal): Promise<AmqpPublishResult> {
    const state = this.#channelFor(message.exchange);
    let channel: ConfirmChannel;
    try {
      channel = await state.channel;
    } catch (err) {
      throw toAmqpPublishError(err, this.#dial.target);
    }
    const confirmed = new Promise<AmqpPublishResult>((resolve, reject) => {
      channel.publish(
        message.exchange,
        message.routingKey,
        message.content,
        {
          contentType: message.contentType,
          messageId: message.messageId,
          headers: message.headers,
          persistent: message.persistent,
          timestamp: Math.floor(Date.now() / 1000),
          appId: 'tributary',
          mandatory: true,
        },
        (err) => {
          const routed = !this.#returned.delete(message.messageId);
          if (err === null || err === undefined) resolve({ routed });
          else reject(toAmqpPublishError(err, this.#dial.target, state.closedBy));
        },
      );
    });
    return withinTimeLimit(
      confirmed,
      { ms: AMQP_TIMEOUTS.confirm, signal },
      () =>
        new RetryableError(
          `RabbitMQ at ${this.#dial.target} did not confirm the message within ${AMQP_TIMEOUTS.confirm / 1000} s${
            this.#blocked !== undefined ? ` (it blocks publishers: ${this.#blocked})` : ''
          }`,
          { code: 'timeout' },
        ),
      () =>
        new RetryableError(`Publishing to RabbitMQ at ${this.#dial.target} was aborted`, {
          code: 'aborted',
        }),
    );
  }

  async close(): Promise<void> {
    if (!this.#open) return;
    this.#open = false;
    await this.#model.close();
  }

  #channelFor(exchange: string): ChannelState {
    const found = this.#channels.get(exchange);
    if (found) {
      // most recently used last, so the first one is the one to close when there are too many
      this.#channels.delete(exchange);
      this.#channels.set(exchange, found);
      return found;
    }
    const state: ChannelState = { channel: this.#model.createConfirmChannel(), closedBy: undefined };
    const forget = () => {
      if (this.#channels.get(exchange) === state) this.#channels.delete(exchange);
    };
    state.channel.then((channel) => {
      channel.on('error', (err: unknown) => {
        state.closedBy = err;
      });
      channel.on('close', forget);
      channel.on('return', (returned: Message) => {
        const id: unknown = returned.properties.messageId;
        if (typeof id === 'string') this.#returned.add(id);
      });
    }, forget);
    this.#channels.set(exchange, state);
    if (this.#channels.size > MAX_CHANNELS) {
      const [oldest, old] = this.#channels.entries().next().value ?? [];
      if (oldest !== undefined && old) {
        this.#channels.delete(oldest);
        old.channel.then((channel) => channel.close()).catch(() => undefined);
      }
    }
    return state;
  }
}
