// Postgres unreachable: a tracking call answers 503 with Retry-After at once (Segment SDKs retry 5xx), never hangs.
import { createServer, type Server, type Socket } from 'node:net';
import { type DbHandle, openDb } from '@tributary/db';
import { createEngine, createLogger, type Engine } from '@tributary/engine';
import { testQueuePrefix } from '@tributary/engine/testing';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { createApp } from '../app.js';
import { loadConfig } from '../config.js';
import { basicAuth } from './test-tracking.js';

let blackhole: Server;
const sockets = new Set<Socket>();
let db: DbHandle;
let engine: Engine;
let app: ReturnType<typeof createApp>;

beforeAll(async () => {
  // accepts TCP connections and never answers: a database that hangs
  blackhole = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
  });
  await new Promise<void>((resolve) => blackhole.listen(0, '127.0.0.1', resolve));
  const address = blackhole.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  db = await openDb({
    url: `postgres://postgres@127.0.0.1:${port}/none`,
    connectTimeoutSeconds: 1,
    maxConnections: 2,
  });
  engine = createEngine({
    db,
    redisUrl: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    queuePrefix: testQueuePrefix(),
    logger: createLogger({ level: 'silent' }),
    defaultMetrics: false,
  });
  app = createApp({ engine, config: loadConfig({ TRIBUTARY_API_KEY: 'k'.repeat(32) }) });
});

afterAll(async () => {
  await engine?.close();
  await db?.close().catch(() => {});
  for (const s of sockets) s.destroy();
  await new Promise((resolve) => blackhole?.close(resolve));
});

test('a tracking call gets 503 with Retry-After within the ingest time limit when Postgres does not answer', async () => {
  const started = Date.now();
  const res = await app.request('/v1/batch', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...basicAuth('trw_some-key') },
    body: JSON.stringify({ batch: [{ type: 'track', userId: 'u', event: 'E' }] }),
  });
  expect(Date.now() - started).toBeLessThan(2_500);
  expect(res.status).toBe(503);
  expect(res.headers.get('retry-after')).toBe('5');
  expect((await res.json()).code).toBe('unavailable');
});
