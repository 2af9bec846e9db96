// Opening an MQTT connection from an `mqtt` credential under the outbound address policy: the checked address
// is dialled, the host name kept for TLS. Publish nodes pool these; consumers open their own.
import { randomBytes } from 'node:crypto';
import { RetryableError } from '@tributary/flow';
import type { IClientOptions, MqttClient } from 'mqtt';
import { type BrokerDial, type DialContext, dialBroker } from '../brokers/broker-dial.js';
import { withinTimeLimit } from '../brokers/broker-errors.js';
import { toMqttConnectError } from './mqtt-errors.js';

/** Where and how to connect to an MQTT broker, as an `mqtt` credential says. */
export interface MqttServer {
  /** mqtts: TLS from the first byte. */
  secure: boolean;
  host: string;
  port: number;
  username?: string | undefined;
  password?: string | undefined;
  /** What client ids start with; each connection adds a suffix of its own. */
  clientId?: string | undefined;
}

/** Time limits of MQTT work, in milliseconds. */
export const MQTT_TIMEOUTS = { connect: 10_000, ack: 10_000 } as const;

/** Reads `mqtt://host:port` or `mqtts://host:port`; undefined when it is not one (or carries more than that). */
export function parseMqttUrl(url: string): Pick<MqttServer, 'secure' | 'host' | 'port'> | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    // not a URL at all; the caller says what it expected
    return undefined;
  }
  const secure = parsed.protocol === 'mqtts:';
  if (!secure && parsed.protocol !== 'mqtt:') return undefined;
  const host = parsed.hostname.replace(/^\[|\]$/g, '');
  const bare =
    parsed.username === '' &&
    parsed.password === '' &&
    (parsed.pathname === '' || parsed.pathname === '/') &&
    parsed.search === '' &&
    parsed.hash === '';
  if (host === '' || !bare) return undefined;
  return { secure, host, port: parsed.port === '' ? (secure ? 8883 : 1883) : Number(parsed.port) };
}

/** Checks the broker's host against the credential's allowedHosts and the address policy. */
export function dialMqtt(server: MqttServer, ctx: DialContext): Promise<BrokerDial> {
  return dialBroker(server, ctx, 'the MQTT broker');
}

/** How a connection presents itself to the broker. */
export interface MqttSessionOptions {
  /** Appended to the credential's client id prefix; default: a random one (a connection of its own). */
  clientIdSuffix?: string;
  /** Start without a stored session (default true); consumers with persistent sessions pass false. */
  clean?: boolean;
  /** MQTT 5 session expiry, for persistent sessions. */
  sessionExpirySeconds?: number;
  /**
   * Handles each incoming message before it is acknowledged (a QoS 1 PUBACK goes only once `done` is
   * called); set before the connection opens, as a persistent session's queued messages come at once.
   */
  handleMessage?: MqttClient['handleMessage'];
}

/** The client id a connection uses: the credential's prefix (default "tributary") and a suffix. */
export function mqttClientId(server: MqttServer, suffix: string): string {
  return `${server.clientId ?? 'tributary'}-${suffix}`;
}

/**
 * Connects to a checked address with MQTT 5 and waits for the broker's CONNACK within MQTT_TIMEOUTS.connect;
 * aborting `signal` gives up at once. The client never reconnects by itself; the caller owns it and ends it.
 */
export async function openMqttConnection(
  server: MqttServer,
  dial: BrokerDial,
  session: MqttSessionOptions = {},
  signal?: AbortSignal,
): Promise<MqttClient> {
  const options: IClientOptions = {
    protocol: server.secure ? 'mqtts' : 'mqtt',
    host: dial.address,
    hostname: dial.address,
    port: dial.port,
    ...(dial.servername !== undefined ? { servername: dial.servername } : {}),
    protocolVersion: 5,
    clientId: mqttClientId(server, session.clientIdSuffix ?? randomBytes(6).toString('hex')),
    clean: session.clean ?? true,
    ...(session.sessionExpirySeconds !== undefined
      ? { properties: { sessionExpiryInterval: session.sessionExpirySeconds } }
      : {}),
    ...(server.username !== undefined && server.username !== '' ? { username: server.username } : {}),
    ...(server.password !== undefined ? { password: server.password } : {}),
    connectTimeout: MQTT_TIMEOUTS.connect,
    reconnectPeriod: 0,
    queueQoSZero: false,
    resubscribe: false,
  };
  // loaded on first use: a process whose flows speak no MQTT never holds the library
  const { connect } = await import('mqtt');
  const client = connect(options);
  if (session.handleMessage) client.handleMessage = session.handleMessage;
  const connected = new Promise<MqttClient>((resolve, reject) => {
    const onConnect = () => {
      settle();
      resolve(client);
    };
    const onError = (err: unknown) => {
      settle();
      reject(err);
    };
    const onClose = () => {
      settle();
      reject(
        new RetryableError(`the MQTT broker at ${dial.target} closed the connection`, {
          code: 'broker_unavailable',
        }),
      );
    };
    function settle(): void {
      client.off('connect', onConnect);
      client.off('error', onError);
      client.off('close', onClose);
    }
    client.on('connect', onConnect);
    client.on('error', onError);
    client.on('close', onClose);
  });
  // mqtt.js emits 'error' for broken connections; with a listener it does not throw, and 'close' follows
  client.on('error', () => undefined);
  try {
    return await withinTimeLimit(
      connected,
      { ms: MQTT_TIMEOUTS.connect, signal },
      () =>
        new RetryableError(`the MQTT broker at ${dial.target} did not accept the connection in time`, {
          code: 'timeout',
        }),
      () =>
        new RetryableError(`Connecting to the MQTT broker at ${dial.target} was aborted`, {
          code: 'aborted',
        }),
    );
  } catch (err) {
    client.end(true);
    throw toMqttConnectError(err, dial.target);
  }
}
