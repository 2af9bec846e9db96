// Broker peers that refuse every login with an error quoting what the client sent, as a careless broker or
// proxy might: the AMQP one echoes the connection URL with the password, the NATS one the password. They speak
// just enough of each protocol for a client to read the refusal (AMQP 0-9-1 handshake, NATS INFO/CONNECT).
import { createServer, type Server, type Socket } from 'node:net';

/** An echoing peer on 127.0.0.1. */
export interface EchoPeer {
  port: number;
  /** Logins it refused. */
  readonly refused: number;
  close(): Promise<void>;
}

async function listen(onSocket: (socket: Socket, refused: () => void) => void): Promise<EchoPeer> {
  const sockets = new Set<Socket>();
  let refused = 0;
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
    onSocket(socket, () => {
      refused += 1;
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (typeof address !== 'object' || address === null) throw new Error('no port');
  return {
    port: address.port,
    get refused() {
      return refused;
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const FRAME_END = 0xce;

/** An AMQP method frame on channel 0. */
function methodFrame(classId: number, methodId: number, args: Buffer): Buffer {
  const payload = Buffer.concat([
    Buffer.from([classId >> 8, classId & 0xff, methodId >> 8, methodId & 0xff]),
    args,
  ]);
  const header = Buffer.alloc(7);
  header.writeUInt8(1, 0);
  header.writeUInt16BE(0, 1);
  header.writeUInt32BE(payload.length, 3);
  return Buffer.concat([header, payload, Buffer.from([FRAME_END])]);
}

function longString(text: string): Buffer {
  const bytes = Buffer.from(text, 'utf8');
  const length = Buffer.alloc(4);
  length.writeUInt32BE(bytes.length);
  return Buffer.concat([length, bytes]);
}

function shortString(text: string): Buffer {
  const bytes = Buffer.from(text, 'utf8').subarray(0, 255);
  return Buffer.concat([Buffer.from([bytes.length]), bytes]);
}

/** The user and password of a Connection.Start-Ok frame's PLAIN response ("\0user\0password"). */
function plainLogin(frame: Buffer): { user: string; password: string } | undefined {
  let at = 7 + 4;
  const tableLength = frame.readUInt32BE(at);
  at += 4 + tableLength;
  const mechanismLength = frame.readUInt8(at);
  at += 1 + mechanismLength;
  const responseLength = frame.readUInt32BE(at);
  const response = frame.subarray(at + 4, at + 4 + responseLength).toString('utf8');
  const [, user = '', password = ''] = response.split('\0');
  return { user, password };
}

/**
 * An AMQP 0-9-1 peer that answers a login with Connection.Close 403 whose text holds
 * `amqp://<user>:<password>@127.0.0.1:<port>/` as the client sent them.
 */
export function startAmqpEchoPeer(): Promise<EchoPeer> {
  let port = 0;
  const peer = listen((socket, refused) => {
    let buffered = Buffer.alloc(0);
    let greeted = false;
    socket.on('data', (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      if (!greeted) {
        if (buffered.length < 8) return;
        buffered = buffered.subarray(8);
        greeted = true;
        const start = Buffer.concat([
          Buffer.from([0, 9]),
          Buffer.alloc(4), // empty server-properties table
          longString('PLAIN'),
          longString('en_US'),
        ]);
        socket.write(methodFrame(10, 10, start));
      }
      if (buffered.length < 7) return;
      const size = buffered.readUInt32BE(3);
      if (buffered.length < 7 + size + 1) return;
      const login = plainLogin(buffered.subarray(0, 7 + size + 1));
      refused();
      const text = `ACCESS_REFUSED - no login for amqp://${login?.user}:${login?.password}@127.0.0.1:${port}/`;
      const close = Buffer.concat([
        Buffer.from([403 >> 8, 403 & 0xff]),
        shortString(text),
        Buffer.from([0, 0, 0, 0]),
      ]);
      socket.end(methodFrame(10, 50, close));
    });
  });
  return peer.then((p) => {
    port = p.port;
    return p;
  });
}

/** A NATS peer that answers CONNECT with `-ERR` quoting the password (or token) the client sent. */
export function startNatsEchoPeer(): Promise<EchoPeer> {
  return listen((socket, refused) => {
    const info = {
      server_id: 'ECHO',
      version: '2.10.0',
      proto: 1,
      headers: true,
      max_payload: 1048576,
      auth_required: true,
    };
    socket.write(`INFO ${JSON.stringify(info)}\r\n`);
    let buffered = '';
    socket.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('utf8');
      const line = /^CONNECT (\{.*\})\r\n/m.exec(buffered);
      if (!line?.[1]) return;
      const connect: { pass?: string; auth_token?: string } = JSON.parse(line[1]);
      refused();
      socket.end(
        `-ERR 'Authorization Violation: bad secret ${connect.pass ?? connect.auth_token ?? ''}'\r\n`,
      );
    });
  });
}
