// A worker in a child process, for tests that kill it: `node --conditions=source --import tsx worker-process.ts`.
// Reads WORKER_DATABASE_URL, WORKER_REDIS_URL, WORKER_QUEUE_PREFIX (and WORKER_CONSUMERS, to consume broker
// triggers); prints "ready" when it takes jobs.
import { openDb } from '@tributary/db';
import { parseAllowList } from '@tributary/nodes';
import { createLogger } from '../core/index.js';
import { createEngine } from '../engine.js';
import { TEST_KEYRING } from './engine-fixture.js';

const env = process.env;
const db = await openDb({ url: env.WORKER_DATABASE_URL, maxConnections: 10 });
const engine = createEngine({
  db,
  redisUrl: env.WORKER_REDIS_URL ?? 'redis://127.0.0.1:6379',
  queuePrefix: env.WORKER_QUEUE_PREFIX ?? 'tributary',
  logger: createLogger({ level: env.TEST_LOG_LEVEL ?? 'silent' }),
  httpAllow: parseAllowList('127.0.0.1'),
  settings: { stepTimeoutMs: 2_000, leaseGraceMs: 1_000 },
  keyring: TEST_KEYRING,
  defaultMetrics: false,
});
engine.startWorker({ concurrency: 20, lockDurationMs: 2_000, stalledIntervalMs: 1_000 });
// WORKER_CONSUMERS names this process among the broker triggers' consumers, which then run here too
if (env.WORKER_CONSUMERS) engine.startConsumers({ instance: env.WORKER_CONSUMERS, syncMs: 500 });
process.stdout.write('ready\n');
