// The MQTT trigger: a run per message on a topic filter (wildcards allowed), received by one consumer per
// trigger that the engine elects among the worker processes, in a persistent session of the trigger's own
// (mqtt-consumer.ts), so each message starts one run and none is lost across restarts.
import { z } from 'zod';
import { brokerName } from '../brokers/broker-names.js';
import { credentialField } from '../credentials/define-credential.js';
import { defineNode } from '../define-node.js';
import { openMqttSession } from './mqtt-consumer.js';

/** `+` and `#` stand for whole levels, and `#` only for the last one (MQTT 5 §4.7.1). */
function wildcardsWhole(filter: string): boolean {
  const levels = filter.split('/');
  return levels.every(
    (level, i) =>
      (level === '#' ? i === levels.length - 1 : !level.includes('#')) &&
      (level === '+' || !level.includes('+')),
  );
}

/** Config of the MQTT trigger; its JSON Schema is the editor's form. */
export const mqttTriggerConfig = z.strictObject({
  credential: credentialField(['mqtt'], 'The MQTT broker to subscribe to'),
  topic: brokerName(1000, /^\P{Cc}+$/u, 'a topic filter holds no control characters')
    .refine(wildcardsWhole, '"+" and "#" must each be a whole level, and "#" only the last one')
    .refine((t) => !t.startsWith('$'), 'topics starting with "$" are the broker’s own ($SYS, $share)')
    .describe('Topic filter, e.g. "sensors/+/temperature" or "orders/#"'),
  qos: z
    .union([z.literal(0), z.literal(1)])
    .default(1)
    .describe(
      'Quality of service: 1 (at least once: a message is acknowledged only once its run is stored, and kept by the broker while workers are away) or 0 (at most once: may be lost)',
    ),
});

/** The MQTT trigger's config after parsing. */
export type MqttTriggerConfig = z.infer<typeof mqttTriggerConfig>;

/** Starts a run for each message on a topic filter. */
export const mqttTrigger = defineNode({
  type: 'trigger.mqtt',
  version: 1,
  category: 'trigger',
  traits: {
    trigger: 'broker',
    consumer: { credentialType: 'mqtt', open: openMqttSession, exclusive: true },
  },
  title: 'MQTT message',
  description:
    'Starts the flow for each message on an MQTT topic filter (MQTT 5; wildcards allowed). One worker at a time consumes it (the engine elects one; another takes over if it stops), in a persistent session of the trigger’s own, so each message starts one run; with QoS 1 a message is acknowledged only once its run is stored, and messages sent while the workers are away wait in the broker. One over the size limit is acknowledged and logged, not retried. Messages with a `message-id` user property start one run even when delivered twice.',
  icon: 'radio-tower',
  config: mqttTriggerConfig,
  credential: { types: ['mqtt'] },
  outputDescription:
    'One item `{ body, headers, topic, properties }`: `body` parsed as JSON when the content type is JSON, else text (base64 when the bytes are not text); `headers` are the user properties; `properties` holds qos, retain, contentType, responseTopic and the other MQTT 5 properties that were set.',
  sample: (config) => ({
    body: { sensor: 's-7', celsius: 21.5 },
    headers: {},
    topic: typeof config.topic === 'string' ? config.topic.replace(/[+#]/g, 's-7') : 'sensors/s-7',
    properties: { qos: 1, retain: false, contentType: 'application/json' },
  }),
});
