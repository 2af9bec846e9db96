// Test fixture: an engine on its own cloned database and queue prefix, with worker and sweeper if asked.
import { createHash, randomBytes } from 'node:crypto';
import { createTestDatabase, type TestDatabase } from '@tributary/db/testing';
import { parseAllowList } from '@tributary/nodes';
import type { EngineSettings, Logger, StepQueue, Tracing } from '../core/index.js';
import { createLogger, DEFAULT_SETTINGS, Keyring } from '../core/index.js';
import type { Engine } from '../engine.js';
import { createEngine } from '../engine.js';
import { createFlow, publishFlow } from '../flows/index.js';
import { getRun } from '../history/index.js';
import { ingest } from '../ingest/index.js';

/**
 * The keyring of test engines: one fixed key, so a worker in a child process (worker-process.ts) opens what
 * the test sealed. Never a production key: it is derived from a public string.
 */
export const TEST_ENCRYPTION_KEY = createHash('sha256').update('tributary test credentials').digest();
export const TEST_KEYRING = new Keyring(TEST_ENCRYPTION_KEY);

export const TEST_REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

export interface TestEngineOptions {
  worker?: boolean;
  /** Sweep interval in ms; no sweeper when absent. */
  sweepMs?: number;
  settings?: Partial<EngineSettings>;
  /** Extra allow-list entries for outbound HTTP (127.0.0.1 is always allowed in tests). */
  httpAllow?: string;
  /** The engine's logger; silent (or TEST_LOG_LEVEL) when absent. */
  logger?: Logger;
  concurrency?: number;
  stalledIntervalMs?: number;
  lockDurationMs?: number;
  /** Another Redis (e.g. a database index of its own for tests that FLUSHDB). */
  redisUrl?: string;
  /** Node's process metrics in /metrics too (off by default: several engines share a test process). */
  defaultMetrics?: boolean;
  /** A started OpenTelemetry SDK (tracing on); none: off. */
  tracing?: Tracing;
}

export interface TestEngine {
  engine: Engine;
  database: TestDatabase;
  prefix: string;
  close(): Promise<void>;
}

/** A unique queue prefix, so test files never see each other's jobs. */
export function testQueuePrefix(): string {
  return `test-${randomBytes(5).toString('hex')}`;
}

/** Starts an engine for one test file; `template` comes from `inject('templateDatabase')`. */
export async function startTestEngine(
  template: string,
  options: TestEngineOptions = {},
): Promise<TestEngine> {
  // the ingest pool cancels statements at the engine's ingest time limit, as the server's does
  const database = await createTestDatabase(template, undefined, {
    ingestStatementTimeoutMs: options.settings?.ingestTimeoutMs ?? DEFAULT_SETTINGS.ingestTimeoutMs,
  });
  const prefix = testQueuePrefix();
  const engine = createEngine({
    db: database.handle,
    redisUrl: options.redisUrl ?? TEST_REDIS_URL,
    queuePrefix: prefix,
    logger: options.logger ?? createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
    httpAllow: parseAllowList(['127.0.0.1', options.httpAllow].filter(Boolean).join(',')),
    settings: options.settings,
    keyring: TEST_KEYRING,
    defaultMetrics: options.defaultMetrics ?? false,
    tracing: options.tracing,
  });
  if (options.worker ?? true) {
    engine.startWorker({
      concurrency: options.concurrency ?? 20,
      stalledIntervalMs: options.stalledIntervalMs ?? 30_000,
      lockDurationMs: options.lockDurationMs ?? 30_000,
    });
  }
  if (options.sweepMs) engine.startSweeper(options.sweepMs, { minAgeMs: 200 });
  return {
    engine,
    database,
    prefix,
    async close() {
      await engine.close();
      await removeQueueKeys(options.redisUrl ?? TEST_REDIS_URL, prefix);
      await database.dispose();
    },
  };
}

async function removeQueueKeys(url: string, prefix: string): Promise<void> {
  const { Redis } = await import('ioredis');
  const redis = new Redis(url, { maxRetriesPerRequest: 1 });
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

/** Creates and publishes a flow; returns its id and version. */
export async function deployFlow(
  engine: Engine,
  definition: unknown,
): Promise<{ flowId: string; version: number }> {
  const flow = await createFlow(engine.ctx.db, definition, 'test');
  const { version } = await publishFlow(engine.ctx.db, flow.id, 'test');
  await engine.flowsChanged();
  return { flowId: flow.id, version };
}

/** Polls `check` until it returns a value other than undefined/false, or fails after `timeoutMs`. */
export async function waitFor<T>(
  check: () => Promise<T | undefined | false> | T | undefined | false,
  options: { timeoutMs?: number; intervalMs?: number; what?: string } = {},
): Promise<T> {
  const deadline = Date.now() + (options.timeoutMs ?? 15_000);
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `timed out waiting for ${options.what ?? 'condition'}${last ? `: ${String(last)}` : ''}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 25));
  }
}

/** Which of these steps have no job in the step queue (BullMQ knows no state for them), in their order. */
export async function joblessSteps(
  queue: Pick<StepQueue, 'states'>,
  stepIds: readonly string[],
): Promise<string[]> {
  const states = await queue.states(stepIds);
  return stepIds.filter((_, i) => states[i] === 'unknown');
}

/**
 * A flow definition that starts with a manual trigger (id `trigger`, named "Start") followed by `nodes`,
 * with a name and slug of its own.
 */
export function manualFlow(nodes: unknown[], edges: unknown[]) {
  const id = randomBytes(4).toString('hex');
  return {
    name: `Test flow ${id}`,
    slug: `test-flow-${id}`,
    nodes: [{ id: 'trigger', type: 'trigger.manual', name: 'Start', config: {} }, ...nodes],
    edges,
  };
}

/** Waits until the run has a final status; returns it with its steps. */
export function finishedRun(engine: Engine, runId: string, timeoutMs = 20_000) {
  return waitFor(
    async () => {
      const run = await getRun(engine.ctx.db, runId);
      return ['succeeded', 'failed', 'canceled'].includes(run.status) ? run : undefined;
    },
    { timeoutMs, what: `run ${runId} to finish` },
  );
}

/** Accepts an event that starts one run of a deployed flow with `item`. */
export function fireEvent(
  engine: Engine,
  deployed: { flowId: string; version: number },
  item: unknown,
  idempotencyKey?: string,
) {
  return ingest(engine.ctx, {
    source: 'test',
    type: 'test',
    idempotencyKey,
    payload: item,
    targets: [{ ...deployed, item }],
  });
}

/** The id of the run an ingest started; throws when it started none. */
export function runIdOf(result: { runs: ReadonlyArray<{ id: string }> }): string {
  const id = result.runs[0]?.id;
  if (!id) throw new Error('no run was started');
  return id;
}
