// The e-mail node: one message through the SMTP server of an `smtp` credential, under the outbound address policy.
import { createHash } from 'node:crypto';
import { FatalError } from '@tributary/flow';
import { z } from 'zod';
import { credentialField } from '../credentials/define-credential.js';
import { smtp } from '../credentials/service-types.js';
import { credentialOfType } from '../credentials/step-credential.js';
import { defineNode } from '../define-node.js';
import { headerValue } from '../http/header-syntax.js';
import { addressList, type Mailbox, parseMailboxes } from '../smtp/address-list.js';
import { checkSmtpHost, ehloName, sendSmtpMail, smtpTarget } from '../smtp/transport.js';

// headers the node writes itself from its fields and the credential; a config header must not replace them
const RESERVED_HEADERS = new Set([
  'from',
  'sender',
  'to',
  'cc',
  'bcc',
  'reply-to',
  'subject',
  'date',
  'message-id',
  'mime-version',
  'content-type',
  'content-transfer-encoding',
  'content-disposition',
  'return-path',
  'received',
  'dkim-signature',
]);

// RFC 5322 field name: printable ASCII without the colon
const FIELD_NAME = /^[!-9;-~]+$/;

/** Extra headers: names checked here rather than in the key schema, so each problem gets its own message. */
const extraHeaders = z.record(z.string().min(1).max(100), headerValue).superRefine((headers, ctx) => {
  for (const name of Object.keys(headers)) {
    if (!FIELD_NAME.test(name)) {
      ctx.addIssue({
        code: 'custom',
        message: 'use printable ASCII without ":" in header names',
        path: [name],
      });
    } else if (RESERVED_HEADERS.has(name.toLowerCase())) {
      ctx.addIssue({
        code: 'custom',
        message: 'this header is set from the node’s own fields',
        path: [name],
      });
    }
  }
});

const MAX_BODY_CHARS = 1_000_000;

/** Config of the e-mail node; its JSON Schema is the editor's form. */
export const emailConfig = z
  .strictObject({
    credential: credentialField(['smtp'], 'The SMTP server to send through; its sender address is the From'),
    to: addressList(
      'Recipients: "a@example.com, Name <b@example.com>" or a list of addresses, e.g. ["{{ email }}"]',
    ),
    cc: addressList('Copy recipients, like `to`').optional(),
    bcc: addressList('Blind copy recipients: in the envelope, never in the headers').optional(),
    replyTo: addressList('Where replies go, when not to the sender').optional(),
    subject: z
      .string()
      .max(998)
      .regex(/^[^\r\n\0]*$/, 'must not contain line breaks')
      .describe('Subject line, at most 998 characters'),
    text: z.string().max(MAX_BODY_CHARS).optional().describe('Plain-text body'),
    html: z
      .string()
      .max(MAX_BODY_CHARS)
      .optional()
      .describe('HTML body; with a text body too, mail clients show the one they prefer'),
    headers: extraHeaders
      .optional()
      .describe('Extra headers by name, e.g. {"List-Unsubscribe": "<https://example.com/u/1>"}'),
  })
  .refine((config) => (config.text ?? '') !== '' || (config.html ?? '') !== '', {
    message: 'give a text body, an html body or both',
    path: ['text'],
  });

/** The e-mail node's config after parsing. */
export type EmailConfig = z.infer<typeof emailConfig>;

function senderOf(from: string): Mailbox {
  const { mailboxes, problems } = parseMailboxes(from);
  const [sender, ...more] = mailboxes;
  if (sender === undefined || more.length > 0 || problems.length > 0) {
    const why = problems[0] ?? 'give exactly one address';
    throw new FatalError(`The SMTP credential's sender address is not usable: ${why}`, {
      code: 'invalid_credential',
    });
  }
  return sender;
}

/** The same Message-ID on every attempt of the step, so a receiver can spot a message sent twice. */
function messageId(idempotencyKey: string, sender: Mailbox): string {
  const id = createHash('sha256').update(idempotencyKey).digest('hex').slice(0, 32);
  return `<${id}@${ehloName(sender.address) ?? 'tributary.invalid'}>`;
}

/** Sends an e-mail through an SMTP server. */
export const email = defineNode({
  type: 'action.email',
  version: 1,
  category: 'action',
  title: 'Send e-mail',
  description:
    'Sends one e-mail through the SMTP server of a credential, from its sender address. Private and internal addresses are refused. Retried on 4xx replies and broken connections; a step may run more than once, so every attempt carries the same Message-ID.',
  icon: 'mail',
  config: emailConfig,
  credential: { types: ['smtp'] },
  traits: { pure: false },
  retry: { attempts: 3, backoff: 'exponential', delayMs: 5000, maxDelayMs: 300_000, jitter: true },
  outputDescription:
    'One item on `main`: `{ messageId, accepted, rejected, response }` — the Message-ID, the recipients the server took and refused, and its last reply.',
  run: async (ctx) => {
    const { config } = ctx;
    const { credential, data: server } = await credentialOfType(
      ctx,
      smtp,
      'The SMTP credential is incomplete; edit and save it again',
    );
    const sender = senderOf(server.from);
    checkSmtpHost(server.host, credential.allowedHosts);
    const address = await ctx.resolveAddress(server.host);
    const result = await sendSmtpMail(
      server,
      { address, clientName: ehloName(sender.address) },
      {
        from: sender,
        to: config.to,
        ...(config.cc ? { cc: config.cc } : {}),
        ...(config.bcc ? { bcc: config.bcc } : {}),
        ...(config.replyTo ? { replyTo: config.replyTo } : {}),
        subject: config.subject,
        ...(config.text !== undefined ? { text: config.text } : {}),
        ...(config.html !== undefined ? { html: config.html } : {}),
        ...(config.headers ? { headers: config.headers } : {}),
        messageId: messageId(ctx.idempotencyKey, sender),
      },
      ctx.signal,
    );
    // counts only: addresses are personal data
    ctx.logger.debug(
      { server: smtpTarget(server), accepted: result.accepted.length, rejected: result.rejected.length },
      'email sent',
    );
    return { main: [result] };
  },
});
