// A real SMTP server (smtp-server) on 127.0.0.1 standing in for a mail provider: keeps the envelope of each
// message it accepts.
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

export interface SmtpPeer {
  port: number;
  /** The recipients of each message accepted, in arrival order. */
  recipients: string[][];
  close(): Promise<void>;
}

/** Starts a plain SMTP server without AUTH or STARTTLS on a free port. */
export async function startSmtpPeer(): Promise<SmtpPeer> {
  const recipients: string[][] = [];
  const server = new SMTPServer({
    logger: false,
    disableReverseLookup: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    authOptional: true,
    onData(stream, session, callback) {
      stream.resume();
      stream.on('end', () => {
        recipients.push(session.envelope.rcptTo.map((r) => r.address));
        callback(null, 'queued');
      });
    },
  });
  // a client that drops the connection is no failure of the peer
  server.on('error', () => {});
  const port = await new Promise<number>((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      // a TCP server always reports an AddressInfo, never a pipe name
      resolve((server.server.address() as AddressInfo).port);
    });
  });
  return { port, recipients, close: () => new Promise((done) => server.close(() => done())) };
}
