// A scripted HTTP peer on loopback for node and client tests: records requests and counts TCP connections.
import { createServer, type IncomingHttpHeaders, type RequestListener, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Server as NetServer } from 'node:net';

/** One request the peer received, body read in full. */
export interface RecordedRequest {
  method: string;
  /** Path and query, as sent on the request line. */
  url: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** Answers one request; the default answers 200 "ok". */
export type PeerHandler = (req: RecordedRequest, res: ServerResponse) => unknown;

/** A running peer. */
export interface HttpPeer {
  /** `127.0.0.1` or `::1`. */
  readonly host: string;
  readonly port: number;
  /** Base URL, e.g. `http://127.0.0.1:4321` or `http://[::1]:4321`. */
  readonly url: string;
  /** Requests received so far, in arrival order. */
  readonly requests: RecordedRequest[];
  /** TCP connections accepted so far, whether or not a request followed. */
  readonly connections: number;
  /** TLS peers only: the server names clients asked for (SNI), one per handshake. */
  readonly servernames: string[];
  /** Replaces the handler for the requests that follow. */
  handle(handler: PeerHandler): void;
  /** Forgets the requests received and goes back to the handler it started with, for the next test. */
  reset(): void;
  close(): Promise<void>;
}

const okHandler: PeerHandler = (_req, res) => {
  res.end('ok');
};

function listen(server: NetServer, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      // a TCP server always reports an AddressInfo, never a pipe name
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/** Options of `startHttpPeer`. */
export interface HttpPeerOptions {
  host?: '127.0.0.1' | '::1';
  /** 0 (the default) picks a free port. */
  port?: number;
  handler?: PeerHandler;
  /** Speak HTTPS with this key and certificate (PEM), e.g. the `hooks.test` fixture. */
  tls?: { key: string; cert: string };
}

/** Starts a peer on a loopback address. */
export async function startHttpPeer(options: HttpPeerOptions = {}): Promise<HttpPeer> {
  const host = options.host ?? '127.0.0.1';
  let handler = options.handler ?? okHandler;
  const requests: RecordedRequest[] = [];
  let connections = 0;
  const servernames: string[] = [];
  const listener: RequestListener = async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(Buffer.from(chunk));
    const recorded = {
      method: req.method ?? '',
      url: req.url ?? '',
      headers: req.headers,
      body: Buffer.concat(chunks),
    };
    requests.push(recorded);
    try {
      await handler(recorded, res);
    } catch (err) {
      res.statusCode = 500;
      res.end(String(err));
    }
  };
  const server = options.tls
    ? createHttpsServer(
        {
          ...options.tls,
          SNICallback: (name, done) => {
            servernames.push(name);
            // no context of our own: the server's key and certificate answer every name
            done(null, undefined);
          },
        },
        listener,
      )
    : createServer(listener);
  server.on('connection', () => {
    connections += 1;
  });
  const port = await listen(server, host, options.port ?? 0);
  return {
    host,
    port,
    url: `${options.tls ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${port}`,
    requests,
    servernames,
    get connections() {
      return connections;
    },
    handle(next) {
      handler = next;
    },
    reset() {
      requests.splice(0);
      handler = options.handler ?? okHandler;
    },
    close() {
      server.closeAllConnections();
      return new Promise((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
    },
  };
}

/**
 * Peers on 127.0.0.1 and ::1 with the same port, so that any spelling of "this machine" with that port
 * reaches one of them: together they see every connection a request to loopback makes.
 */
export async function startLoopbackPair(handler?: PeerHandler): Promise<{ v4: HttpPeer; v6: HttpPeer }> {
  for (let tries = 0; tries < 10; tries++) {
    const v4 = await startHttpPeer({ host: '127.0.0.1', handler });
    try {
      const v6 = await startHttpPeer({ host: '::1', port: v4.port, handler });
      return { v4, v6 };
    } catch (err) {
      await v4.close();
      // another process holds the port on ::1: pick another port
      if (!(err instanceof Error && 'code' in err && err.code === 'EADDRINUSE')) throw err;
    }
  }
  throw new Error('no port free on both 127.0.0.1 and ::1');
}

/** A peer of a service: its usual answers come from its own route, but a test may script the next ones. */
export interface ScriptedPeer {
  readonly http: HttpPeer;
  /** The next request gets this answer instead of the usual one. */
  answerNext(handler: PeerHandler): void;
  /** Forgets the requests and any scripted answer not yet given, for the next test. */
  reset(): void;
  close(): Promise<void>;
}

/** Starts a peer that answers with `route` unless a test scripted the answer; `onReset` clears its state. */
export async function startScriptedPeer(route: PeerHandler, onReset: () => void): Promise<ScriptedPeer> {
  const scripted: PeerHandler[] = [];
  const http = await startHttpPeer({ handler: (req, res) => (scripted.shift() ?? route)(req, res) });
  return {
    http,
    answerNext(handler) {
      scripted.push(handler);
    },
    reset() {
      http.reset();
      scripted.splice(0);
      onReset();
    },
    close: () => http.close(),
  };
}
