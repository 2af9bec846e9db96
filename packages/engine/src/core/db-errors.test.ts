// What counts as the database being unreachable: the errors a real socket gives when its peer has gone, as
// the driver hands them on (drizzle wraps them as the cause of its own error), and Postgres's own errors.
import { once } from 'node:events';
import { createServer, type Server, Socket } from 'node:net';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { isConnectionError, isDatabaseError } from './db-errors.js';

/** A loopback server that closes its end of every connection at once, as a stopping Postgres does. */
let closer: Server;
let port = 0;

beforeAll(async () => {
  closer = createServer((socket) => socket.end());
  closer.listen(0, '127.0.0.1');
  await once(closer, 'listening');
  const address = closer.address();
  port = typeof address === 'object' && address ? address.port : 0;
});

afterAll(async () => {
  await new Promise((resolve) => closer.close(resolve));
});

/** As drizzle hands on a driver's error: its own, with the driver's as the cause. */
const wrapped = (cause: unknown) => new Error('Failed query: insert …', { cause });

test('a write to a socket whose peer has closed its end (EPIPE) is a connection error', async () => {
  const socket = new Socket();
  socket.connect(port, '127.0.0.1');
  await once(socket, 'end');
  // the peer's end arrived: the socket ended its own side too, and a write now fails as the driver's does
  const failed = once(socket, 'error').then(([err]) => err as NodeJS.ErrnoException);
  socket.write(Buffer.alloc(2048));
  const err = await failed;
  expect(err.code).toBe('EPIPE');
  expect(isConnectionError(err)).toBe(true);
  expect(isConnectionError(wrapped(err))).toBe(true);
  expect(isDatabaseError(wrapped(err))).toBe(true);
});

test('a write to a socket already destroyed is a connection error', async () => {
  const socket = new Socket();
  socket.connect(port, '127.0.0.1');
  await once(socket, 'connect');
  socket.destroy();
  const err = await new Promise<NodeJS.ErrnoException>((resolve) => {
    socket.write('x', (e) => resolve(e as NodeJS.ErrnoException));
  });
  expect(err.code).toBe('ERR_STREAM_DESTROYED');
  expect(isConnectionError(wrapped(err))).toBe(true);
});

test("Postgres's errors are connection errors only for its connection and shutdown classes", () => {
  const postgres = (code: string) => wrapped(Object.assign(new Error('postgres said no'), { code }));
  expect(isConnectionError(postgres('57P01'))).toBe(true);
  expect(isConnectionError(postgres('08006'))).toBe(true);
  expect(isConnectionError(postgres('23505'))).toBe(false);
  expect(isDatabaseError(postgres('23505'))).toBe(true);
  expect(isConnectionError(new Error('a node failed'))).toBe(false);
  expect(isDatabaseError(new Error('a node failed'))).toBe(false);
});
