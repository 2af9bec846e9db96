// The engine: wires database, Redis, queue, worker, sweeper and metrics into one object with a lifecycle.
import type { DbHandle } from '@tributary/db';
import { schema } from '@tributary/db';
import type { AllowList } from '@tributary/nodes';
import {
  CircuitBreakers,
  createGuardedHttpClient,
  EMPTY_ALLOW_LIST,
  resolveCheckedAddresses,
  systemResolver,
  withCircuitBreakers,
} from '@tributary/nodes';
import type { Worker } from 'bullmq';
import { and, eq, isNull, lte, or, sql } from 'drizzle-orm';
import { Redis } from 'ioredis';
import type { BackfillPassOptions } from './backfill/index.js';
import { DEFAULT_BACKFILL_PASS_OPTIONS, startBackfillJob } from './backfill/index.js';
import type { ConsumerOptions } from './consumers/index.js';
import { BrokerConsumers, consumerMetrics, DEFAULT_CONSUMER_OPTIONS } from './consumers/index.js';
import { callSubFlow, startErrorFlow } from './control/index.js';
import type { EngineContext, EngineSettings, Keyring, Logger, StepJobData, Tracing } from './core/index.js';
import {
  createMetrics,
  DEFAULT_SETTINGS,
  FlowCache,
  LiveFlows,
  StepQueue,
  withTimeout,
} from './core/index.js';
import type { SweepOptions } from './recovery/index.js';
import { DEFAULT_SWEEP_OPTIONS, RedisLossWatch, startSweeper } from './recovery/index.js';
import type { RetentionOptions } from './retention/index.js';
import { DEFAULT_RETENTION_OPTIONS, startRetention } from './retention/index.js';
import { ScheduleQueue, startScheduleWorker, syncSchedules } from './schedules/index.js';
import type { StepWorkerOptions } from './steps/index.js';
import { DEFAULT_WORKER_OPTIONS, startStepWorker } from './steps/index.js';
import { trackingAfterWorkDone } from './tracking/index.js';

export interface EngineOptions {
  db: DbHandle;
  redisUrl: string;
  queuePrefix: string;
  logger: Logger;
  httpAllow?: AllowList | undefined;
  /**
   * Per-host circuit breakers of outbound HTTP: `threshold` consecutive connection failures or 5xx answers
   * pause calls to the host for `cooldownMs` (doubling per failed probe); threshold 0 turns them off.
   */
  circuitBreaker?: { threshold: number; cooldownMs: number } | undefined;
  /** The keys credentials are sealed with (TRIBUTARY_ENCRYPTION_KEY and its predecessors). */
  keyring: Keyring;
  settings?: Partial<EngineSettings>;
  /** Collect Node's default process metrics too (off in tests that run many engines). */
  defaultMetrics?: boolean;
  /** A started OpenTelemetry SDK to emit spans to (core/tracing.ts); none: tracing off. */
  tracing?: Tracing | undefined;
}

/** A running engine; close() releases everything it opened (not the database handle). */
export interface Engine {
  ctx: EngineContext;
  redis: Redis;
  schedules: ScheduleQueue;
  /** Re-reads the published flows (after publish, rollback, deactivate, delete) and updates schedules. */
  flowsChanged(): Promise<void>;
  startWorker(options?: Partial<StepWorkerOptions>): Worker<StepJobData>;
  /**
   * Starts the consumers of broker triggers (consumers/): one per live flow with an AMQP, MQTT or NATS
   * trigger, kept in step with publishes; run where workers run.
   */
  startConsumers(options?: Partial<ConsumerOptions>): BrokerConsumers;
  startSweeper(intervalMs: number, options?: Partial<SweepOptions>): void;
  /** Deletes expired history every `intervalMs` (retention/). */
  startRetention(intervalMs: number, options?: Partial<RetentionOptions>): void;
  /** Advances running backfills every `intervalMs` (backfill/); safe in any number of processes. */
  startBackfills(intervalMs: number, options?: Partial<BackfillPassOptions>): void;
  /** Whether Redis answers PING within a second. */
  redisReady(): Promise<boolean>;
  /** Whether Postgres answers a query within two seconds. */
  databaseReady(): Promise<boolean>;
  /**
   * Stops workers and sweepers — a worker first finishes the steps it is running — and closes connections;
   * calling it again waits for the first call.
   */
  close(): Promise<void>;
  /** Whether close() has begun: readiness then says no, so load balancers stop sending. */
  readonly closing: boolean;
}

/** Seconds the oldest step that is due (queued, its time come) has waited: how far behind the workers are. */
async function oldestDueSeconds(db: DbHandle['db']): Promise<number> {
  const S = schema.steps;
  const [row] = await db
    .select({
      seconds:
        sql<number>`coalesce(extract(epoch from now() - min(coalesce(${S.dueAt}, ${S.createdAt}))), 0)`.mapWith(
          Number,
        ),
    })
    .from(S)
    .where(and(eq(S.status, 'queued'), or(isNull(S.dueAt), lte(S.dueAt, sql`now()`))));
  return Math.max(0, row?.seconds ?? 0);
}

/** Redis connection options BullMQ requires (blocking commands must not time out). */
export function redisConnection(url: string): Redis {
  return new Redis(url, { maxRetriesPerRequest: null, enableReadyCheck: true, lazyConnect: false });
}

/** Whether a Redis answers PING at `url` within `timeoutMs` (one connection, no retries; never throws). */
export async function redisAnswers(url: string, timeoutMs = 1500): Promise<boolean> {
  const client = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    connectTimeout: timeoutMs,
  });
  client.on('error', () => {
    // the outcome is reported by the return value
  });
  try {
    await client.connect();
    return (await client.ping()) === 'PONG';
  } catch {
    // unreachable is the answer asked for
    return false;
  } finally {
    client.disconnect();
  }
}

/** Creates an engine over an open database handle. */
export function createEngine(options: EngineOptions): Engine {
  const redis = redisConnection(options.redisUrl);
  redis.on('error', (err) => options.logger.warn({ err: err.message }, 'redis connection error'));
  const queue = new StepQueue(redis, options.queuePrefix);
  const schedules = new ScheduleQueue(redis, options.queuePrefix);
  const breakerSettings = options.circuitBreaker ?? { threshold: 5, cooldownMs: 30_000 };
  let breakers: CircuitBreakers | undefined;
  const metrics = createMetrics(() => queue.depth(), {
    defaultMetrics: options.defaultMetrics ?? true,
    breakers: () => breakers?.notClosed() ?? [],
    // asked at scrape time, once the engine below exists
    oldestDue: () => oldestDueSeconds(options.db.db),
    ready: async () => (await Promise.all([engine.databaseReady(), engine.redisReady()])).every(Boolean),
  });
  // registered up front, so /metrics names them in every process (they stay empty where no consumer runs)
  consumerMetrics(metrics.registry);
  const guarded = createGuardedHttpClient({ allow: options.httpAllow });
  if (breakerSettings.threshold > 0) {
    breakers = new CircuitBreakers({
      ...breakerSettings,
      onTransition(host, from, to) {
        metrics.breakerTransitions.inc({ host, to });
        const log = to === 'open' ? options.logger.warn : options.logger.info;
        log.call(options.logger, { host, from, to }, `circuit breaker for ${host} is ${to}`);
      },
    });
  }
  const http = breakers ? withCircuitBreakers(guarded, breakers) : guarded;
  const settings = { ...DEFAULT_SETTINGS, ...options.settings };
  const ctx: EngineContext = {
    db: options.db.db,
    ingestDb: options.db.ingestDb,
    ingestStatementTimeoutMs: options.db.ingestStatementTimeoutMs,
    reserveIngest: options.db.reserveIngest,
    queue,
    flows: new FlowCache(),
    live: new LiveFlows(),
    logger: options.logger,
    metrics,
    http,
    async resolveAddress(host) {
      const [address] = await resolveCheckedAddresses(
        host,
        options.httpAllow ?? EMPTY_ALLOW_LIST,
        systemResolver,
      );
      return address as string;
    },
    keyring: options.keyring,
    settings,
    tracing: options.tracing,
  };
  ctx.startErrorFlow = (tx, runId) => startErrorFlow(ctx, tx, runId);
  ctx.callSubFlow = (caller, request) => callSubFlow(ctx, caller, request);
  const workers: Array<{ worker: Worker; connection: Redis }> = [];
  const stoppers: Array<() => Promise<void>> = [];
  let consumers: BrokerConsumers | undefined;
  let closing: Promise<void> | undefined;
  const ownConnection = () => {
    // a worker blocks on its connection, so each gets one of its own
    const connection = redisConnection(options.redisUrl);
    connection.on('error', () => {
      // reported once through the main connection's handler; reconnects on its own
    });
    return connection;
  };
  const engine: Engine = {
    ctx,
    redis,
    schedules,
    async flowsChanged() {
      ctx.live.invalidate();
      try {
        await syncSchedules(ctx, schedules);
      } catch (err) {
        // the sweeper syncs again on its next pass
        options.logger.warn({ err }, 'could not update schedules now');
      }
      // never rejects: a failed sync is logged and tried again on the consumers' own interval
      await consumers?.sync();
    },
    startWorker(workerOptions) {
      const connection = ownConnection();
      const worker = startStepWorker(ctx, connection, { ...DEFAULT_WORKER_OPTIONS, ...workerOptions });
      workers.push({ worker, connection });
      const scheduleConnection = ownConnection();
      workers.push({
        worker: startScheduleWorker(ctx, scheduleConnection, options.queuePrefix),
        connection: scheduleConnection,
      });
      return worker;
    },
    startConsumers(consumerOptions) {
      consumers ??= new BrokerConsumers(ctx, { ...DEFAULT_CONSUMER_OPTIONS, ...consumerOptions });
      consumers.start();
      return consumers;
    },
    startRetention(intervalMs, retentionOptions) {
      stoppers.push(startRetention(ctx, intervalMs, { ...DEFAULT_RETENTION_OPTIONS, ...retentionOptions }));
    },
    startBackfills(intervalMs, passOptions) {
      stoppers.push(startBackfillJob(ctx, intervalMs, { ...DEFAULT_BACKFILL_PASS_OPTIONS, ...passOptions }));
    },
    startSweeper(intervalMs, sweepOptions) {
      stoppers.push(
        startSweeper(
          ctx,
          intervalMs,
          new RedisLossWatch(redis, `${options.queuePrefix}:redis-mark`, ctx.logger),
          { ...DEFAULT_SWEEP_OPTIONS, ...sweepOptions },
          () => syncSchedules(ctx, schedules),
        ),
      );
    },
    async redisReady() {
      try {
        const pong = await Promise.race([
          redis.ping(),
          new Promise<string>((resolve) => setTimeout(() => resolve('timeout'), 1000)),
        ]);
        return pong === 'PONG';
      } catch {
        // a failed PING is exactly "not ready"
        return false;
      }
    },
    async databaseReady() {
      const probe = ctx.db.select({ key: schema.systemSettings.key }).from(schema.systemSettings).limit(1);
      return withTimeout(probe, 2000, 'postgres check').then(
        () => true,
        () => false,
      );
    },
    close() {
      closing ??= closeAll();
      return closing;
    },
    get closing() {
      return closing !== undefined;
    },
  };
  return engine;

  async function closeAll(): Promise<void> {
    // first, while ingest still has its database and Redis: messages being handled are committed and acked
    await consumers?.close();
    for (const stop of stoppers) await stop();
    for (const { worker, connection } of workers) {
      await worker.close();
      connection.disconnect();
    }
    // the steps that tracking calls answered meanwhile resumed are woken while the queue is open
    await trackingAfterWorkDone(ctx);
    await queue.close();
    await schedules.close();
    redis.disconnect();
    await guarded.close();
  }
}
