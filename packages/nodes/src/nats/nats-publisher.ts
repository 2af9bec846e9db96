// A pooled NATS connection that publishes: through JetStream (waiting for the stream's ack) when a stream
// captures the subject, else a core publish followed by a flush (the server has read it).
import { RetryableError } from '@tributary/flow';
import type { JetStreamManager, NatsConnection } from 'nats';
import { withinTimeLimit } from '../brokers/broker-errors.js';
import type { PooledConnection } from '../brokers/connection-pool.js';
import { errorCode } from '../http/request-errors.js';
import { NATS_TIMEOUTS } from './nats-connection.js';
import { toNatsError } from './nats-errors.js';

/** One message to publish. */
export interface NatsMessage {
  subject: string;
  payload: Buffer;
  contentType: string;
  headers: Record<string, string>;
  /** Sent as `Nats-Msg-Id`: JetStream drops a second message with the same id within its duplicate window. */
  messageId: string;
}

/** Where the message went: a stream and its sequence there, or no stream (a core publish). */
export interface NatsPublishResult {
  stream?: string;
  seq?: number;
  /** JetStream had already stored a message with this id (a retried step). */
  duplicate?: boolean;
}

/** How long a subject's stream (or the lack of one) is remembered before asking JetStream again. */
const STREAM_LOOKUP_TTL_MS = 30_000;
const MAX_REMEMBERED_SUBJECTS = 1000;

/** A connection as the publish pool keeps it. */
export class NatsPublisher implements PooledConnection {
  readonly #nc: NatsConnection;
  readonly #target: string;
  #jsm: { manager: Promise<JetStreamManager | undefined>; at: number } | undefined;
  readonly #streams = new Map<string, { stream: string | undefined; at: number }>();

  constructor(nc: NatsConnection, target: string) {
    this.#nc = nc;
    this.#target = target;
  }

  get open(): boolean {
    return !this.#nc.isClosed() && !this.#nc.isDraining();
  }

  /** Publishes, within NATS_TIMEOUTS.ack for the ack or the flush. */
  publish(message: NatsMessage, signal?: AbortSignal): Promise<NatsPublishResult> {
    return withinTimeLimit(
      this.#publish(message),
      { ms: NATS_TIMEOUTS.ack, signal },
      () =>
        new RetryableError(
          `NATS at ${this.#target} did not acknowledge the message within ${NATS_TIMEOUTS.ack / 1000} s`,
          { code: 'timeout' },
        ),
      () => new RetryableError(`Publishing to NATS at ${this.#target} was aborted`, { code: 'aborted' }),
    );
  }

  async close(): Promise<void> {
    if (!this.#nc.isClosed()) await this.#nc.close();
  }

  async #publish(message: NatsMessage): Promise<NatsPublishResult> {
    const { headers: natsHeaders } = await import('nats');
    const h = natsHeaders();
    for (const [name, value] of Object.entries(message.headers)) h.set(name, value);
    h.set('Content-Type', message.contentType);
    try {
      const stream = await this.#streamOf(message.subject);
      if (stream !== undefined) {
        try {
          const ack = await this.#nc.jetstream().publish(message.subject, message.payload, {
            msgID: message.messageId,
            headers: h,
            timeout: NATS_TIMEOUTS.ack,
          });
          return { stream: ack.stream, seq: ack.seq, duplicate: ack.duplicate };
        } catch (err) {
          // no responders: the stream is gone since it was looked up; the core publish below is what is left
          if (errorCode(err) !== '503') throw err;
          this.#streams.delete(message.subject);
        }
      }
      h.set('Nats-Msg-Id', message.messageId);
      this.#nc.publish(message.subject, message.payload, { headers: h });
      await this.#nc.flush();
      return {};
    } catch (err) {
      throw toNatsError(err, this.#target, 'publish to');
    }
  }

  /** The JetStream stream that captures `subject`, if any; undefined as well when JetStream is off. */
  async #streamOf(subject: string): Promise<string | undefined> {
    const known = this.#streams.get(subject);
    if (known && Date.now() - known.at < STREAM_LOOKUP_TTL_MS) return known.stream;
    const jsm = await this.#manager();
    let stream: string | undefined;
    if (jsm) {
      const names = await jsm.streams.names(subject).next();
      stream = names[0];
    }
    if (this.#streams.size >= MAX_REMEMBERED_SUBJECTS) this.#streams.clear();
    this.#streams.set(subject, { stream, at: Date.now() });
    return stream;
  }

  /** The JetStream manager, or undefined while the server has no JetStream (asked again after a while). */
  #manager(): Promise<JetStreamManager | undefined> {
    if (this.#jsm && Date.now() - this.#jsm.at < STREAM_LOOKUP_TTL_MS) return this.#jsm.manager;
    const entry = {
      at: Date.now(),
      manager: this.#nc.jetstreamManager({ timeout: NATS_TIMEOUTS.ack }).then(
        (manager): JetStreamManager | undefined => manager,
        (err: unknown) => {
          // 503: no JetStream on this server (or account): every publish is a core publish
          if (errorCode(err) === '503') return undefined;
          if (this.#jsm === entry) this.#jsm = undefined;
          throw err;
        },
      ),
    };
    this.#jsm = entry;
    return entry.manager;
  }
}
