// A session of the NATS trigger: a JetStream durable pull consumer, created (or its subject filter updated)
// if need be, that every process pulls from. JetStream gives each message of a durable consumer to one
// puller (competing consumers), keeps what is not acknowledged, and delivers it again after its ack wait;
// a message is acknowledged (and the acknowledgement confirmed) only once its event is committed, naked
// with a delay when it could not be stored, and terminated (never delivered again) when it never can be.
import { FatalError } from '@tributary/flow';
import type { JetStreamManager, JsMsg } from 'nats';
import { isNetworkFailure, reasonOf } from '../brokers/broker-errors.js';
import type { ConsumedMessage, ConsumerContext, ConsumerSession } from '../brokers/consumer.js';
import { RETRY_DELAY_MS } from '../brokers/consumer.js';
import { decodeBody, headerValue, messageIdOf } from '../brokers/message-item.js';
import { nats } from '../credentials/broker-types.js';
import {
  dialNats,
  NATS_TIMEOUTS,
  natsTarget,
  openNatsConnection,
  parseNatsServers,
} from './nats-connection.js';
import { toNatsError } from './nats-errors.js';

/** What the NATS trigger's config says about consuming. */
export interface NatsConsumeConfig {
  stream: string;
  subject: string;
  durable: string;
}

/** Messages pulled and handled at once per process. */
const IN_FLIGHT = 64;
/** How long JetStream waits for an acknowledgement before delivering a message again. */
const ACK_WAIT_MS = 30_000;
/** How often the consumer's backlog (num_pending) is read for the lag metric. */
const LAG_INTERVAL_MS = 5_000;

/** JetStream API error codes (err_code) this session tells apart. */
const STREAM_NOT_FOUND = 10059;
const CONSUMER_NOT_FOUND = 10014;

function apiErrorCode(err: unknown): number | undefined {
  if (typeof err !== 'object' || err === null || !('api_error' in err)) return undefined;
  const api = err.api_error;
  return typeof api === 'object' && api !== null && 'err_code' in api && typeof api.err_code === 'number'
    ? api.err_code
    : undefined;
}

/** The trigger item and message id of a delivered message. */
export function natsMessage(m: JsMsg): ConsumedMessage {
  const headers: Record<string, unknown> = {};
  if (m.headers) {
    for (const [name, values] of m.headers) headers[name] = values.length === 1 ? values[0] : values;
  }
  const { body } = decodeBody(m.data, m.headers?.get('Content-Type') || undefined);
  return {
    item: {
      body,
      headers: headerValue(headers),
      subject: m.subject,
      properties: {
        stream: m.info.stream,
        consumer: m.info.consumer,
        sequence: m.info.streamSequence,
        deliveryCount: m.info.deliveryCount,
        redelivered: m.redelivered,
        timestamp: new Date(Math.floor(m.info.timestampNanos / 1_000_000)).toISOString(),
      },
    },
    messageId: messageIdOf(m.headers?.get('Nats-Msg-Id')),
    bytes: m.data.length,
  };
}

/** Creates the durable consumer, or points an existing one at the configured subject. */
async function ensureConsumer(
  jsm: JetStreamManager,
  config: NatsConsumeConfig,
  target: string,
): Promise<void> {
  const { AckPolicy, DeliverPolicy, nanos } = await import('nats');
  try {
    await jsm.streams.info(config.stream);
  } catch (err) {
    if (apiErrorCode(err) === STREAM_NOT_FOUND) {
      throw new FatalError(`NATS at ${target} has no JetStream stream "${config.stream}"`, {
        code: 'stream_not_found',
      });
    }
    throw err;
  }
  let existing: Awaited<ReturnType<JetStreamManager['consumers']['info']>> | undefined;
  try {
    existing = await jsm.consumers.info(config.stream, config.durable);
  } catch (err) {
    if (apiErrorCode(err) !== CONSUMER_NOT_FOUND) throw err;
  }
  if (!existing) {
    await jsm.consumers.add(config.stream, {
      durable_name: config.durable,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      filter_subject: config.subject,
      ack_wait: nanos(ACK_WAIT_MS),
      max_deliver: -1,
    });
    return;
  }
  if (existing.config.ack_policy !== AckPolicy.Explicit || existing.config.deliver_subject) {
    throw new FatalError(
      `the JetStream consumer "${config.durable}" exists and is not a pull consumer with explicit acks; use another durable name`,
      { code: 'broker_refused' },
    );
  }
  if (existing.config.filter_subject !== config.subject) {
    await jsm.consumers.update(config.stream, config.durable, { filter_subject: config.subject });
  }
}

/** Connects, sets up the durable consumer and pulls from it. */
export async function openNatsSession(
  config: NatsConsumeConfig,
  credentialData: Readonly<Record<string, unknown>>,
  ctx: ConsumerContext,
  signal: AbortSignal,
): Promise<ConsumerSession> {
  const data = nats.data.safeParse(credentialData);
  const servers = data.success ? parseNatsServers(data.data.servers) : undefined;
  if (!data.success || !servers) {
    throw new FatalError('The NATS credential is not usable; edit and save it again', {
      code: 'invalid_credential',
    });
  }
  const dials = await dialNats(servers, ctx.dial);
  const target = natsTarget(dials);
  const nc = await openNatsConnection(data.data, dials, signal);
  const closed = nc.closed().then(() => undefined);
  let lagTimer: NodeJS.Timeout | undefined;
  try {
    const jsm = await nc.jetstreamManager({ timeout: NATS_TIMEOUTS.ack });
    await ensureConsumer(jsm, config, target);
    const consumer = await nc.jetstream().consumers.get(config.stream, config.durable);
    const messages = await consumer.consume({ max_messages: IN_FLIGHT });
    const inFlight = new Set<Promise<void>>();
    const handle = async (m: JsMsg): Promise<void> => {
      const verdict = await ctx.deliver(natsMessage(m));
      try {
        if (verdict === 'accepted') await m.ackAck({ timeout: NATS_TIMEOUTS.ack });
        // no reason text: servers before 2.10 do not read `+TERM <reason>` as a termination
        else if (verdict === 'reject') m.term();
        else m.nak(RETRY_DELAY_MS);
      } catch {
        // the acknowledgement was lost with the connection: JetStream delivers it again after the ack wait
      }
    };
    const pulling = (async () => {
      for await (const m of messages) {
        const work = handle(m);
        inFlight.add(work);
        void work.finally(() => inFlight.delete(work));
        // pull no further than IN_FLIGHT messages ahead of what is committed
        while (inFlight.size >= IN_FLIGHT) await Promise.race(inFlight);
      }
    })().catch((err: unknown) => {
      ctx.logger.warn({ reason: reasonOf(err) }, 'pulling from JetStream stopped');
    });
    const readLag = async () => {
      try {
        ctx.reportLag((await consumer.info()).num_pending);
      } catch {
        // the connection is closing; the session ends with it
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
          await messages.close().catch(() => undefined);
          await pulling;
          await Promise.allSettled([...inFlight]);
          if (!nc.isClosed()) await nc.close().catch(() => undefined);
        })();
        return closing;
      },
    };
  } catch (err) {
    clearInterval(lagTimer);
    await nc.close().catch(() => undefined);
    if (err instanceof FatalError) throw err;
    if (isNetworkFailure(err)) throw toNatsError(err, target, 'connect to');
    throw new FatalError(
      `NATS at ${target} refused to set up consumer "${config.durable}": ${reasonOf(err)}`,
      {
        code: 'broker_refused',
        cause: err,
      },
    );
  }
}
