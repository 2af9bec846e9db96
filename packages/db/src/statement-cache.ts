// Prepared statements for the statements that repeat. drizzle runs every query through postgres.js's
// `unsafe(…, { prepare: false })`, and postgres.js sends an unprepared query with parameters in two round
// trips (Parse/Describe, wait for the parameter types, then Bind/Execute). A prepared statement needs one.
// Preparing everything would keep one server-side statement per distinct SQL text per connection, and texts
// that vary (lists of different lengths) would grow without end; so a text is prepared from its second use
// on, and at most `maxPrepared` texts ever are.
import type { Sql } from 'postgres';

export interface StatementCacheOptions {
  /** Distinct SQL texts that may be prepared (per client; each connection prepares them on first use). */
  maxPrepared: number;
  /** Distinct texts whose uses are counted; beyond it, new texts are simply not prepared. */
  maxTracked: number;
}

const DEFAULTS: StatementCacheOptions = { maxPrepared: 500, maxTracked: 20_000 };

/** Decides which SQL texts to prepare. */
class PreparePolicy {
  private readonly uses = new Map<string, number>();
  private prepared = 0;
  private readonly options: StatementCacheOptions;

  constructor(options: StatementCacheOptions) {
    this.options = options;
  }

  shouldPrepare(text: string): boolean {
    const seen = this.uses.get(text);
    if (seen === undefined) {
      if (this.uses.size < this.options.maxTracked) this.uses.set(text, 1);
      return false;
    }
    if (seen < 0) return true;
    if (this.prepared >= this.options.maxPrepared) return false;
    // a negative count marks a text as prepared for good
    this.uses.set(text, -1);
    this.prepared++;
    return true;
  }
}

type UnsafeOptions = { prepare?: boolean } & Record<string, unknown>;

/**
 * Wraps a postgres.js client (and the clients its transactions, savepoints and reservations hand out) so that queries
 * whose SQL text repeats run as prepared statements.
 */
export function withStatementCache<T extends Sql>(
  client: T,
  options: Partial<StatementCacheOptions> = {},
): T {
  return wrap(client, new PreparePolicy({ ...DEFAULTS, ...options }));
}

function wrap<T extends Sql>(client: T, policy: PreparePolicy): T {
  return new Proxy(client, {
    get(target, prop, receiver) {
      if (prop === 'unsafe') {
        return (text: string, params?: unknown[], opts: UnsafeOptions = {}) =>
          target.unsafe(text, params as never, {
            ...opts,
            prepare: opts.prepare === true || ((params?.length ?? 0) > 0 && policy.shouldPrepare(text)),
          });
      }
      if (prop === 'reserve') {
        // a reserved connection prepares the same texts as its pool
        return async () => wrap(await target.reserve(), policy);
      }
      if (prop === 'begin' || prop === 'savepoint') {
        const original = Reflect.get(target, prop, receiver) as (...args: unknown[]) => unknown;
        return (...args: unknown[]) =>
          original.apply(
            target,
            args.map((arg) =>
              typeof arg === 'function'
                ? (inner: Sql) => (arg as (sql: Sql) => unknown)(wrap(inner, policy))
                : arg,
            ),
          );
      }
      return Reflect.get(target, prop, receiver);
    },
  });
}
