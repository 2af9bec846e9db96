// One SMTP connection per step under the outbound address policy: the checked address is dialled, the name kept for TLS.
import { isIP } from 'node:net';
import { rootCertificates } from 'node:tls';
import { domainToASCII } from 'node:url';
import { FatalError, RetryableError } from '@tributary/flow';
import type { SendMailOptions } from 'nodemailer/lib/mailer';
import type { SMTPTransportOptions } from 'nodemailer/lib/smtp-transport';
import { normalizeHost } from '../http/address-policy.js';
import { hostMatches } from '../http/guarded-http-client.js';
import { toSmtpError } from './smtp-errors.js';

/** The parts of an `smtp` credential that say where and how to connect. */
export interface SmtpServer {
  host: string;
  port: number;
  /** TLS from the first byte; when false, STARTTLS is used if the server offers it. */
  secure: boolean;
  username?: string | undefined;
  password?: string | undefined;
}

/** Where to dial and what to trust. */
export interface SmtpDial {
  /** The address `server.host` resolved to, already checked under the address policy. */
  address: string;
  /** The name to send in EHLO, e.g. the sender's domain; default: nodemailer's (this machine's name). */
  clientName?: string | undefined;
  /** CA certificates (PEM) trusted besides Node's bundled roots, for servers behind a private CA. */
  ca?: readonly string[] | undefined;
}

/** Time limits of one exchange, in milliseconds. */
export const SMTP_TIMEOUTS = { connection: 10_000, greeting: 10_000, socket: 30_000 } as const;

/** What the server said about a sent message. */
export interface SmtpSendResult {
  messageId: string;
  accepted: string[];
  rejected: string[];
  response: string;
}

/** `host:port` as messages name the server. */
export function smtpTarget(server: Pick<SmtpServer, 'host' | 'port'>): string {
  const host = normalizeHost(server.host);
  return `${host.includes(':') ? `[${host}]` : host}:${server.port}`;
}

/**
 * Fails with `host_not_allowed` unless `host` matches one of the credential's allowed hosts (an empty list
 * allows any host the address policy allows): checked before any connection exists.
 */
export function checkSmtpHost(host: string, allowedHosts: readonly string[]): void {
  if (allowedHosts.length === 0 || hostMatches(host, allowedHosts)) return;
  throw new FatalError(
    `The credential may only be sent to ${allowedHosts.join(', ')}, not to ${normalizeHost(host)}`,
    { code: 'host_not_allowed' },
  );
}

/**
 * The domain of a sender (`a@example.com` or `Name <a@example.com>`) in ASCII, the name this client gives in
 * EHLO: a name the sender owns, where the default would tell the server this machine's internal name.
 */
export function ehloName(sender: string): string | undefined {
  const domain = domainToASCII(sender.slice(sender.lastIndexOf('@') + 1).replace(/>\s*$/, ''));
  return /^[a-z0-9.-]+\.[a-z0-9-]+$/i.test(domain) ? domain : undefined;
}

function transportOptions(server: SmtpServer, dial: SmtpDial): SMTPTransportOptions {
  const host = normalizeHost(server.host);
  // SNI and the certificate check need the name; an IP literal has none, and Node refuses it as a server name
  const servername = isIP(host) === 0 ? host : undefined;
  const login = server.username !== undefined && server.username !== '';
  return {
    host: dial.address,
    port: server.port,
    secure: server.secure,
    ...(servername !== undefined ? { servername } : {}),
    tls: {
      ...(servername !== undefined ? { servername } : {}),
      minVersion: 'TLSv1.2',
      // tls.connect's `ca` replaces the default roots, so they are passed along with the extra ones
      ...(dial.ca && dial.ca.length > 0 ? { ca: [...rootCertificates, ...dial.ca] } : {}),
    },
    ...(dial.clientName !== undefined ? { name: dial.clientName } : {}),
    ...(login ? { auth: { user: server.username, pass: server.password ?? '' } } : {}),
    // with a user name given, a server that does not offer AUTH is an error, not a silent send without login
    forceAuth: login,
    connectionTimeout: SMTP_TIMEOUTS.connection,
    greetingTimeout: SMTP_TIMEOUTS.greeting,
    socketTimeout: SMTP_TIMEOUTS.socket,
    logger: false,
    debug: false,
    // message content never names files or URLs for nodemailer to read
    disableFileAccess: true,
    disableUrlAccess: true,
  };
}

/** A nodemailer transport for the checked address; the library is loaded on first use (a process whose flows
 * send no e-mail never holds it). */
async function smtpTransport(server: SmtpServer, dial: SmtpDial) {
  const { createTransport } = await import('nodemailer');
  return createTransport(transportOptions(server, dial));
}

/** Sends one message over a connection of its own, closed afterwards; aborting `signal` closes it at once. */
export async function sendSmtpMail(
  server: SmtpServer,
  dial: SmtpDial,
  message: SendMailOptions,
  signal: AbortSignal,
): Promise<SmtpSendResult> {
  const target = smtpTarget(server);
  const transport = await smtpTransport(server, dial);
  try {
    const info = await transport.sendMail({ ...message, signal });
    return {
      messageId: info.messageId,
      accepted: [...info.accepted],
      rejected: [...info.rejected],
      response: info.response,
    };
  } catch (err) {
    throw toSmtpError(err, target);
  } finally {
    transport.close();
  }
}

/**
 * Connects, does TLS as configured and logs in when a user name is given, without sending anything.
 * nodemailer's verify takes no signal: on abort this gives up at once and the connection ends by its
 * own time limits.
 */
export async function verifySmtp(server: SmtpServer, dial: SmtpDial, signal: AbortSignal): Promise<void> {
  const target = smtpTarget(server);
  const transport = await smtpTransport(server, dial);
  const aborted = () => new RetryableError(`SMTP check of ${target} aborted`, { code: 'aborted' });
  if (signal.aborted) throw aborted();
  let onAbort: (() => void) | undefined;
  try {
    await Promise.race([
      transport.verify(),
      new Promise<never>((_resolve, reject) => {
        onAbort = () => reject(aborted());
        signal.addEventListener('abort', onAbort, { once: true });
      }),
    ]);
  } catch (err) {
    throw toSmtpError(err, target);
  } finally {
    if (onAbort) signal.removeEventListener('abort', onAbort);
    transport.close();
  }
}
