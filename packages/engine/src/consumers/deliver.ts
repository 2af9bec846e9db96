// A consumed broker message becomes an event through ingest's durable path — the event and its run are
// committed in one transaction with the events arriving meanwhile (group commit) — and the broker is told
// what to do with the message only after that: acknowledge it, deliver it again, or set it aside.
import { BadRequestError } from '@tributary/flow';
import type { ConsumedMessage, Verdict } from '@tributary/nodes';
import type { EngineContext, Logger } from '../core/index.js';
import { ingest } from '../ingest/index.js';
import type { ConsumerMetrics } from './consumer-metrics.js';

/** The trigger a message arrived for. */
export interface ConsumerTarget {
  flowId: string;
  version: number;
  /** The broker kind (`amqp`, `mqtt`, `nats`): the event's type and its source's prefix. */
  kind: string;
}

/** What delivering needs besides the engine. */
export interface DeliverOptions {
  /** Largest message body accepted, in bytes; a larger one is rejected (TRIBUTARY_MAX_BODY, as for webhooks). */
  maxMessageBytes: number;
  metrics: ConsumerMetrics;
  logger: Logger;
}

/**
 * Accepts one message as an event of `target`'s flow version and says what to tell the broker. Its
 * idempotency key is the message id, scoped to the flow (`<kind>:<flowId>` is the event's source), so a
 * message delivered twice — after a lost acknowledgement, or to two processes — starts one run.
 */
export async function deliverMessage(
  ctx: EngineContext,
  target: ConsumerTarget,
  message: ConsumedMessage,
  options: DeliverOptions,
): Promise<Verdict> {
  const labels = { flow: target.flowId, trigger: target.kind };
  options.metrics.received.inc(labels);
  if (message.bytes > options.maxMessageBytes) {
    options.metrics.rejected.inc({ ...labels, reason: 'too_large' });
    options.logger.warn(
      { messageId: message.messageId, bytes: message.bytes, limit: options.maxMessageBytes },
      'broker message over the size limit set aside (the dead-letter path; MQTT, which has none: acknowledged); not retried',
    );
    return 'reject';
  }
  try {
    const result = await ingest(ctx, {
      source: `${target.kind}:${target.flowId}`,
      type: target.kind,
      idempotencyKey: message.messageId,
      payload: message.item,
      payloadBytes: message.bytes,
      targets: [{ flowId: target.flowId, version: target.version, item: message.item }],
    });
    options.metrics.acked.inc(labels);
    if (result.duplicate) {
      options.logger.debug(
        { messageId: message.messageId, eventId: result.eventId },
        'broker message seen before',
      );
    }
    return 'accepted';
  } catch (err) {
    if (err instanceof BadRequestError) {
      // the payload itself is refused (text Postgres cannot store): another delivery would be refused alike
      options.metrics.rejected.inc({ ...labels, reason: err.code });
      options.logger.warn(
        { messageId: message.messageId, code: err.code, reason: err.message },
        'broker message refused; rejected to the dead-letter path',
      );
      return 'reject';
    }
    options.metrics.redelivered.inc(labels);
    options.logger.warn(
      { messageId: message.messageId, reason: err instanceof Error ? err.message : String(err) },
      'broker message not stored now; left for the broker to deliver again',
    );
    return 'retry';
  }
}
