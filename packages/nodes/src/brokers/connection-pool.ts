// The broker connections publish steps share in this process: one per credential version and address, opened
// on first use, dropped when the broker closes it, closed after a while unused and when the process stops.

/** A pooled connection: the pool only needs to know whether it still works and how to close it. */
export interface PooledConnection {
  /** False once the broker or the network closed it; the pool then opens a new one. */
  readonly open: boolean;
  close(): Promise<void>;
}

/** Settings of a pool. */
export interface ConnectionPoolOptions {
  /** A connection unused this long is closed. */
  idleMs: number;
  /** Most connections kept; past it the one unused longest is closed. */
  maxConnections: number;
}

interface Entry {
  /** Credential id: a newer version of the same credential replaces the connections of older ones. */
  owner: string;
  version: string;
  connection: Promise<PooledConnection>;
  users: number;
  lastUsed: number;
}

/** The key of a connection and what it belongs to. */
export interface PoolKey {
  /** Broker kind, e.g. `amqp`. */
  kind: string;
  credentialId: string;
  /** The credential's version (its updatedAt): an edited credential gets new connections. */
  version: string;
  /** Where it goes: the checked address and port, so a host that now resolves elsewhere gets its own. */
  address: string;
}

/** A small pool of broker connections keyed by credential version and address. */
export class ConnectionPool {
  readonly #entries = new Map<string, Entry>();
  readonly #options: ConnectionPoolOptions;
  #sweeper: NodeJS.Timeout | undefined;

  constructor(options: ConnectionPoolOptions) {
    this.#options = options;
  }

  /** How many connections are kept (open or opening). */
  get size(): number {
    return this.#entries.size;
  }

  /**
   * Runs `use` with the pooled connection for `key`, opening it with `open` when there is none that works.
   * Concurrent callers share one opening; a connection whose opening failed is not kept.
   */
  async with<C extends PooledConnection, T>(
    key: PoolKey,
    open: () => Promise<C>,
    use: (connection: C) => Promise<T>,
  ): Promise<T> {
    const entry = await this.#entry(key, open);
    entry.users += 1;
    try {
      // the entry was made by `open` for this key, so it holds a C
      return await use((await entry.connection) as C);
    } finally {
      entry.users -= 1;
      entry.lastUsed = Date.now();
    }
  }

  /** Drops the connection of `key` (it failed in a way that makes it suspect) and closes it. */
  async discard(key: PoolKey): Promise<void> {
    const id = keyOf(key);
    const entry = this.#entries.get(id);
    if (!entry) return;
    this.#entries.delete(id);
    await closeQuietly(entry);
  }

  /** Closes every connection; the pool stays usable and opens new ones on demand. */
  async closeAll(): Promise<void> {
    const entries = [...this.#entries.values()];
    this.#entries.clear();
    if (this.#sweeper) clearInterval(this.#sweeper);
    this.#sweeper = undefined;
    await Promise.all(entries.map(closeQuietly));
  }

  async #entry(key: PoolKey, open: () => Promise<PooledConnection>): Promise<Entry> {
    const id = keyOf(key);
    const found = this.#entries.get(id);
    if (found && (await isUsable(found))) return found;
    if (found && this.#entries.get(id) === found) this.#entries.delete(id);
    // another caller may have replaced it while this one checked
    const current = this.#entries.get(id);
    if (current && current !== found) return current;
    this.#retireOlderVersions(key);
    const connection = open();
    const entry: Entry = {
      owner: `${key.kind}:${key.credentialId}`,
      version: key.version,
      connection,
      users: 0,
      lastUsed: Date.now(),
    };
    this.#entries.set(id, entry);
    connection.catch(() => {
      if (this.#entries.get(id) === entry) this.#entries.delete(id);
    });
    this.#trim();
    this.#startSweeper();
    await connection;
    return entry;
  }

  #retireOlderVersions(key: PoolKey): void {
    const owner = `${key.kind}:${key.credentialId}`;
    for (const [id, entry] of this.#entries) {
      if (entry.owner === owner && entry.version !== key.version && entry.users === 0) {
        this.#entries.delete(id);
        void closeQuietly(entry);
      }
    }
  }

  #trim(): void {
    while (this.#entries.size > this.#options.maxConnections) {
      let oldest: [string, Entry] | undefined;
      for (const pair of this.#entries) {
        if (pair[1].users === 0 && (!oldest || pair[1].lastUsed < oldest[1].lastUsed)) oldest = pair;
      }
      if (!oldest) return;
      this.#entries.delete(oldest[0]);
      void closeQuietly(oldest[1]);
    }
  }

  #startSweeper(): void {
    if (this.#sweeper) return;
    const every = Math.max(1000, Math.min(30_000, Math.floor(this.#options.idleMs / 2)));
    this.#sweeper = setInterval(() => this.#sweep(), every);
    // an idle pool must not keep the process alive
    this.#sweeper.unref();
  }

  #sweep(): void {
    const now = Date.now();
    for (const [id, entry] of this.#entries) {
      if (entry.users === 0 && now - entry.lastUsed >= this.#options.idleMs) {
        this.#entries.delete(id);
        void closeQuietly(entry);
      }
    }
    if (this.#entries.size === 0 && this.#sweeper) {
      clearInterval(this.#sweeper);
      this.#sweeper = undefined;
    }
  }
}

function keyOf(key: PoolKey): string {
  return JSON.stringify([key.kind, key.credentialId, key.version, key.address]);
}

async function isUsable(entry: Entry): Promise<boolean> {
  try {
    return (await entry.connection).open;
  } catch {
    // a failed opening is exactly "not usable"; its caller got the error
    return false;
  }
}

async function closeQuietly(entry: Entry): Promise<void> {
  try {
    await (await entry.connection).close();
  } catch {
    // closing a connection that failed or is already gone has nothing left to report
  }
}

/** How long an unused publish connection stays open. */
export const BROKER_IDLE_MS = 120_000;

/** The publish connections of this process, shared by every step. */
export const brokerConnections = new ConnectionPool({ idleMs: BROKER_IDLE_MS, maxConnections: 64 });

/** Closes the broker connections publish steps opened; call it once the worker has stopped. */
export function closeBrokerConnections(): Promise<void> {
  return brokerConnections.closeAll();
}
