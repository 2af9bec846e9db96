// The MQTT publish node: one message to a topic of an `mqtt` broker, acknowledged at QoS 1 and 2, over a
// pooled connection under the outbound address policy.
import { FatalError, RetryableError } from '@tributary/flow';
import { z } from 'zod';
import type { DialContext } from '../brokers/broker-dial.js';
import { brokerConnections } from '../brokers/connection-pool.js';
import { encodeMessage, messageBodyField } from '../brokers/message-body.js';
import { mqtt } from '../credentials/broker-types.js';
import { credentialField } from '../credentials/define-credential.js';
import { credentialOfType } from '../credentials/step-credential.js';
import { defineNode } from '../define-node.js';
import { outboundSpan } from '../outbound-span.js';
import { dialMqtt, openMqttConnection, parseMqttUrl } from './mqtt-connection.js';
import { MqttPublisher } from './mqtt-publisher.js';

/** Config of the MQTT publish node; its JSON Schema is the editor's form. */
export const mqttPublishConfig = z.strictObject({
  credential: credentialField(['mqtt'], 'The MQTT broker to publish to'),
  topic: z
    .string()
    .min(1)
    .refine((t) => Buffer.byteLength(t, 'utf8') <= 65_535, 'at most 65,535 bytes')
    .regex(/^[^+#\0]*$/, 'a topic to publish to has no wildcards ("+", "#")')
    .describe('Topic, e.g. "orders/{{ orderId }}/shipped"; no wildcards'),
  payload: messageBodyField('Payload'),
  qos: z
    .union([z.literal(0), z.literal(1), z.literal(2)])
    .default(1)
    .describe(
      'Quality of service: 0 at most once (no acknowledgement), 1 at least once (waits for PUBACK), 2 exactly once between client and broker (waits for PUBCOMP)',
    ),
  retain: z
    .boolean()
    .default(false)
    .describe('Ask the broker to keep the message as the topic’s last value for future subscribers'),
});

/** The MQTT publish node's config after parsing. */
export type MqttPublishConfig = z.infer<typeof mqttPublishConfig>;

/** Publishes one message to an MQTT topic. */
export const mqttPublish = defineNode({
  type: 'action.mqtt-publish',
  version: 1,
  category: 'action',
  title: 'Publish to MQTT',
  description:
    'Publishes one message to a topic of an MQTT broker (MQTT 5); at QoS 1 and 2 it waits for the broker to acknowledge it. Private and internal addresses are refused. Retried when the broker is unreachable or does not acknowledge in time; a step may run more than once, so every attempt carries the same `message-id` user property for consumers to deduplicate.',
  icon: 'radio-tower',
  config: mqttPublishConfig,
  credential: { types: ['mqtt'] },
  traits: { pure: false },
  retry: { attempts: 5, backoff: 'exponential', delayMs: 2000, maxDelayMs: 120_000, jitter: true },
  outputDescription:
    'One item on `main`: `{ topic, qos, retain, messageId }`; `messageId` is the `message-id` user property sent with the message.',
  run: async (ctx) => {
    const { config } = ctx;
    const { credential, data } = await credentialOfType(
      ctx,
      mqtt,
      'The MQTT credential is incomplete; edit and save it again',
    );
    const address = parseMqttUrl(data.url);
    if (!address) {
      throw new FatalError('The MQTT credential’s URL is not usable; edit and save it again', {
        code: 'invalid_credential',
      });
    }
    const server = { ...data, ...address };
    const dialContext: DialContext = {
      resolveAddress: (host) => ctx.resolveAddress(host),
      allowedHosts: credential.allowedHosts,
    };
    const dial = await dialMqtt(server, dialContext);
    const key = {
      kind: 'mqtt',
      credentialId: credential.id,
      version: credential.version,
      address: `${dial.address}:${dial.port}`,
    };
    const { bytes, contentType } = encodeMessage(config.payload);
    const messageId = ctx.idempotencyKey;
    await brokerConnections.with(
      key,
      async () => new MqttPublisher(await openMqttConnection(server, dial, {}, ctx.signal), dial),
      async (publisher) => {
        try {
          // the step's trace context goes in the message's user properties (MQTT 5; outbound-span.ts)
          await outboundSpan(
            () => ({
              name: `publish ${config.topic}`,
              kind: 'producer',
              attributes: {
                'messaging.system': 'mqtt',
                'messaging.operation.type': 'send',
                'messaging.destination.name': config.topic,
                'messaging.message.id': messageId,
              },
            }),
            (traceHeaders) =>
              publisher.publish(
                {
                  topic: config.topic,
                  payload: bytes,
                  contentType,
                  qos: config.qos,
                  retain: config.retain,
                  messageId,
                  ...(traceHeaders ? { traceHeaders } : {}),
                },
                ctx.signal,
              ),
          );
        } catch (err) {
          // a connection that let an acknowledgement time out is suspect: the next attempt gets a fresh one
          if (err instanceof RetryableError && err.code === 'timeout') await brokerConnections.discard(key);
          throw err;
        }
      },
    );
    ctx.logger.debug({ broker: dial.target, qos: config.qos, bytes: bytes.length }, 'mqtt message published');
    return { main: [{ topic: config.topic, qos: config.qos, retain: config.retain, messageId }] };
  },
});
