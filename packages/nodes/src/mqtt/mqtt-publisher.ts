// A pooled MQTT connection that publishes and, at QoS 1 and 2, waits for the broker's PUBACK or PUBCOMP.
import { RetryableError } from '@tributary/flow';
import type { MqttClient } from 'mqtt';
import type { BrokerDial } from '../brokers/broker-dial.js';
import { withinTimeLimit } from '../brokers/broker-errors.js';
import type { PooledConnection } from '../brokers/connection-pool.js';
import { MQTT_TIMEOUTS } from './mqtt-connection.js';
import { toMqttPublishError } from './mqtt-errors.js';

/** One message to publish. */
export interface MqttMessage {
  topic: string;
  payload: Buffer;
  contentType: string;
  qos: 0 | 1 | 2;
  retain: boolean;
  /** Sent as the MQTT 5 user property `message-id`, which consumers deduplicate with. */
  messageId: string;
  /** The step's W3C trace context (`traceparent`, `tracestate`), sent as user properties too. */
  traceHeaders?: Record<string, string>;
}

/** A connection as the publish pool keeps it. */
export class MqttPublisher implements PooledConnection {
  readonly #client: MqttClient;
  readonly #dial: BrokerDial;

  constructor(client: MqttClient, dial: BrokerDial) {
    this.#client = client;
    this.#dial = dial;
  }

  get open(): boolean {
    return this.#client.connected && !this.#client.disconnecting;
  }

  /** Publishes; at QoS 1 and 2 waits for the broker's acknowledgement, within MQTT_TIMEOUTS.ack. */
  publish(message: MqttMessage, signal?: AbortSignal): Promise<void> {
    const acknowledged = new Promise<void>((resolve, reject) => {
      this.#client.publish(
        message.topic,
        message.payload,
        {
          qos: message.qos,
          retain: message.retain,
          properties: {
            contentType: message.contentType,
            // both kinds of payload the nodes send are UTF-8 text
            payloadFormatIndicator: true,
            userProperties: { ...message.traceHeaders, 'message-id': message.messageId },
          },
        },
        (err) => {
          if (err) reject(toMqttPublishError(err, this.#dial.target));
          else resolve();
        },
      );
    });
    return withinTimeLimit(
      acknowledged,
      { ms: MQTT_TIMEOUTS.ack, signal },
      () =>
        new RetryableError(
          `the MQTT broker at ${this.#dial.target} did not acknowledge the message within ${MQTT_TIMEOUTS.ack / 1000} s`,
          { code: 'timeout' },
        ),
      () =>
        new RetryableError(`Publishing to the MQTT broker at ${this.#dial.target} was aborted`, {
          code: 'aborted',
        }),
    );
  }

  /** Ends the connection once messages in flight are acknowledged; after a second, ends it anyway. */
  close(): Promise<void> {
    return new Promise((resolve) => {
      const force = setTimeout(() => this.#client.end(true, {}, () => resolve()), 1000);
      this.#client.end(false, {}, () => {
        clearTimeout(force);
        resolve();
      });
    });
  }
}
