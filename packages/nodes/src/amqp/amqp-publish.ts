// The AMQP publish node: one message to an exchange of an `amqp` broker, confirmed by the broker (publisher
// confirms), over a pooled connection under the outbound address policy.
import { FatalError, RetryableError } from '@tributary/flow';
import { z } from 'zod';
import type { BrokerDial, DialContext } from '../brokers/broker-dial.js';
import { brokerConnections } from '../brokers/connection-pool.js';
import { encodeMessage, messageBodyField } from '../brokers/message-body.js';
import { amqp } from '../credentials/broker-types.js';
import { credentialField } from '../credentials/define-credential.js';
import { credentialOfType } from '../credentials/step-credential.js';
import { defineNode } from '../define-node.js';
import { outboundSpan } from '../outbound-span.js';
import { dialAmqp, openAmqpConnection } from './amqp-connection.js';
import { AmqpPublisher } from './amqp-publisher.js';
import { parseAmqpUrl } from './amqp-url.js';

/** An AMQP short string: at most 255 bytes of UTF-8. */
const shortString = (max = 255) =>
  z.string().refine((s) => Buffer.byteLength(s, 'utf8') <= max, `at most ${max} bytes`);

/** Config of the AMQP publish node; its JSON Schema is the editor's form. */
export const amqpPublishConfig = z.strictObject({
  credential: credentialField(['amqp'], 'The AMQP broker to publish to'),
  exchange: shortString()
    .regex(/^[A-Za-z0-9_.:-]*$/, 'exchange names use letters, digits, "-", "_", "." and ":" only')
    .default('')
    .describe(
      'Exchange to publish to; empty for the default exchange, which delivers to the queue named by the routing key',
    ),
  routingKey: shortString().describe(
    'Routing key, e.g. "orders.created" (with the default exchange: a queue name)',
  ),
  body: messageBodyField('Message body'),
  headers: z
    .record(shortString().min(1), z.union([z.string().max(65_535), z.number(), z.boolean()]))
    .optional()
    .describe('Message headers by name, e.g. {"source": "checkout", "attempt": 1}'),
  persistent: z
    .boolean()
    .default(true)
    .describe(
      'Ask the broker to keep the message on disk (delivery mode 2), so a durable queue holds it across a broker restart',
    ),
});

/** The AMQP publish node's config after parsing. */
export type AmqpPublishConfig = z.infer<typeof amqpPublishConfig>;

/** Publishes one message to an AMQP exchange and waits for the broker's confirm. */
export const amqpPublish = defineNode({
  type: 'action.amqp-publish',
  version: 1,
  category: 'action',
  title: 'Publish to AMQP',
  description:
    'Publishes one message to an exchange of an AMQP 0-9-1 broker (RabbitMQ) and waits for the broker to confirm it. Private and internal addresses are refused. Retried when the broker is unreachable or does not confirm in time; a step may run more than once, so every attempt carries the same messageId for consumers to deduplicate.',
  icon: 'rabbit',
  config: amqpPublishConfig,
  credential: { types: ['amqp'] },
  traits: { pure: false },
  retry: { attempts: 5, backoff: 'exponential', delayMs: 2000, maxDelayMs: 120_000, jitter: true },
  outputDescription:
    'One item on `main`: `{ exchange, routingKey, messageId, routed }`; `routed` is false when no queue matched the routing key (the broker confirmed and dropped the message).',
  run: async (ctx) => {
    const { config } = ctx;
    const { credential, data } = await credentialOfType(
      ctx,
      amqp,
      'The AMQP credential is incomplete; edit and save it again',
    );
    const server = parseAmqpUrl(data.url);
    if (!server) {
      throw new FatalError('The AMQP credential’s URL is not usable; edit and save it again', {
        code: 'invalid_credential',
      });
    }
    const dialContext: DialContext = {
      resolveAddress: (host) => ctx.resolveAddress(host),
      allowedHosts: credential.allowedHosts,
    };
    const dial: BrokerDial = await dialAmqp(server, dialContext);
    const key = {
      kind: 'amqp',
      credentialId: credential.id,
      version: credential.version,
      address: `${dial.address}:${dial.port}`,
    };
    const { bytes, contentType } = encodeMessage(config.body);
    const messageId = ctx.idempotencyKey;
    const result = await brokerConnections.with(
      key,
      async () => new AmqpPublisher(await openAmqpConnection(server, dial, ctx.signal), dial),
      async (publisher) => {
        try {
          // the step's trace context goes in the message's headers (outbound-span.ts)
          return await outboundSpan(
            () => ({
              name: `publish ${config.exchange || config.routingKey}`,
              kind: 'producer',
              attributes: {
                'messaging.system': 'rabbitmq',
                'messaging.operation.type': 'send',
                'messaging.destination.name': config.exchange,
                'messaging.rabbitmq.destination.routing_key': config.routingKey,
                'messaging.message.id': messageId,
              },
            }),
            (traceHeaders) =>
              publisher.publish(
                {
                  exchange: config.exchange,
                  routingKey: config.routingKey,
                  content: bytes,
                  contentType,
                  messageId,
                  headers: { ...config.headers, ...traceHeaders },
                  persistent: config.persistent,
                },
                ctx.signal,
              ),
          );
        } catch (err) {
          // a connection that let a confirm time out is suspect: the next attempt gets a fresh one
          if (err instanceof RetryableError && err.code === 'timeout') await brokerConnections.discard(key);
          throw err;
        }
      },
    );
    ctx.logger.debug(
      { broker: dial.target, exchange: config.exchange, routed: result.routed, bytes: bytes.length },
      'amqp message published',
    );
    return {
      main: [{ exchange: config.exchange, routingKey: config.routingKey, messageId, routed: result.routed }],
    };
  },
});
