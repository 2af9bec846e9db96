// The NATS publish node: one message to a subject; through JetStream with its ack when a stream captures the
// subject, else a core publish and a flush. A pooled connection under the outbound address policy.
import { FatalError, RetryableError } from '@tributary/flow';
import { z } from 'zod';
import type { DialContext } from '../brokers/broker-dial.js';
import { brokerConnections } from '../brokers/connection-pool.js';
import { encodeMessage, messageBodyField } from '../brokers/message-body.js';
import { nats } from '../credentials/broker-types.js';
import { credentialField } from '../credentials/define-credential.js';
import { credentialOfType } from '../credentials/step-credential.js';
import { defineNode } from '../define-node.js';
import { headerName, headerValue } from '../http/header-syntax.js';
import { outboundSpan } from '../outbound-span.js';
import { dialNats, natsTarget, openNatsConnection, parseNatsServers } from './nats-connection.js';
import { NatsPublisher } from './nats-publisher.js';

// headers the node writes itself
const RESERVED_HEADERS = new Set(['content-type', 'nats-msg-id']);

/** Config of the NATS publish node; its JSON Schema is the editor's form. */
export const natsPublishConfig = z.strictObject({
  credential: credentialField(['nats'], 'The NATS servers to publish to'),
  subject: z
    .string()
    .min(1)
    .max(1024)
    .regex(
      /^[^\s.*>]+(\.[^\s.*>]+)*$/,
      'a subject is tokens separated by ".", without spaces or wildcards ("*", ">")',
    )
    .describe('Subject, e.g. "orders.{{ orderId }}.shipped"; no wildcards'),
  payload: messageBodyField('Payload'),
  headers: z
    .record(headerName, headerValue)
    .refine((headers) => !Object.keys(headers).some((name) => RESERVED_HEADERS.has(name.toLowerCase())), {
      message: 'Content-Type and Nats-Msg-Id are set by the node',
    })
    .optional()
    .describe('Message headers by name, e.g. {"Source": "checkout"}'),
});

/** The NATS publish node's config after parsing. */
export type NatsPublishConfig = z.infer<typeof natsPublishConfig>;

/** Publishes one message to a NATS subject. */
export const natsPublish = defineNode({
  type: 'action.nats-publish',
  version: 1,
  category: 'action',
  title: 'Publish to NATS',
  description:
    'Publishes one message to a NATS subject. When a JetStream stream captures the subject, the message goes through JetStream and the node waits for the stream’s ack; otherwise it is a core publish, flushed to the server. Private and internal addresses are refused. Retried when the servers are unreachable or do not answer in time; every attempt carries the same Nats-Msg-Id, which JetStream deduplicates.',
  icon: 'zap',
  config: natsPublishConfig,
  credential: { types: ['nats'] },
  traits: { pure: false },
  retry: { attempts: 5, backoff: 'exponential', delayMs: 2000, maxDelayMs: 120_000, jitter: true },
  outputDescription:
    'One item on `main`: `{ subject, messageId }`, plus `{ stream, seq, duplicate }` when JetStream stored it (`duplicate`: an earlier attempt had already stored it).',
  run: async (ctx) => {
    const { config } = ctx;
    const { credential, data } = await credentialOfType(
      ctx,
      nats,
      'The NATS credential is incomplete; edit and save it again',
    );
    const servers = parseNatsServers(data.servers);
    if (!servers) {
      throw new FatalError('The NATS credential’s server list is not usable; edit and save it again', {
        code: 'invalid_credential',
      });
    }
    const dialContext: DialContext = {
      resolveAddress: (host) => ctx.resolveAddress(host),
      allowedHosts: credential.allowedHosts,
    };
    const dials = await dialNats(servers, dialContext);
    const target = natsTarget(dials);
    const key = {
      kind: 'nats',
      credentialId: credential.id,
      version: credential.version,
      address: dials.map((d) => `${d.dial.address}:${d.dial.port}`).join(','),
    };
    const { bytes, contentType } = encodeMessage(config.payload);
    const messageId = ctx.idempotencyKey;
    const result = await brokerConnections.with(
      key,
      async () => new NatsPublisher(await openNatsConnection(data, dials, ctx.signal), target),
      async (publisher) => {
        try {
          // the step's trace context goes in the message's headers (outbound-span.ts)
          return await outboundSpan(
            () => ({
              name: `publish ${config.subject}`,
              kind: 'producer',
              attributes: {
                'messaging.system': 'nats',
                'messaging.operation.type': 'send',
                'messaging.destination.name': config.subject,
                'messaging.message.id': messageId,
              },
            }),
            (traceHeaders) =>
              publisher.publish(
                {
                  subject: config.subject,
                  payload: bytes,
                  contentType,
                  headers: { ...config.headers, ...traceHeaders },
                  messageId,
                },
                ctx.signal,
              ),
          );
        } catch (err) {
          // a connection that let an ack time out is suspect: the next attempt gets a fresh one
          if (err instanceof RetryableError && err.code === 'timeout') await brokerConnections.discard(key);
          throw err;
        }
      },
    );
    ctx.logger.debug(
      { broker: target, stream: result.stream, bytes: bytes.length },
      'nats message published',
    );
    return { main: [{ subject: config.subject, messageId, ...result }] };
  },
});
