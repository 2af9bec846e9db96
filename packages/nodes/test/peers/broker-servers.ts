// Brokers a test starts for itself: a Mosquitto and a NATS server on free loopback ports, each with a login,
// for the tests of refused logins (the machine's own brokers take anyone). Also a TCP listener that only counts
// connections, for tests that check nothing was dialled, and a port nothing listens on.
// MOSQUITTO_BIN, MOSQUITTO_PASSWD_BIN and NATS_SERVER_BIN name the programs (default: found on PATH).
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** A broker process of a test's own. */
export interface BrokerProcess {
  port: number;
  close(): Promise<void>;
}

/** A TCP listener that accepts and holds connections, counting them. */
export interface CountingServer {
  port: number;
  /** Connections accepted so far. */
  readonly connections: number;
  close(): Promise<void>;
}

/** A loopback port that was free a moment ago. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (typeof address !== 'object' || address === null) throw new Error('no port');
  return address.port;
}

/** A loopback port nothing listens on: a broker that is down. */
export const closedPort = freePort;

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

async function waitForPort(port: number, child: ChildProcess, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${what} exited with ${child.exitCode}`);
    if (await canConnect(port)) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`${what} did not listen on ${port} within 10 s`);
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

/** Starts Mosquitto on a free port that takes only `username`/`password`. */
export async function startMosquitto(login: { username: string; password: string }): Promise<BrokerProcess> {
  const dir = await mkdtemp(join(tmpdir(), 'tributary-mosquitto-'));
  const passwords = join(dir, 'passwords');
  await run(process.env.MOSQUITTO_PASSWD_BIN ?? 'mosquitto_passwd', [
    '-b',
    '-c',
    passwords,
    login.username,
    login.password,
  ]);
  // started as root, mosquitto drops to its own user, which must still read the directory and the passwords
  await chmod(dir, 0o755);
  await chmod(passwords, 0o644);
  const port = await freePort();
  const config = join(dir, 'mosquitto.conf');
  await writeFile(
    config,
    [
      `listener ${port} 127.0.0.1`,
      'allow_anonymous false',
      `password_file ${passwords}`,
      'persistence false',
      '',
    ].join('\n'),
  );
  const child = spawn(process.env.MOSQUITTO_BIN ?? 'mosquitto', ['-c', config], { stdio: 'ignore' });
  try {
    await waitForPort(port, child, 'mosquitto');
  } catch (err) {
    await stop(child);
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    port,
    async close() {
      await stop(child);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Starts a NATS server (no JetStream) on a free port that takes only this user and password, or this token. */
export async function startNatsServer(
  auth: { user: string; pass: string } | { token: string },
): Promise<BrokerProcess> {
  const port = await freePort();
  const args = ['-a', '127.0.0.1', '-p', String(port)];
  if ('token' in auth) args.push('--auth', auth.token);
  else args.push('--user', auth.user, '--pass', auth.pass);
  const child = spawn(process.env.NATS_SERVER_BIN ?? 'nats-server', args, { stdio: 'ignore' });
  try {
    await waitForPort(port, child, 'nats-server');
  } catch (err) {
    await stop(child);
    throw err;
  }
  return { port, close: () => stop(child) };
}

/** A listener that counts and holds the connections it gets and never says a word. */
export async function startCountingServer(): Promise<CountingServer> {
  const sockets = new Set<Socket>();
  let connections = 0;
  const server: Server = createServer((socket) => {
    connections += 1;
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (typeof address !== 'object' || address === null) throw new Error('no port');
  return {
    port: address.port,
    get connections() {
      return connections;
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
