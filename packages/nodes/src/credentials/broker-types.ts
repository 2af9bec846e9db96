// Credential types of message brokers: AMQP 0-9-1 (RabbitMQ), MQTT and NATS. Each test connects and logs in
// under the outbound address policy and the credential's allowedHosts, and sends nothing.
import { z } from 'zod';
import { dialAmqp, openAmqpConnection } from '../amqp/amqp-connection.js';
import { amqpUrlSecrets, parseAmqpUrl } from '../amqp/amqp-url.js';
import type { DialContext } from '../brokers/broker-dial.js';
import { reasonOf } from '../brokers/broker-errors.js';
import { dialMqtt, openMqttConnection, parseMqttUrl } from '../mqtt/mqtt-connection.js';
import {
  dialNats,
  MAX_NATS_SERVERS,
  natsTarget,
  openNatsConnection,
  parseNatsServers,
} from '../nats/nats-connection.js';
import {
  type CredentialTestContext,
  type CredentialTestResult,
  defineCredentialType,
} from './define-credential.js';

/** A secret field that must also pass `check`; its message must not quote the value. */
function checkedSecret(description: string, check: (value: string) => boolean, message: string) {
  return z.string().min(1).max(2000).refine(check, message).meta({ writeOnly: true }).describe(description);
}

/** The test context as dialling sees it: checkAddress applies the address policy and the allowedHosts. */
function dialContext(ctx: CredentialTestContext): DialContext {
  return { resolveAddress: (host) => ctx.checkAddress(host), allowedHosts: [] };
}

/** A failed check: the message of the error the connection attempt failed with (it names no secret). */
function failed(err: unknown): CredentialTestResult {
  return { ok: false, message: reasonOf(err) };
}

export const amqp = defineCredentialType({
  type: 'amqp',
  title: 'AMQP broker (RabbitMQ)',
  description:
    'An AMQP 0-9-1 broker such as RabbitMQ, by URL. The URL holds the password, so the whole URL is secret. The test connects, logs in and opens the vhost.',
  data: z.strictObject({
    url: checkedSecret(
      'Connection URL, e.g. "amqp://user:password@rabbit.example.com:5672/vhost" (amqps:// for TLS); percent-encode special characters in the user name and password; `?heartbeat=30` sets the heartbeat in seconds',
      (url) => parseAmqpUrl(url) !== undefined,
      'use an amqp:// or amqps:// URL such as amqp://user:password@rabbit.example.com:5672/vhost (only ?heartbeat= may follow)',
    ),
  }),
  derivedSecrets: (data) => amqpUrlSecrets(data.url),
  test: async (data, ctx): Promise<CredentialTestResult> => {
    const server = parseAmqpUrl(data.url);
    if (!server) return { ok: false, message: 'the URL is not an amqp:// or amqps:// URL' };
    try {
      const dial = await dialAmqp(server, dialContext(ctx));
      const connection = await openAmqpConnection(server, dial, ctx.signal);
      const { product, version } = connection.connection.serverProperties;
      await connection.close();
      const name =
        [product, version].filter((v) => typeof v === 'string' && v !== '').join(' ') || 'the broker';
      return { ok: true, message: `connected to ${name} at ${dial.target}, vhost "${server.vhost}"` };
    } catch (err) {
      return failed(err);
    }
  },
});

export const mqtt = defineCredentialType({
  type: 'mqtt',
  title: 'MQTT broker',
  description:
    'An MQTT broker (MQTT 5), e.g. Mosquitto, EMQX or HiveMQ. The test connects and logs in without publishing.',
  data: z
    .strictObject({
      url: z
        .string()
        .min(1)
        .max(2000)
        .refine(
          (url) => parseMqttUrl(url) !== undefined,
          'use mqtt://host:port or mqtts://host:port (TLS); the user name and password have fields of their own',
        )
        .describe(
          'Broker address, e.g. "mqtt://broker.example.com:1883" or "mqtts://broker.example.com:8883"',
        ),
      username: z.string().min(1).max(500).optional().describe('User name, when the broker asks for one'),
      password: z.string().min(1).max(4096).optional().meta({ writeOnly: true }).describe('Password'),
      clientId: z
        .string()
        .min(1)
        .max(40)
        .regex(/^[A-Za-z0-9_.-]+$/, 'use letters, digits, "-", "_" and "." only')
        .optional()
        .describe(
          'What client ids start with (default "tributary"); each connection adds a suffix of its own, so several workers never take over each other’s session',
        ),
    })
    .refine((data) => data.password === undefined || data.username !== undefined, {
      path: ['username'],
      message: 'a password needs a user name',
    }),
  test: async (data, ctx): Promise<CredentialTestResult> => {
    const address = parseMqttUrl(data.url);
    if (!address) return { ok: false, message: 'the URL is not an mqtt:// or mqtts:// URL' };
    const server = { ...data, ...address };
    try {
      const dial = await dialMqtt(server, dialContext(ctx));
      const client = await openMqttConnection(server, dial, {}, ctx.signal);
      await client.endAsync();
      const login = data.username !== undefined ? ` and logged in as ${data.username}` : '';
      return { ok: true, message: `connected to the MQTT broker at ${dial.target}${login}` };
    } catch (err) {
      return failed(err);
    }
  },
});

export const nats = defineCredentialType({
  type: 'nats',
  title: 'NATS',
  description:
    'NATS servers, with a token or a user and password (or neither). The test connects and logs in without publishing, and says whether JetStream is on.',
  data: z
    .strictObject({
      servers: z
        .string()
        .min(1)
        .max(2000)
        .refine(
          (list) => parseNatsServers(list) !== undefined,
          `list up to ${MAX_NATS_SERVERS} servers separated by commas, each "nats://host:4222", "tls://host:4222" (TLS) or "host:4222", without user info`,
        )
        .describe(
          'Servers, separated by commas, tried in order: e.g. "nats://nats-1.example.com:4222, nats://nats-2.example.com:4222"; tls:// requires TLS',
        ),
      token: z
        .string()
        .min(1)
        .max(4096)
        .optional()
        .meta({ writeOnly: true })
        .describe('Token, when the servers use token auth'),
      user: z
        .string()
        .min(1)
        .max(500)
        .optional()
        .describe('User name, when the servers use user and password auth'),
      pass: z.string().min(1).max(4096).optional().meta({ writeOnly: true }).describe('Password of the user'),
    })
    .refine((data) => data.token === undefined || (data.user === undefined && data.pass === undefined), {
      path: ['token'],
      message: 'give a token or a user and password, not both',
    })
    .refine((data) => data.pass === undefined || data.user !== undefined, {
      path: ['user'],
      message: 'a password needs a user name',
    }),
  test: async (data, ctx): Promise<CredentialTestResult> => {
    const servers = parseNatsServers(data.servers);
    if (!servers) return { ok: false, message: 'the server list is not usable' };
    try {
      const dials = await dialNats(servers, dialContext(ctx));
      const nc = await openNatsConnection(data, dials, ctx.signal);
      const { info } = nc;
      const at = nc.getServer();
      await nc.close();
      const version = info?.version ? ` ${info.version}` : '';
      const jetstream = info?.jetstream ? 'JetStream on' : 'JetStream off';
      return { ok: true, message: `connected to NATS${version} at ${at || natsTarget(dials)}, ${jetstream}` };
    } catch (err) {
      return failed(err);
    }
  },
});
