// A real SMTP server (smtp-server) on loopback for node tests: optional AUTH, scripted recipient replies, messages kept.
import type { AddressInfo } from 'node:net';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';

/** One message the peer accepted. */
export interface ReceivedMail {
  /** MAIL FROM. */
  from: string;
  /** RCPT TO addresses the peer accepted. */
  to: string[];
  /** The message as sent after DATA: headers and body. */
  raw: Buffer;
  /** The user name the client logged in with, if it did. */
  user: string | undefined;
  /** Whether the session ran over TLS. */
  secure: boolean;
}

/** A reply the peer gives instead of accepting a recipient. */
export interface SmtpReply {
  code: number;
  message: string;
}

/** Options of `startSmtpPeer`. */
export interface SmtpPeerOptions {
  /** Require AUTH (PLAIN or LOGIN) with these; without it, no AUTH is offered. */
  auth?: { username: string; password: string };
  /**
   * TLS with this key and certificate (PEM): from the first byte (as on port 465), or with `starttls` as an
   * upgrade the client asks for (as on port 587).
   */
  tls?: { key: string; cert: string; starttls?: boolean };
  /** Replies by recipient address (lower case), e.g. `{ 'busy@example.com': { code: 451, message: '…' } }`. */
  recipients?: Record<string, SmtpReply>;
}

/** A running peer. */
export interface SmtpPeer {
  readonly host: '127.0.0.1';
  readonly port: number;
  /** Messages accepted so far, in arrival order. */
  readonly messages: ReceivedMail[];
  /** TCP connections accepted so far, whether or not an SMTP session followed. */
  readonly connections: number;
  /** Logins tried so far: the user name and whether it was accepted. */
  readonly logins: Array<{ username: string; accepted: boolean }>;
  /** TLS peers only: the server names clients asked for (SNI), one per handshake. */
  readonly servernames: string[];
  /** Answers `reply` to RCPT TO `address` from now on. */
  reply(address: string, reply: SmtpReply): void;
  /** Forgets messages, logins and server names (not the connection count). */
  reset(): void;
  close(): Promise<void>;
}

function smtpError(reply: SmtpReply): Error {
  // smtp-server reads the reply code from the error's responseCode
  return Object.assign(new Error(reply.message), { responseCode: reply.code });
}

/** Starts a peer on 127.0.0.1 with a free port. */
export async function startSmtpPeer(options: SmtpPeerOptions = {}): Promise<SmtpPeer> {
  const messages: ReceivedMail[] = [];
  const logins: Array<{ username: string; accepted: boolean }> = [];
  const servernames: string[] = [];
  const replies = new Map(Object.entries(options.recipients ?? {}));
  let connections = 0;
  const { auth, tls } = options;
  const serverOptions: SMTPServerOptions = {
    logger: false,
    disableReverseLookup: true,
    // plaintext peers offer no STARTTLS: the client would upgrade and find no certificate it trusts
    disabledCommands: [...(tls?.starttls ? [] : ['STARTTLS']), ...(auth ? [] : ['AUTH'])],
    authOptional: auth === undefined,
    authMethods: ['PLAIN', 'LOGIN'],
    allowInsecureAuth: true,
    ...(tls
      ? {
          secure: tls.starttls !== true,
          key: tls.key,
          cert: tls.cert,
          SNICallback: (name: string, done: (err: Error | null, ctx?: undefined) => void) => {
            servernames.push(name);
            // no context of our own: the server's key and certificate answer every name
            done(null, undefined);
          },
        }
      : {}),
    onAuth(login, _session, callback) {
      const username = login.username ?? '';
      const accepted = auth !== undefined && username === auth.username && login.password === auth.password;
      logins.push({ username, accepted });
      if (accepted) callback(null, { user: username });
      else callback(smtpError({ code: 535, message: '5.7.8 Authentication credentials invalid' }));
    },
    onRcptTo(address, _session, callback) {
      const reply = replies.get(address.address.toLowerCase());
      callback(reply ? smtpError(reply) : null);
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const { mailFrom, rcptTo } = session.envelope;
        messages.push({
          from: mailFrom === false ? '' : mailFrom.address,
          to: rcptTo.map((rcpt) => rcpt.address),
          raw: Buffer.concat(chunks),
          user: typeof session.user === 'string' ? session.user : undefined,
          secure: session.secure,
        });
        callback(null, 'Message queued as peer-1');
      });
    },
  };
  const server = new SMTPServer(serverOptions);
  server.server.on('connection', () => {
    connections += 1;
  });
  const port = await new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      // a TCP server always reports an AddressInfo, never a pipe name
      resolve((server.server.address() as AddressInfo).port);
    });
  });
  // a client that drops the connection is no failure of the peer
  server.on('error', () => {});
  return {
    host: '127.0.0.1',
    port,
    messages,
    logins,
    servernames,
    get connections() {
      return connections;
    },
    reply(address, reply) {
      replies.set(address.toLowerCase(), reply);
    },
    reset() {
      messages.splice(0);
      logins.splice(0);
      servernames.splice(0);
    },
    close() {
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
