// A session of the MQTT trigger: one per trigger, not per process. The engine elects the process that
// consumes (the trigger's consumer is `exclusive`: a lease in Postgres), and that process connects with the
// trigger's own client id, `tributary-<flowId>`, a persistent session (clean start off, a session expiry)
// and a plain subscription to the topic filter. Whichever process holds the lease next finds the same
// session again, with the QoS 1 messages that arrived meanwhile. Chosen over an MQTT 5 shared subscription
// (every process competing): Mosquitto 2.0 restores persistent sessions after its own restart but not
// their shared subscriptions (checked with 2.0.11), so messages published between a broker restart and the
// consumers' return were dropped; a plain subscription of a persistent session is restored and keeps them.
// The cost: one process consumes a trigger at a time. A QoS 1 message is acknowledged (PUBACK) only once
// its event is committed; MQTT has no negative acknowledgement, so one that cannot be stored now is retried
// here until it is, and one that never can be is acknowledged and logged (MQTT has no dead-letter path).
import { FatalError } from '@tributary/flow';
import type { IPublishPacket } from 'mqtt';
import { isNetworkFailure, reasonOf } from '../brokers/broker-errors.js';
import type { ConsumedMessage, ConsumerContext, ConsumerSession } from '../brokers/consumer.js';
import { pause, RETRY_DELAY_MS } from '../brokers/consumer.js';
import { decodeBody, headerValue, messageIdOf } from '../brokers/message-item.js';
import { mqtt } from '../credentials/broker-types.js';
import { dialMqtt, MQTT_TIMEOUTS, openMqttConnection, parseMqttUrl } from './mqtt-connection.js';
import { toMqttConnectError } from './mqtt-errors.js';

/** What the MQTT trigger's config says about consuming. */
export interface MqttConsumeConfig {
  topic: string;
  qos: 0 | 1;
}

/**
 * How long the broker keeps a process's session (its subscription and the messages queued for it) after
 * the connection drops: long enough for a broker or worker restart, short enough that a worker gone for
 * good does not leave a session behind for days.
 */
export const MQTT_SESSION_EXPIRY_SECONDS = 3_600;

function userProperty(value: unknown): string | undefined {
  return messageIdOf(Array.isArray(value) ? value[0] : value);
}

/** The trigger item and message id of a received message. */
export function mqttMessage(packet: IPublishPacket): ConsumedMessage {
  const payload = typeof packet.payload === 'string' ? Buffer.from(packet.payload) : packet.payload;
  const props = packet.properties ?? {};
  const { body } = decodeBody(payload, props.contentType);
  const described: Record<string, unknown> = {
    qos: packet.qos,
    retain: packet.retain,
    dup: packet.dup,
    contentType: props.contentType,
    responseTopic: props.responseTopic,
    correlationData: props.correlationData === undefined ? undefined : headerValue(props.correlationData),
    payloadFormatIndicator: props.payloadFormatIndicator,
    messageExpiryInterval: props.messageExpiryInterval,
  };
  return {
    item: {
      body,
      headers: headerValue(props.userProperties ?? {}),
      topic: packet.topic,
      properties: Object.fromEntries(Object.entries(described).filter(([, v]) => v !== undefined)),
    },
    messageId: userProperty(props.userProperties?.['message-id']),
    bytes: payload.length,
  };
}

/** Connects with the trigger's persistent session and subscribes to its topic filter. */
export async function openMqttSession(
  config: MqttConsumeConfig,
  credentialData: Readonly<Record<string, unknown>>,
  ctx: ConsumerContext,
  signal: AbortSignal,
): Promise<ConsumerSession> {
  const data = mqtt.data.safeParse(credentialData);
  const address = data.success ? parseMqttUrl(data.data.url) : undefined;
  if (!data.success || !address) {
    throw new FatalError('The MQTT credential is not usable; edit and save it again', {
      code: 'invalid_credential',
    });
  }
  const server = { ...data.data, ...address };
  const dial = await dialMqtt(server, ctx.dial);
  const stopping = new AbortController();
  let handling: Promise<void> | undefined;

  const handle = async (packet: IPublishPacket): Promise<boolean> => {
    const message = mqttMessage(packet);
    for (;;) {
      const verdict = await ctx.deliver(message);
      // a message that can never be accepted is acknowledged: MQTT has no way to set it aside
      if (verdict !== 'retry') return true;
      if (packet.qos === 0) return true;
      await pause(RETRY_DELAY_MS, stopping.signal);
      if (stopping.signal.aborted) return false;
    }
  };

  const opened = await openMqttConnection(
    server,
    dial,
    {
      // the trigger's session: the same id on every reconnect, from whichever process, finds it again
      clientIdSuffix: ctx.group,
      clean: false,
      sessionExpirySeconds: MQTT_SESSION_EXPIRY_SECONDS,
      handleMessage(packet, done) {
        // closing: not handled and not acknowledged, so the session delivers it again to the next holder
        // (handling it now could commit it after the close, and a second run would follow)
        if (stopping.signal.aborted) return;
        handling = handle(packet).then(
          (ack) => {
            // not acknowledged while stopping: the session keeps it for the next connection
            if (ack) done();
          },
          (err: unknown) => done(err instanceof Error ? err : new Error(String(err))),
        );
      },
    },
    signal,
  );
  const closed = new Promise<void>((resolve) => opened.once('close', () => resolve()));
  try {
    const granted = await opened.subscribeAsync(config.topic, { qos: config.qos });
    const refused = granted.find((g) => g.qos > 2);
    if (refused) {
      throw new FatalError(
        `the MQTT broker at ${dial.target} refused the subscription to "${config.topic}" (reason code ${refused.qos})`,
        { code: 'broker_refused' },
      );
    }
  } catch (err) {
    opened.end(true);
    if (err instanceof FatalError) throw err;
    if (isNetworkFailure(err)) throw toMqttConnectError(err, dial.target);
    throw new FatalError(`the MQTT broker at ${dial.target} refused the subscription: ${reasonOf(err)}`, {
      code: 'broker_refused',
      cause: err,
    });
  }
  let closing: Promise<void> | undefined;
  return {
    closed,
    close(retire = false) {
      closing ??= (async () => {
        stopping.abort();
        // the message being handled is committed and acknowledged, or left to the session
        await handling?.catch(() => undefined);
        // a changed or deactivated trigger: the session must not keep collecting for the old filter
        if (retire && opened.connected) {
          await opened.unsubscribeAsync(config.topic).catch(() => undefined);
        }
        await Promise.race([
          opened.endAsync(false).catch(() => undefined),
          new Promise((resolve) => setTimeout(resolve, MQTT_TIMEOUTS.ack).unref()),
        ]);
        opened.end(true);
      })();
      return closing;
    },
  };
}
