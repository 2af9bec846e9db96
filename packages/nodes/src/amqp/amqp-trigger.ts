// The AMQP trigger: a run per message of a RabbitMQ queue, consumed by every process that runs workers as
// competing consumers (RabbitMQ gives each message to one of them), acknowledged once its event is committed.
import { z } from 'zod';
import { brokerName } from '../brokers/broker-names.js';
import { credentialField } from '../credentials/define-credential.js';
import { defineNode } from '../define-node.js';
import { openAmqpSession } from './amqp-consumer.js';

/** Config of the AMQP trigger; its JSON Schema is the editor's form. */
export const amqpTriggerConfig = z.strictObject({
  credential: credentialField(['amqp'], 'The AMQP broker to consume from'),
  queue: brokerName(255, /^[A-Za-z0-9_.:-]+$/, 'queue names use letters, digits, "-", "_", "." and ":" only')
    .refine((name) => !name.startsWith('amq.'), 'names starting with "amq." are reserved by the broker')
    .describe('Queue to consume, e.g. "orders"'),
  assertQueue: z
    .boolean()
    .default(true)
    .describe(
      'Declare the queue (durable, no arguments) if it does not exist; turn off to consume a queue set up elsewhere — one with a dead-letter exchange or other arguments, which a plain declaration would not match — and wait for it while it is missing',
    ),
  prefetch: z
    .int()
    .min(1)
    .max(1000)
    .default(20)
    .describe('Messages each process holds unacknowledged at once (basic.qos)'),
});

/** The AMQP trigger's config after parsing. */
export type AmqpTriggerConfig = z.infer<typeof amqpTriggerConfig>;

/** Starts a run for each message of an AMQP queue. */
export const amqpTrigger = defineNode({
  type: 'trigger.amqp',
  version: 1,
  category: 'trigger',
  traits: { trigger: 'broker', consumer: { credentialType: 'amqp', open: openAmqpSession } },
  title: 'AMQP message',
  description:
    'Starts the flow for each message of a RabbitMQ (AMQP 0-9-1) queue. A message is acknowledged only once its run is stored; when it cannot be stored now it goes back to the queue, and one that can never be accepted (over the size limit) is rejected to the queue’s dead-letter exchange, if it has one. Messages with a messageId start one run even when delivered twice.',
  icon: 'rabbit',
  config: amqpTriggerConfig,
  credential: { types: ['amqp'] },
  outputDescription:
    'One item `{ body, headers, routingKey, properties }`: `body` parsed as JSON when the content type is JSON, else text (base64 when the bytes are not text); `properties` holds exchange, messageId, contentType, correlationId, timestamp and the other AMQP properties that were set.',
  sample: () => ({
    body: { orderId: 'o-1001', total: 42 },
    headers: {},
    routingKey: 'orders.created',
    properties: { exchange: 'orders', contentType: 'application/json', messageId: 'o-1001' },
  }),
});
