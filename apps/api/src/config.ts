// Configuration: parsed once at start from the environment by one zod schema; a bad value stops the process.
import { DEFAULT_SETTINGS, parseEncryptionKey } from '@tributary/engine';
import { allowListSchema } from '@tributary/nodes';
import { z } from 'zod';
import { authConfigShape, checkAuthConfig } from './auth-config.js';

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const bytes = z
  .string()
  .regex(/^\d+(?:\.\d+)?\s*(?:b|kb|kib|mb|mib|gb|gib)?$/i, 'a size such as 1048576, 512kb or 1mb')
  .transform((v) => {
    const match = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(v.trim());
    const n = Number(match?.[1] ?? 0);
    const unit = (match?.[2] ?? '').toLowerCase();
    const factor = unit.startsWith('g')
      ? 1024 ** 3
      : unit.startsWith('m')
        ? 1024 ** 2
        : unit.startsWith('k')
          ? 1024
          : 1;
    return Math.floor(n * factor);
  });

const otlpProtocol = z.enum(['http/protobuf', 'http/json'], {
  error:
    "http/protobuf or http/json (gRPC is not supported: point it at the collector's OTLP/HTTP port, 4318)",
});

const url = z.url({ protocol: /^https?$/, error: 'an http:// or https:// URL' });

function encryptionKey(setting: string) {
  return z.string().transform((text, ctx) => {
    try {
      return parseEncryptionKey(text, setting);
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: (err as Error).message });
      return z.NEVER;
    }
  });
}

/** Every environment variable the server reads, with its default. Documented in the README. */
export const configSchema = z
  .object({
    NODE_ENV: z.string().default('development'),
    PORT: z.coerce.number().int().min(0).max(65535).default(3000),
    HOST: z.string().default('0.0.0.0'),
    TRIBUTARY_MODE: z.enum(['all', 'api', 'worker']).default('all'),
    DATABASE_URL: z
      .string()
      .regex(/^postgres(?:ql)?:\/\//, 'a postgres:// URL')
      .optional(),
    TRIBUTARY_DATA_DIR: z.string().default('./.tributary'),
    REDIS_URL: z
      .string()
      .regex(/^rediss?:\/\//, 'a redis:// URL')
      .default('redis://127.0.0.1:6379'),
    TRIBUTARY_START_REDIS: bool.default(true),
    TRIBUTARY_QUEUE_PREFIX: z
      .string()
      .regex(
        /^[A-Za-z0-9_:{}-]+$/,
        'letters, digits, "_", "-", ":" and braces (for a Redis Cluster hash tag)',
      )
      .default('tributary'),
    TRIBUTARY_API_KEY: z.string().min(16, 'at least 16 characters').optional(),
    TRIBUTARY_HTTP_ALLOW: allowListSchema,
    TRIBUTARY_MAX_BODY: bytes.default(1024 * 1024),
    TRIBUTARY_BREAKER_THRESHOLD: z.coerce.number().int().min(0).max(1000).default(5),
    TRIBUTARY_BREAKER_COOLDOWN_MS: z.coerce.number().int().min(100).max(3_600_000).default(30_000),
    TRIBUTARY_WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(1000).default(50),
    TRIBUTARY_STEP_TIMEOUT_MS: z.coerce.number().int().min(100).default(DEFAULT_SETTINGS.stepTimeoutMs),
    TRIBUTARY_FUSE_MAX_STEPS: z.coerce
      .number()
      .int()
      .min(0)
      .max(10_000)
      .default(DEFAULT_SETTINGS.fuseMaxSteps),
    TRIBUTARY_SUB_FLOW_MAX_DEPTH: z.coerce
      .number()
      .int()
      .min(1)
      .max(100)
      .default(DEFAULT_SETTINGS.subFlowMaxDepth),
    TRIBUTARY_INGEST_FUSE_BUDGET_MS: z.coerce
      .number()
      .int()
      .min(0)
      .max(1_000)
      .default(DEFAULT_SETTINGS.ingestFuseBudgetMs),
    TRIBUTARY_HEAP_GROWING_PERCENT: z.coerce.number().int().min(0).max(400).default(30),
    TRIBUTARY_V8_PRETENURING: bool.default(false),
    TRIBUTARY_INGEST_BATCH_BYTES: bytes
      .refine((n) => n >= 64 * 1024 && n <= 256 * 1024 * 1024, {
        message: 'between 64kb and 256mb',
      })
      .default(DEFAULT_SETTINGS.ingestBatchBytes),
    TRIBUTARY_INGEST_MAX_PENDING_BYTES: bytes
      .refine((n) => n >= 1024 * 1024 && n <= 4 * 1024 * 1024 * 1024, {
        message: 'between 1mb and 4gb',
      })
      .default(DEFAULT_SETTINGS.ingestBacklogBytes),
    TRIBUTARY_INGEST_BODY_BUDGET: bytes
      .refine((n) => n >= 1024 * 1024 && n <= 4 * 1024 * 1024 * 1024, {
        message: 'between 1mb and 4gb',
      })
      .default(8 * 1024 * 1024),
    TRIBUTARY_INGEST_MAX_WAIT_MS: z.coerce
      .number()
      .int()
      .min(100)
      .max(60_000)
      .default(DEFAULT_SETTINGS.ingestMaxWaitMs),
    TRIBUTARY_LOCK_DURATION_MS: z.coerce.number().int().min(1000).default(30_000),
    TRIBUTARY_STALLED_INTERVAL_MS: z.coerce.number().int().min(500).default(30_000),
    TRIBUTARY_SWEEP_INTERVAL_MS: z.coerce.number().int().min(100).default(5_000),
    /**
     * This process's name among the consumers of broker triggers (default: the host name): unique per
     * process and the same across its restarts, as an MQTT persistent session is found again by it.
     */
    TRIBUTARY_INSTANCE_NAME: z
      .string()
      .max(64)
      .regex(/^[A-Za-z0-9_.-]+$/, 'letters, digits, "_", "-" and "." only')
      .optional(),
    TRIBUTARY_SHUTDOWN_MS: z.coerce.number().int().min(1_000).max(3_600_000).default(30_000),
    TRIBUTARY_RETENTION_DAYS: z.coerce.number().int().min(0).max(3650).default(30),
    TRIBUTARY_RETENTION_INTERVAL_MS: z.coerce.number().int().min(1_000).default(600_000),
    /** How often worker processes start the next batch of each running backfill. */
    TRIBUTARY_BACKFILL_INTERVAL_MS: z.coerce.number().int().min(100).max(600_000).default(1_000),
    TRIBUTARY_DB_POOL: z.coerce.number().int().min(1).max(500).default(20),
    TRIBUTARY_DB_INGEST_POOL: z.coerce.number().int().min(1).max(100).default(4),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    /** Seals credentials (AES-256-GCM); outside production one is generated into the data dir when unset. */
    TRIBUTARY_ENCRYPTION_KEY: encryptionKey('TRIBUTARY_ENCRYPTION_KEY').optional(),
    /** Earlier keys, comma-separated: still open credentials until `npm run credentials:rotate` re-seals them. */
    TRIBUTARY_ENCRYPTION_KEY_PREVIOUS: z
      .string()
      .transform((text, ctx) => {
        try {
          return text
            .split(',')
            .filter((part) => part.trim() !== '')
            .map((part) => parseEncryptionKey(part, 'TRIBUTARY_ENCRYPTION_KEY_PREVIOUS'));
        } catch (err) {
          ctx.addIssue({ code: 'custom', message: (err as Error).message });
          return z.NEVER;
        }
      })
      .default([]),
    /**
     * OpenTelemetry tracing (telemetry.ts): the standard OTEL_* variables; off unless an exporter or an OTLP
     * endpoint is set. What the SDK reads itself (OTEL_RESOURCE_ATTRIBUTES, OTEL_EXPORTER_OTLP_HEADERS,
     * OTEL_TRACES_SAMPLER, OTEL_BSP_*, …) it reads from the environment as usual.
     */
    OTEL_SDK_DISABLED: bool.default(false),
    OTEL_TRACES_EXPORTER: z
      .enum(['otlp', 'console', 'none'], { error: 'otlp, console or none (one of them)' })
      .optional(),
    OTEL_EXPORTER_OTLP_ENDPOINT: url.optional(),
    OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: url.optional(),
    OTEL_EXPORTER_OTLP_PROTOCOL: otlpProtocol.optional(),
    OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: otlpProtocol.optional(),
    OTEL_SERVICE_NAME: z.string().min(1).max(255).default('tributary'),
    ...authConfigShape,
  })
  .superRefine((config, ctx) => {
    checkAuthConfig(config, ctx);
    if (config.TRIBUTARY_INGEST_BODY_BUDGET < config.TRIBUTARY_MAX_BODY) {
      ctx.addIssue({
        code: 'custom',
        path: ['TRIBUTARY_INGEST_BODY_BUDGET'],
        message: `must be at least TRIBUTARY_MAX_BODY (${config.TRIBUTARY_MAX_BODY} bytes), or a body of that size could never be read alongside another`,
      });
    }
    if (config.NODE_ENV === 'production' && !config.TRIBUTARY_ENCRYPTION_KEY) {
      ctx.addIssue({
        code: 'custom',
        path: ['TRIBUTARY_ENCRYPTION_KEY'],
        message:
          'required when NODE_ENV=production: 32 random bytes as base64 (`openssl rand -base64 32`); keep it safe, credentials cannot be read without it',
      });
    }
  });

export type Config = z.infer<typeof configSchema>;

/** Thrown when the environment has bad values; lists every one. */
export class ConfigError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.problems = problems;
  }
}

/** Parses the environment (empty strings count as unset). */
export function loadConfig(env: Record<string, string | undefined>): Config {
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = configSchema.safeParse(cleaned);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
  }
  return parsed.data;
}
