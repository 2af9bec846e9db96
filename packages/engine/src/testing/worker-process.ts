// A worker in a child process, for tests that kill it: `node --conditions=source --import tsx worker-process.ts`.
// Reads WORKER_DATABASE_URL, WORKER_REDIS_URL, WORKER_QUEUE_PREFIX (and WORKER_CONSUMERS, to consume broker
// triggers); prints "ready" when it takes jobs. With WORKER_TRACK_SOURCE it takes tracking calls too: each line
// on its standard input is a JSON array of calls, each ingested as a call of its own, all at once; it prints
// "tracked <the results as JSON>" once they are accepted.
import { createInterface } from 'node:readline';
import { openDb } from '@tributary/db';
import { parseAllowList } from '@tributary/nodes';
import { createLogger } from '../core/index.js';
import { createEngine } from '../engine.js';
import { ingestTracking, type TrackingMessage } from '../tracking/index.js';
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
const trackingSource = env.WORKER_TRACK_SOURCE;
if (trackingSource) {
  createInterface({ input: process.stdin }).on('line', (line) => {
    // the test's own calls, written by the test that spawned this process
    const calls = JSON.parse(line) as TrackingMessage[];
    void Promise.all(calls.map((call) => ingestTracking(engine.ctx, trackingSource, [call]))).then(
      (results) => process.stdout.write(`tracked ${JSON.stringify(results.flat())}\n`),
      (err: unknown) => process.stdout.write(`tracking failed ${String(err)}\n`),
    );
  });
}
process.stdout.write('ready\n');
