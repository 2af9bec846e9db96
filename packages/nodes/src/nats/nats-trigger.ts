// The NATS trigger: a run per message of a JetStream stream, through a durable pull consumer that every
// worker process pulls from, so each message starts one run (nats-consumer.ts).
import { z } from 'zod';
import { brokerName } from '../brokers/broker-names.js';
import { credentialField } from '../credentials/define-credential.js';
import { defineNode } from '../define-node.js';
import { openNatsSession } from './nats-consumer.js';

/** Stream and consumer names: no spaces, dots, wildcards or path separators (JetStream's own rule). */
const jetStreamName = (what: string) =>
  brokerName(255, /^[A-Za-z0-9_-]+$/, `${what} names use letters, digits, "-" and "_" only`);

/** Tokens separated by ".", none empty; `*` stands for one whole token, `>` for the rest (last only). */
function validSubject(subject: string): boolean {
  if (/\s/.test(subject)) return false;
  const tokens = subject.split('.');
  return tokens.every(
    (token, i) =>
      token !== '' &&
      (token === '>' ? i === tokens.length - 1 : !token.includes('>')) &&
      (token === '*' || !token.includes('*')),
  );
}

/** Config of the NATS trigger; its JSON Schema is the editor's form. */
export const natsTriggerConfig = z.strictObject({
  credential: credentialField(['nats'], 'The NATS servers to consume from (JetStream on)'),
  stream: jetStreamName('stream').describe('JetStream stream that holds the messages, e.g. "ORDERS"'),
  subject: brokerName(1000, /^\P{Cc}+$/u, 'a subject holds no control characters')
    .refine(
      validSubject,
      'use tokens separated by "." with no spaces; "*" stands for one whole token and ">" for the rest, last only',
    )
    .describe('Subjects of the stream to consume, e.g. "orders.created" or "orders.>"'),
  durable: jetStreamName('durable consumer').describe(
    'Name of the durable consumer, e.g. "tributary-orders": created if missing, shared by all workers, and remembering what was acknowledged across restarts',
  ),
});

/** The NATS trigger's config after parsing. */
export type NatsTriggerConfig = z.infer<typeof natsTriggerConfig>;

/** Starts a run for each message of a JetStream stream. */
export const natsTrigger = defineNode({
  type: 'trigger.nats',
  version: 1,
  category: 'trigger',
  traits: { trigger: 'broker', consumer: { credentialType: 'nats', open: openNatsSession } },
  title: 'NATS message',
  description:
    'Starts the flow for each message of a NATS JetStream stream, through a durable consumer all workers share, so each message starts one run. A message is acknowledged only once its run is stored; when it cannot be stored now JetStream delivers it again later, and one that can never be accepted (over the size limit) is terminated with a log line. Messages with a Nats-Msg-Id header start one run even when delivered twice.',
  icon: 'zap',
  config: natsTriggerConfig,
  credential: { types: ['nats'] },
  outputDescription:
    'One item `{ body, headers, subject, properties }`: `body` parsed as JSON when the Content-Type header says JSON, else text (base64 when the bytes are not text); `properties` holds stream, consumer, sequence, deliveryCount, redelivered and timestamp.',
  sample: () => ({
    body: { orderId: 'o-1001', total: 42 },
    headers: { 'Content-Type': 'application/json', 'Nats-Msg-Id': 'o-1001' },
    subject: 'orders.created',
    properties: { stream: 'ORDERS', sequence: 1, deliveryCount: 1, redelivered: false },
  }),
});
