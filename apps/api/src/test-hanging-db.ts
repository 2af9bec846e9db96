// Test helper: the app over a "database" that accepts TCP connections and never answers (Postgres hanging).
import { randomBytes } from 'node:crypto';
import { createServer, type Socket } from 'node:net';
import { openDb } from '@tributary/db';
import { createEngine, createLogger, Keyring, type Logger } from '@tributary/engine';
import { testQueuePrefix } from '@tributary/engine/testing';
import { createApp } from './app.js';
import { loadConfig } from './config.js';

export interface HangingDbApp {
  app: ReturnType<typeof createApp>;
  close(): Promise<void>;
}

/** Starts the app on a database that hangs; requests that need it must fail fast with 503. */
export async function startAppOnHangingDb(
  logger: Logger = createLogger({ level: 'silent' }),
): Promise<HangingDbApp> {
  const sockets = new Set<Socket>();
  const blackhole = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
  });
  await new Promise<void>((resolve) => blackhole.listen(0, '127.0.0.1', resolve));
  const address = blackhole.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const db = await openDb({
    url: `postgres://postgres@127.0.0.1:${port}/none`,
    connectTimeoutSeconds: 1,
    maxConnections: 2,
  });
  const engine = createEngine({
    db,
    redisUrl: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    queuePrefix: testQueuePrefix(),
    logger,
    keyring: new Keyring(randomBytes(32)),
    defaultMetrics: false,
  });
  const app = createApp({ engine, config: loadConfig({ TRIBUTARY_API_KEY: 'k'.repeat(32) }) });
  return {
    app,
    async close() {
      await engine.close();
      // closing a pool whose server never answered can itself fail; the process only cares that it ends
      await db.close().catch(() => {});
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => blackhole.close(resolve));
    },
  };
}
