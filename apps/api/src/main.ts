// Process entry: `node dist/main.js [all|api|worker]` — config, database, Redis, engine, HTTP server.
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';
import { serve } from '@hono/node-server';
import { isArrayTypesReadFailure, isClosedConnectionWrite, openDb } from '@tributary/db';
import {
  bootstrapOwnerKey,
  createEngine,
  createLogger,
  DEFAULT_SETTINGS,
  ensureOwner,
  moveWebhookSecretsToCredentials,
  redisAnswers,
} from '@tributary/engine';
import { closeBrokerConnections } from '@tributary/nodes';
import { Hono } from 'hono';
import { createApp } from './app.js';
import type { Config } from './config.js';
import { ConfigError, loadConfig } from './config.js';
import { loadKeyring } from './encryption-key.js';
import { garbageCollectionFlags } from './gc-flags.js';
import { opsRoutes } from './ops.js';
import { launchRedis } from './redis-launcher.js';
import { startTelemetry, tracingSettings } from './telemetry/index.js';

const MODES = new Set(['all', 'api', 'worker']);

function readConfig(): Config {
  const env = { ...process.env };
  const arg = process.argv[2];
  if (arg && MODES.has(arg)) env.TRIBUTARY_MODE = arg;
  try {
    return loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
}

async function main(): Promise<void> {
  const config = readConfig();
  for (const flag of garbageCollectionFlags(config)) v8.setFlagsFromString(flag);
  const logger = createLogger({ level: config.LOG_LEVEL });
  survivesDriverFaults(logger);
  const mode = config.TRIBUTARY_MODE;
  const cleanups: Array<() => Promise<void> | void> = [];
  // OpenTelemetry, when the OTEL_* variables ask for it (telemetry/); else no SDK is even loaded
  const telemetry = await startTelemetry(config);
  if (telemetry) {
    logger.info({ exporter: tracingSettings(config)?.exporter }, 'OpenTelemetry tracing on');
    // last: after the engine has closed, so the spans of the steps it finished go out too
    cleanups.push(() => telemetry.shutdown());
  }

  const db = await openDb({
    url: config.DATABASE_URL,
    dataDir: join(config.TRIBUTARY_DATA_DIR, 'pglite'),
    maxConnections: config.TRIBUTARY_DB_POOL,
    ingestConnections: config.TRIBUTARY_DB_INGEST_POOL,
    // Postgres cancels an ingest statement past the ingest time limit: what lets a batch go in one statement
    ingestStatementTimeoutMs: DEFAULT_SETTINGS.ingestTimeoutMs,
  });
  cleanups.push(() => db.close());
  await db.migrate();
  logger.info({ database: db.kind }, 'database ready');

  let redisUrl = config.REDIS_URL;
  if (!(await redisAnswers(redisUrl))) {
    const launched = config.TRIBUTARY_START_REDIS ? await launchRedis(config.TRIBUTARY_DATA_DIR) : undefined;
    if (!launched) {
      process.stderr.write(
        `Redis is not reachable at ${redisUrl}.\n` +
          'Start one (e.g. `apt-get install redis-server` or `docker run -p 6379:6379 redis:7`), or set REDIS_URL.\n' +
          'With redis-server on PATH, Tributary starts its own (TRIBUTARY_START_REDIS=true, the default).\n',
      );
      process.exit(1);
    }
    redisUrl = launched.url;
    cleanups.push(() => launched.stop());
    logger.info(
      { redis: redisUrl, dir: resolve(config.TRIBUTARY_DATA_DIR, 'redis') },
      'started a local redis-server',
    );
  }

  const keyring = await loadKeyring(config, logger);
  // flows saved before credentials held webhook secrets inline: seal them before anything serves a request
  await moveWebhookSecretsToCredentials(db.db, keyring, logger);
  const engine = createEngine({
    db,
    keyring,
    redisUrl,
    queuePrefix: config.TRIBUTARY_QUEUE_PREFIX,
    logger,
    httpAllow: config.TRIBUTARY_HTTP_ALLOW,
    circuitBreaker: {
      threshold: config.TRIBUTARY_BREAKER_THRESHOLD,
      cooldownMs: config.TRIBUTARY_BREAKER_COOLDOWN_MS,
    },
    tracing: telemetry?.tracing,
    settings: {
      stepTimeoutMs: config.TRIBUTARY_STEP_TIMEOUT_MS,
      fuseMaxSteps: config.TRIBUTARY_FUSE_MAX_STEPS,
      ingestFuseBudgetMs: config.TRIBUTARY_INGEST_FUSE_BUDGET_MS,
      ingestBatchBytes: config.TRIBUTARY_INGEST_BATCH_BYTES,
      ingestBacklogBytes: config.TRIBUTARY_INGEST_MAX_PENDING_BYTES,
      ingestMaxWaitMs: config.TRIBUTARY_INGEST_MAX_WAIT_MS,
      subFlowMaxDepth: config.TRIBUTARY_SUB_FLOW_MAX_DEPTH,
    },
  });
  cleanups.unshift(async () => {
    await engine.close();
    // the broker connections publish steps share; closed once no step can use them
    await closeBrokerConnections();
  });
  await warnIfEvicting(engine.redis, logger);

  if (mode === 'worker' || mode === 'all') {
    engine.startWorker({
      concurrency: config.TRIBUTARY_WORKER_CONCURRENCY,
      lockDurationMs: config.TRIBUTARY_LOCK_DURATION_MS,
      stalledIntervalMs: config.TRIBUTARY_STALLED_INTERVAL_MS,
    });
    engine.startSweeper(config.TRIBUTARY_SWEEP_INTERVAL_MS);
    engine.startRetention(config.TRIBUTARY_RETENTION_INTERVAL_MS, { days: config.TRIBUTARY_RETENTION_DAYS });
    // any number of processes may run it: each batch is committed by one of them (engine backfill/)
    engine.startBackfills(config.TRIBUTARY_BACKFILL_INTERVAL_MS);
    // broker triggers consume where workers run: more workers, more consumers (engine consumers/)
    engine.startConsumers({
      maxMessageBytes: config.TRIBUTARY_MAX_BODY,
      ...(config.TRIBUTARY_INSTANCE_NAME !== undefined ? { instance: config.TRIBUTARY_INSTANCE_NAME } : {}),
    });
    await engine.flowsChanged();
    logger.info({ concurrency: config.TRIBUTARY_WORKER_CONCURRENCY }, 'worker started');
  }

  let fetch: (req: Request) => Response | Promise<Response>;
  if (mode === 'worker') {
    const ops = new Hono();
    ops.route('/', opsRoutes({ engine, config }));
    fetch = ops.fetch;
  } else {
    if (config.TRIBUTARY_OWNER_EMAIL && config.TRIBUTARY_OWNER_PASSWORD) {
      const made = await ensureOwner(db.db, config.TRIBUTARY_OWNER_EMAIL, config.TRIBUTARY_OWNER_PASSWORD);
      if (made)
        logger.info({ email: config.TRIBUTARY_OWNER_EMAIL }, 'owner account created from configuration');
    }
    const key = await bootstrapOwnerKey(db.db, config.TRIBUTARY_API_KEY);
    if (key) {
      // printed once, on purpose, to the terminal and not to the log stream
      process.stdout.write(
        `\n  First start: created an owner API key. It is shown only this once:\n\n    ${key}\n\n  Use it as "Authorization: Bearer <key>".\n\n`,
      );
    }
    const editorDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'editor', 'dist');
    fetch = createApp({ engine, config, editorDir: existsSync(editorDir) ? editorDir : undefined }).fetch;
  }

  const server = serve({ fetch, port: config.PORT, hostname: config.HOST }, (info) => {
    logger.info({ port: info.port, mode }, `Tributary listening on http://localhost:${info.port}`);
  });
  cleanups.unshift(
    () =>
      new Promise<void>((done) => {
        server.close(() => done());
      }),
  );

  // Graceful shutdown: no new connections, idle keep-alive ones closed, readiness says no; the worker finishes
  // the steps it is running (it takes no new ones) — all within TRIBUTARY_SHUTDOWN_MS. Past that the process
  // exits anyway: a step still running is taken over by another worker once its lease expires, and commits
  // once (its completion is a compare-and-set), so nothing is lost or doubled in storage.
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal, deadlineMs: config.TRIBUTARY_SHUTDOWN_MS }, 'shutting down');
    const deadline = setTimeout(() => {
      logger.warn(
        { deadlineMs: config.TRIBUTARY_SHUTDOWN_MS },
        'shutdown took longer than TRIBUTARY_SHUTDOWN_MS: exiting; steps still running are taken over when their leases expire',
      );
      process.exit(1);
    }, config.TRIBUTARY_SHUTDOWN_MS);
    deadline.unref();
    if ('closeIdleConnections' in server) server.closeIdleConnections();
    for (const cleanup of cleanups) {
      try {
        await cleanup();
      } catch (err) {
        logger.warn({ err }, 'error during shutdown');
      }
    }
    clearTimeout(deadline);
    logger.info('shut down');
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

/**
 * Keeps the process up through the driver's known faults on a connection Postgres closed (a restart, a
 * failover; see @tributary/db's driver-faults.ts); anything else uncaught still ends the process, as Node's
 * default does, after logging it.
 */
function survivesDriverFaults(logger: ReturnType<typeof createLogger>): void {
  process.on('uncaughtException', (err) => {
    if (isClosedConnectionWrite(err)) {
      logger.warn('a database connection closed under a pending write; its queries failed and are retried');
      return;
    }
    if (isArrayTypesReadFailure(err)) {
      // an unhandled rejection comes here (Node's default mode throws it)
      logger.warn('a database connection failed as it started; the statements waiting for it failed');
      return;
    }
    logger.fatal({ err }, 'uncaught exception');
    process.exit(1);
  });
}

async function warnIfEvicting(
  redis: { config(...args: string[]): Promise<unknown> },
  logger: ReturnType<typeof createLogger>,
) {
  try {
    const reply = await redis.config('GET', 'maxmemory-policy');
    const policy = Array.isArray(reply) ? String(reply[1]) : '';
    if (policy && policy !== 'noeviction') {
      logger.warn(
        { policy },
        `Redis maxmemory-policy is "${policy}": Redis may evict queue keys under memory pressure. BullMQ needs "noeviction"; the sweeper re-creates lost jobs, but set maxmemory-policy noeviction.`,
      );
    }
  } catch {
    // managed Redis often forbids CONFIG; nothing to check then
  }
}

main().catch((err) => {
  process.stderr.write(
    `Tributary failed to start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
  );
  process.exit(1);
});
