// Whether Redis may have lost jobs since the sweeper last looked: what lets the sweeper leave parked steps'
// jobs unexamined while Redis has lost nothing.
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from '../core/index.js';

/** Why a sweeper examines every open step's job, not only those of steps that are due or new. */
export type FullCheckReason = 'start' | 'interval' | 'redis_lost' | 'redis_unread';

/**
 * Watches for Redis losing data. Redis keeps a mark: a random value under `key`, written by the first
 * watcher that finds none. FLUSHDB, FLUSHALL and a restart without persistence take it away together with
 * the jobs; a key evicted under memory pressure (a `maxmemory-policy` other than `noeviction`) shows in
 * INFO's `evicted_keys`. Each process's watcher remembers the mark and the count it last read, so a loss
 * another process noticed first (and marked anew) is noticed here too.
 *
 * Not seen: writes a failover to a lagging replica drops (the last moments'), and keys somebody deletes by
 * hand. The sweeper covers the first by examining new steps every pass and both by a full check at an
 * interval (SweepOptions).
 */
export class RedisLossWatch {
  readonly #redis: Redis;
  readonly #key: string;
  readonly #logger: Logger;
  #mark: string | undefined;
  #evicted: string | undefined;
  #unreadSaid = false;

  constructor(redis: Redis, key: string, logger: Logger) {
    this.#redis = redis;
    this.#key = key;
    this.#logger = logger;
  }

  /**
   * Why every open step's job must be examined now, or undefined when Redis has lost nothing since the
   * last call: 'start' on the first call, 'redis_lost' when the mark is not the one read last time or keys
   * were evicted since, 'redis_unread' when Redis could not be asked (then nothing can be trusted).
   */
  async check(): Promise<FullCheckReason | undefined> {
    let mark: string | null;
    let stats: string;
    try {
      // one round trip: the mark is written only where there is none, then read back (ours or the one in force)
      const replies = await this.#redis
        .multi()
        .set(this.#key, randomUUID(), 'NX')
        .get(this.#key)
        .info('stats')
        .exec();
      const failed = replies?.find(([err]) => err);
      if (!replies || failed) throw failed?.[0] ?? new Error('the transaction was discarded');
      mark = replies[1]?.[1] as string | null;
      stats = String(replies[2]?.[1] ?? '');
    } catch (err) {
      if (!this.#unreadSaid) {
        this.#logger.warn(
          { err: (err as Error).message },
          'could not read the Redis mark or INFO stats; the sweeper examines every open step each pass',
        );
        this.#unreadSaid = true;
      }
      // the mark last read is kept: once Redis answers again, it tells whether Redis lost data meanwhile
      return 'redis_unread';
    }
    this.#unreadSaid = false;
    const evicted = /^evicted_keys:(\d+)/m.exec(stats)?.[1];
    const first = this.#mark === undefined;
    const lost = !first && (mark !== this.#mark || evicted !== this.#evicted);
    this.#mark = mark ?? undefined;
    this.#evicted = evicted;
    if (first) return 'start';
    return lost ? 'redis_lost' : undefined;
  }
}
