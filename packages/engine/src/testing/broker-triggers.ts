// What the broker trigger tests share: flows with a broker trigger, counting their runs per message, a
// database connection that can be made to hang, and a JetStream server, a RabbitMQ node and a Mosquitto of
// the test's own to restart (the machine's brokers serve the other tests meanwhile).
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createConnection, createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { schema } from '@tributary/db';
import { eq } from 'drizzle-orm';
import type { Registry } from 'prom-client';
import { consumerMetrics } from '../consumers/index.js';
import { createCredential } from '../credentials/index.js';
import type { Engine } from '../engine.js';
import { deactivateFlow } from '../flows/index.js';
import { deployFlow } from './engine-fixture.js';

export const AMQP_URL = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
export const MQTT_URL = process.env.MQTT_URL ?? 'mqtt://127.0.0.1:1883';
export const NATS_SERVERS = process.env.NATS_SERVERS ?? 'nats://127.0.0.1:4222';

/** A name no other test uses: queues, topics, streams. */
export function unique(prefix: string): string {
  return `${prefix}-${randomBytes(5).toString('hex')}`;
}

/** Stores a credential and publishes a flow whose trigger is `type` with `config` (plus the credential). */
export async function brokerFlow(
  engine: Engine,
  type: string,
  credentialData: Record<string, unknown>,
  config: Record<string, unknown>,
): Promise<{ flowId: string; version: number; credentialId: string }> {
  const name = unique('flow');
  const credential = await createCredential(
    engine.ctx.db,
    engine.ctx.keyring,
    { name: `${name} broker`, type: type.replace('trigger.', ''), data: credentialData },
    'test',
  );
  const deployed = await deployFlow(engine, {
    name,
    slug: name,
    nodes: [{ id: 'trigger', type, name: 'Message', config: { credential: credential.id, ...config } }],
    edges: [],
  });
  return { ...deployed, credentialId: credential.id };
}

/** Deactivates a flow, so later consumers leave its broker alone. */
export async function retire(engine: Engine, flowId: string): Promise<void> {
  await deactivateFlow(engine.ctx.db, flowId, 'test');
  await engine.flowsChanged();
}

/** The trigger items of a flow's events, and how many runs it has. */
export async function eventsAndRuns(engine: Engine, flowId: string) {
  const db = engine.ctx.db;
  const events = await db
    .select({ payload: schema.events.payload, key: schema.events.idempotencyKey })
    .from(schema.events)
    .innerJoin(schema.runs, eq(schema.runs.eventId, schema.events.id))
    .where(eq(schema.runs.flowId, flowId));
  return events.map((e) => ({ item: e.payload as Record<string, unknown>, key: e.key }));
}

/**
 * For messages whose bodies are `{ n }`: how many runs each n started. A message that started no run or
 * two shows as a count other than 1.
 */
export async function runsPerMessage(engine: Engine, flowId: string): Promise<Map<number, number>> {
  const counts = new Map<number, number>();
  for (const { item } of await eventsAndRuns(engine, flowId)) {
    const n = (item.body as { n: number }).n;
    counts.set(n, (counts.get(n) ?? 0) + 1);
  }
  return counts;
}

/** Whether messages 0..count-1 each started exactly one run. */
export function oneRunEach(counts: Map<number, number>, count: number): boolean {
  if (counts.size !== count) return false;
  for (let n = 0; n < count; n += 1) if (counts.get(n) !== 1) return false;
  return true;
}

/** A consumer counter's value for a flow (summed over its other labels). */
export async function counted(
  registry: Registry,
  metric: 'received' | 'acked' | 'redelivered' | 'rejected',
  flowId: string,
): Promise<number> {
  const { values } = await consumerMetrics(registry)[metric].get();
  return values.filter((v) => v.labels.flow === flowId).reduce((sum, v) => sum + v.value, 0);
}

/** A TCP relay to Postgres that can be made to hang (it stops relaying) and to recover. */
export interface HangingRelay {
  url: string;
  hang(): void;
  /** Relays again; connections that hung are cut, so the pool opens new ones. */
  recover(): void;
  close(): Promise<void>;
}

/** Starts a relay in front of the Postgres at `url`. */
export async function startHangingRelay(url: string): Promise<HangingRelay> {
  const target = new URL(url);
  let hanging = false;
  const sockets = new Set<Socket>();
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
  };
  const server = createServer((client) => {
    const upstream = createConnection({ host: target.hostname, port: Number(target.port || 5432) });
    track(client);
    track(upstream);
    client.on('data', (chunk) => {
      if (!hanging) upstream.write(chunk);
    });
    upstream.on('data', (chunk) => {
      if (!hanging) client.write(chunk);
    });
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (typeof address !== 'object' || address === null) throw new Error('no port');
  const relayed = new URL(url);
  relayed.hostname = '127.0.0.1';
  relayed.port = String(address.port);
  return {
    url: relayed.toString(),
    hang() {
      hanging = true;
    },
    recover() {
      // what was sent into the void left those connections mid-protocol: they cannot be used again
      for (const socket of sockets) socket.destroy();
      hanging = false;
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A nats-server with JetStream on a port and store directory of its own, restartable in place. */
export interface JetStreamServer {
  port: number;
  restart(): Promise<void>;
  close(): Promise<void>;
}

async function listening(port: number, child: ChildProcess, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the broker exited with ${child.exitCode}`);
    const up = await new Promise<boolean>((resolve) => {
      const socket = createConnection({ host: '127.0.0.1', port });
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (up) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`the broker did not listen on ${port}`);
}

function stopped(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

/** A free loopback port. */
async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const address = probe.address();
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  if (typeof address !== 'object' || address === null) throw new Error('no port');
  return address.port;
}

/** A broker process `start` starts, stopped (SIGTERM) and started again in place, its `dir` removed at close. */
async function restartable(start: () => Promise<ChildProcess>, dir: string) {
  let child = await start();
  return {
    async restart() {
      await stopped(child);
      child = await start();
    },
    async close() {
      await stopped(child);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Starts nats-server -js on a free port (NATS_SERVER_BIN names the program; default: on PATH). */
export async function startJetStreamServer(): Promise<JetStreamServer> {
  const dir = await mkdtemp(join(tmpdir(), 'tributary-jetstream-'));
  const port = await freePort();
  const start = async () => {
    const child = spawn(
      process.env.NATS_SERVER_BIN ?? 'nats-server',
      ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', dir],
      { stdio: 'ignore' },
    );
    await listening(port, child);
    return child;
  };
  return { port, ...(await restartable(start, dir)) };
}

/** A RabbitMQ node of its own (name, port, data and config), restartable in place with its durable queues. */
export interface RabbitMqServer {
  url: string;
  restart(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Starts a RabbitMQ node beside the machine's (RABBITMQ_SERVER_BIN names the program; default Debian's
 * /usr/lib/rabbitmq/bin/rabbitmq-server) with its own config file, so it listens on a free port only. It
 * shares the machine's epmd and Erlang cookie; it takes some seconds to start.
 */
export async function startRabbitMqServer(): Promise<RabbitMqServer> {
  const dir = await mkdtemp(join(tmpdir(), 'tributary-rabbitmq-'));
  const port = await freePort();
  const node = `tributary-${port}@localhost`;
  await writeFile(join(dir, 'rabbitmq.conf'), `listeners.tcp.local = 127.0.0.1:${port}\n`);
  await writeFile(join(dir, 'rabbitmq-env.conf'), `NODENAME=${node}\n`);
  await writeFile(join(dir, 'enabled_plugins'), '[].\n');
  const env = {
    ...process.env,
    RABBITMQ_NODENAME: node,
    RABBITMQ_NODE_PORT: String(port),
    RABBITMQ_DIST_PORT: String(await freePort()),
    RABBITMQ_CONFIG_FILE: join(dir, 'rabbitmq.conf'),
    RABBITMQ_CONF_ENV_FILE: join(dir, 'rabbitmq-env.conf'),
    RABBITMQ_ENABLED_PLUGINS_FILE: join(dir, 'enabled_plugins'),
    RABBITMQ_MNESIA_BASE: join(dir, 'mnesia'),
    RABBITMQ_LOG_BASE: join(dir, 'log'),
    RABBITMQ_PID_FILE: join(dir, 'node.pid'),
  };
  const start = async () => {
    const child = spawn(process.env.RABBITMQ_SERVER_BIN ?? '/usr/lib/rabbitmq/bin/rabbitmq-server', [], {
      env,
      stdio: 'ignore',
    });
    await listening(port, child, 90_000);
    return child;
  };
  // SIGTERM on restart: RabbitMQ shuts down in order, keeping durable queues and persistent messages on disk
  return { url: `amqp://guest:guest@127.0.0.1:${port}`, ...(await restartable(start, dir)) };
}

/** A Mosquitto of its own (port, persistence file), restartable in place with its persistent sessions. */
export interface MosquittoServer {
  url: string;
  restart(): Promise<void>;
  close(): Promise<void>;
}

/** Starts mosquitto (MOSQUITTO_BIN names the program; default: on PATH) on a free port, persisting sessions. */
export async function startMosquittoServer(): Promise<MosquittoServer> {
  const dir = await mkdtemp(join(tmpdir(), 'tributary-mosquitto-'));
  // started as root, Mosquitto drops to its own user, which must be able to write the persistence file
  await chmod(dir, 0o777);
  const port = await freePort();
  const conf = join(dir, 'mosquitto.conf');
  await writeFile(
    conf,
    [
      `listener ${port} 127.0.0.1`,
      'allow_anonymous true',
      'persistence true',
      `persistence_location ${dir}/`,
      'log_dest none',
      '',
    ].join('\n'),
  );
  const start = async () => {
    const child = spawn(process.env.MOSQUITTO_BIN ?? 'mosquitto', ['-c', conf], { stdio: 'ignore' });
    await listening(port, child);
    return child;
  };
  // SIGTERM on restart: Mosquitto writes its sessions and queued messages to the persistence file first
  return { url: `mqtt://127.0.0.1:${port}`, ...(await restartable(start, dir)) };
}
