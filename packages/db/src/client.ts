// Opens the database — real Postgres through postgres.js, or embedded PGlite — and applies migrations.
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SQL } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import * as schema from './schema.js';
import { withStatementCache } from './statement-cache.js';

/** A drizzle database over either driver; queries are written once against this type. */
export type Database = PgDatabase<PgQueryResultHKT, typeof schema>;
/** A transaction handle (same query surface as `Database`). */
export type Transaction = Parameters<Parameters<Database['transaction']>[0]>[0];
/** Either a database or an open transaction. */
export type Queryable = Database | Transaction;

/** Runs a raw statement and returns its rows, whichever driver is underneath (they shape results differently). */
export async function selectRows<T>(db: Queryable, query: SQL): Promise<T[]> {
  const result: unknown = await db.execute(query);
  if (Array.isArray(result)) return result as T[];
  const rows = (result as { rows?: unknown } | null)?.rows;
  return Array.isArray(rows) ? (rows as T[]) : [];
}

export interface DbHandle {
  db: Database;
  /**
   * For accepting events on the request path: a small pool of its own, so that background work (steps,
   * sweeps) holding every connection of `db` never makes an ingest wait. PGlite has one connection: `db`.
   */
  ingestDb: Database;
  /**
   * The `statement_timeout` of `ingestDb`'s connections (ms), when one was asked for: Postgres cancels a
   * statement running longer, so a statement written without a transaction of its own either commits within
   * it or not at all. Undefined on PGlite (one connection, no timeout).
   */
  ingestStatementTimeoutMs: number | undefined;
  /**
   * Takes a connection of `ingestDb`'s pool for the caller alone, so that the caller knows when a statement
   * it sends is with Postgres (not queued for a connection); release it when done. Undefined on PGlite.
   */
  reserveIngest: (() => Promise<ReservedDb>) | undefined;
  kind: 'postgres' | 'pglite';
  /** Applies pending migrations from the checked-in migrations folder. */
  migrate(): Promise<void>;
  close(): Promise<void>;
}

/** One connection taken from a pool (DbHandle.reserveIngest). */
export interface ReservedDb {
  db: Database;
  /** Gives the connection back to its pool; the handle must not be used after. */
  release(): void;
  /**
   * Leaves a connection that failed as lost (closed, reset, Postgres shutting down) to the pool, which takes
   * it back when its socket closes. Giving it back instead would put a closed connection among the open
   * ones (postgres.js 3.4.9's release does not look), where the next query on it never returns.
   */
  discard(): void;
}

export interface OpenDbOptions {
  /** A postgres:// URL; when absent, PGlite is used. */
  url?: string | undefined;
  /** Folder for PGlite's files; `memory://` for an in-memory database. */
  dataDir?: string | undefined;
  /** Pool size for postgres.js. */
  maxConnections?: number | undefined;
  /** Pool size of `ingestDb` (postgres.js only). */
  ingestConnections?: number | undefined;
  /**
   * `statement_timeout` of `ingestDb`'s connections (ms; postgres.js only): give the ingest time limit, so
   * ingest may write a batch in one statement without a transaction and still never outlast the limit. It is
   * their `idle_in_transaction_session_timeout` too: Postgres ends a session whose transaction waits that long
   * for its next statement (its COMMIT lost on the way), so that its locks do not hold other ingest back.
   */
  ingestStatementTimeoutMs?: number | undefined;
  /** Seconds to wait for a connection before failing (so callers can answer 503 fast). */
  connectTimeoutSeconds?: number | undefined;
}

/** Folder of the generated migrations (shipped beside src/ and dist/). */
export const migrationsFolder = join(dirname(fileURLToPath(import.meta.url)), '..', 'drizzle');

/** The longest wait (seconds) before a pool connection tries again to reach a database it lost. */
export const MAX_RECONNECT_DELAY_SECONDS = 1;

/**
 * Seconds before a closed pool connection reconnects, after `failures` failed attempts of its pool: 50 ms
 * doubling up to MAX_RECONNECT_DELAY_SECONDS, with jitter. postgres.js's own default grows as 3^n / 100 up
 * to 20 s, and its count is shared by the pool and grows with every connection's failed attempt: a few
 * seconds of outage left a server answering 503 for 10–20 s after Postgres was back.
 */
export function reconnectDelaySeconds(failures: number): number {
  return Math.min(0.05 * 2 ** failures, MAX_RECONNECT_DELAY_SECONDS) * (0.5 + Math.random() / 2);
}

/** Advisory lock key held while migrating. */
const MIGRATION_LOCK = 7_210_000;

/** Opens a database handle for the given options. */
export async function openDb(options: OpenDbOptions): Promise<DbHandle> {
  if (options.url) return openPostgres(options.url, options);
  return openPglite(options.dataDir ?? 'memory://');
}

/** How openPostgres's two pools differ (see there). */
interface PoolShape {
  readsArrayTypes: boolean;
  statementTimeoutMs?: number | undefined;
}

async function openPostgres(url: string, options: OpenDbOptions): Promise<DbHandle> {
  const { default: postgres } = await import('postgres');
  const { drizzle, PostgresJsDatabase, PostgresJsSession } = await import('drizzle-orm/postgres-js');
  const { PgDialect } = await import('drizzle-orm/pg-core');
  const { migrate } = await import('drizzle-orm/postgres-js/migrator');
  const pool = (max: number, { readsArrayTypes, statementTimeoutMs }: PoolShape) =>
    postgres(url, {
      max,
      connect_timeout: options.connectTimeoutSeconds ?? 2,
      backoff: reconnectDelaySeconds,
      fetch_types: readsArrayTypes,
      onnotice: () => {
        // migrations emit NOTICEs ("relation already exists, skipping"); they are not worth a log line
      },
      // the same bound between a transaction's statements: a transaction whose COMMIT was lost on the way (a
      // half-dead network path) is rolled back by Postgres then, its locks given up, instead of holding them
      // until the server notices the connection is gone; ingest never leaves a transaction idle that long
      ...(statementTimeoutMs === undefined
        ? {}
        : {
            connection: {
              statement_timeout: statementTimeoutMs,
              idle_in_transaction_session_timeout: statementTimeoutMs,
            },
          }),
    });
  // postgres.js connects lazily: the ingest pool opens connections only when something is ingested
  // postgres.js (3.4.9) reads the database's array types as each connection starts, in a promise it never
  // awaits: cut in that moment (Postgres stopping, a failover), the read rejects with nobody listening, and a
  // query it left behind fails again on the next attempt (connection-start.test.ts). Nothing here sends or
  // reads Postgres arrays through the driver (JSON documents and drizzle's own encodings do), so the main
  // pool skips the read, and a round trip on every new connection with it. The ingest pool keeps it: its
  // reservations (reserveIngest) are only handed over once the read is done — without it a reservation on a
  // new connection never is. The rejection it can leave is known (isArrayTypesReadFailure).
  const client = pool(options.maxConnections ?? 20, { readsArrayTypes: false });
  const ingestClient = pool(options.ingestConnections ?? 4, {
    readsArrayTypes: true,
    statementTimeoutMs: options.ingestStatementTimeoutMs,
  });
  const db = drizzle(withStatementCache(client), { schema });
  const cachedIngest = withStatementCache(ingestClient);
  const ingestDb = drizzle(cachedIngest, { schema });
  const ingestDialect = new PgDialect();
  return {
    // postgres-js's database is a PgDatabase with its own HKT; the shared type only narrows what we call
    db: db as unknown as Database,
    ingestDb: ingestDb as unknown as Database,
    ingestStatementTimeoutMs: options.ingestStatementTimeoutMs,
    async reserveIngest() {
      const reserved = await cachedIngest.reserve();
      // a session on the one connection, as drizzle makes one for a transaction (`drizzle()` would want the
      // pool's options, which a reservation does not carry; the pool's parsers are its own already)
      const session = new PostgresJsSession(reserved, ingestDialect, undefined);
      const reservedDb = new PostgresJsDatabase(ingestDialect, session, undefined);
      return {
        db: reservedDb as unknown as Database,
        release: () => reserved.release(),
        discard: () => {
          // see ReservedDb.discard: the pool's own close handling frees it
        },
      };
    },
    kind: 'postgres',
    async migrate() {
      // several processes (api, workers) may start at once: one migrates, the others wait for it
      const lock = postgres(url, {
        max: 1,
        connect_timeout: options.connectTimeoutSeconds ?? 10,
        onnotice: () => {},
      });
      try {
        await lock`select pg_advisory_lock(${MIGRATION_LOCK})`;
        await migrate(db, { migrationsFolder });
        await lock`select pg_advisory_unlock(${MIGRATION_LOCK})`;
      } finally {
        await lock.end({ timeout: 5 });
      }
    },
    async close() {
      await Promise.all([client.end({ timeout: 5 }), ingestClient.end({ timeout: 5 })]);
    },
  };
}

async function openPglite(dataDir: string): Promise<DbHandle> {
  const { PGlite } = await import('@electric-sql/pglite');
  const { drizzle } = await import('drizzle-orm/pglite');
  const { migrate } = await import('drizzle-orm/pglite/migrator');
  if (!dataDir.startsWith('memory://')) mkdirSync(dataDir, { recursive: true });
  const client = await PGlite.create(dataDir);
  const db = drizzle(client, { schema });
  return {
    // PGlite's database is a PgDatabase with its own HKT; the shared type only narrows what we call
    db: db as unknown as Database,
    ingestDb: db as unknown as Database,
    ingestStatementTimeoutMs: undefined,
    reserveIngest: undefined,
    kind: 'pglite',
    migrate: () => migrate(db, { migrationsFolder }),
    close: () => client.close(),
  };
}
