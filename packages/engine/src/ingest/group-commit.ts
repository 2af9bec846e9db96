// Group commit: callers that arrive while a commit is under way share the next one. With nothing in flight
// an item is written at once (no added latency when idle); under load, items gather while the previous
// commit runs, so the cost of a transaction is paid once per batch instead of once per item. Waiting items
// are refused when the line stops moving (maxWaitMs) or has held them too long (maxQueueMs).

export interface GroupCommitOptions {
  /** Most items in one commit — or, with `weight`, the most weight (one item always goes, however heavy). */
  maxBatch: number;
  /** How much of `maxBatch` an item takes (e.g. the events in a tracking batch); default 1. */
  weight?: (item: unknown) => number;
  /**
   * Most bytes in one commit, as `bytes` counts them (one item always goes, however large): a burst of large
   * payloads is written as several commits that each finish in time, not one that holds them all.
   */
  maxBytes?: number;
  /** The bytes an item writes (its payload's size); required with `maxBytes` and `maxBacklogBytes`. */
  bytes?: (item: unknown) => number;
  /**
   * Most bytes waiting for a commit, as `bytes` counts them with each item at least BACKLOG_ITEM_BYTES (its
   * bookkeeping): a submission that would go past it is refused at once with `expired('backlog')`, so a slow database
   * sheds load instead of gathering it in memory. The first waiting item always gets in, however large.
   */
  maxBacklogBytes?: number;
  /** Most commits under way at once. */
  maxInFlight: number;
  /**
   * While a commit is under way, another starts only once this much waits (no tiny batches): items, or their
   * `weight` when one is given (a tracking batch of 100 calls counts 100).
   */
  minBatchWhenBusy?: number;
  /**
   * An item that waited this long while no commit succeeded — the line did not move: a database that hangs,
   * or commits that each outlast it — is answered with `expired('waited')` instead (nothing written): when a
   * commit takes it, or by a timer when no commit does (every slot held by a commit that has not ended), so a
   * waiting caller is answered within it whatever the commits under way do. While commits succeed, an item
   * waits its turn (up to `maxQueueMs`): a burst the database is working through is accepted, not refused
   * for the length of the line.
   */
  maxWaitMs: number;
  /**
   * Most time an item waits in all, however the line moves; past it `expired('waited')`. Default: `maxWaitMs`
   * (every item refused once it waited that long, moving line or not); less than `maxWaitMs` bounds every wait
   * by it.
   */
  maxQueueMs?: number;
  /** The error for an item refused unwritten: it waited past its limit, or the backlog was full. */
  expired: (reason: 'waited' | 'backlog') => Error;
  /** Told, for each item a commit takes, how long it waited for it (ms). */
  onTaken?: (waitedMs: number) => void;
  /** Whether a failed batch should be tried again in halves down to single items (a bad item must not fail the rest). */
  retryAlone: (err: unknown) => boolean;
}

/** What a waiting item costs the backlog at least, whatever its payload: its promise, closure and entry. */
export const BACKLOG_ITEM_BYTES = 1024;

interface Waiting<T, R> {
  item: T;
  since: number;
  /** What it counts against `maxBacklogBytes`. */
  cost: number;
  /** What it counts against `maxBatch` and `minBatchWhenBusy` (1 without a `weight`). */
  weight: number;
  resolve: (result: R) => void;
  reject: (err: unknown) => void;
}

/** Batches concurrent submissions into calls of `commit`, which answers each item in order. */
export class GroupCommit<T, R> {
  private readonly commit: (items: T[]) => Promise<R[]>;
  private readonly options: GroupCommitOptions;
  private waiting: Array<Waiting<T, R>> = [];
  private inFlight = 0;
  private backlogBytes = 0;
  private waitingWeight = 0;
  /** Set while a timer will refuse the items that outwait their limit (see expireWaiting). */
  private expiryTimer: NodeJS.Timeout | undefined;
  /** When the last commit that succeeded ended (performance.now()): the line last moved then. */
  private lastMoved = Number.NEGATIVE_INFINITY;

  constructor(commit: (items: T[]) => Promise<R[]>, options: GroupCommitOptions) {
    this.commit = commit;
    this.options = options;
  }

  /** Resolves with the item's own result once the commit that carried it is done. */
  submit(item: T): Promise<R> {
    const { maxBacklogBytes, bytes, weight } = this.options;
    const cost = bytes ? Math.max(bytes(item), BACKLOG_ITEM_BYTES) : BACKLOG_ITEM_BYTES;
    if (
      maxBacklogBytes !== undefined &&
      this.waiting.length > 0 &&
      this.backlogBytes + cost > maxBacklogBytes
    ) {
      return Promise.reject(this.options.expired('backlog'));
    }
    return new Promise<R>((resolve, reject) => {
      const w = { item, since: performance.now(), cost, weight: weight ? weight(item) : 1, resolve, reject };
      this.waiting.push(w);
      this.backlogBytes += cost;
      this.waitingWeight += w.weight;
      this.pump();
    });
  }

  /** Items waiting for a commit (for tests and metrics). */
  get backlog(): number {
    return this.waiting.length;
  }

  /** What the waiting items count against `maxBacklogBytes`. */
  get backlogSize(): number {
    return this.backlogBytes;
  }

  private pump(): void {
    const busyMinimum = this.options.minBatchWhenBusy ?? 1;
    while (
      this.inFlight < this.options.maxInFlight &&
      this.waiting.length > 0 &&
      (this.inFlight === 0 || this.waitingWeight >= busyMinimum)
    ) {
      const taken = this.waiting.splice(0, this.takeCount());
      const now = performance.now();
      const batch: Array<Waiting<T, R>> = [];
      for (const w of taken) {
        this.backlogBytes -= w.cost;
        this.waitingWeight -= w.weight;
        if (now > this.deadline(w)) w.reject(this.options.expired('waited'));
        else {
          this.options.onTaken?.(now - w.since);
          batch.push(w);
        }
      }
      if (batch.length === 0) continue;
      this.inFlight++;
      void this.run(batch).finally(() => {
        this.inFlight--;
        this.pump();
      });
    }
    if (this.waiting.length > 0) this.armExpiry();
  }

  /**
   * When a waiting item is refused: maxWaitMs after it came or after the line last moved, whichever is later,
   * and maxQueueMs after it came at the latest. Later for a later item (they wait in arrival order), so the
   * items past it are always the first ones waiting.
   */
  private deadline(w: Waiting<T, R>): number {
    const { maxWaitMs, maxQueueMs = maxWaitMs } = this.options;
    return Math.min(Math.max(w.since, this.lastMoved) + maxWaitMs, w.since + maxQueueMs);
  }

  /**
   * Makes sure a timer will refuse the oldest waiting item once it is past its deadline, should no commit
   * take it before: one timer per group commit, armed for the oldest item. A commit that succeeds meanwhile
   * moves the deadline on; the timer then finds nothing to refuse and is armed again for the new one.
   */
  private armExpiry(): void {
    const oldest = this.waiting[0];
    if (this.expiryTimer !== undefined || oldest === undefined) return;
    const due = this.deadline(oldest) - performance.now();
    this.expiryTimer = setTimeout(
      () => {
        this.expiryTimer = undefined;
        this.expireWaiting();
        this.armExpiry();
      },
      Math.max(0, Math.ceil(due)) + 1,
    );
    // waiting items are not a reason to keep the process running
    this.expiryTimer.unref();
  }

  /** Refuses, unwritten, the waiting items past their deadline. */
  private expireWaiting(): void {
    const now = performance.now();
    let count = 0;
    for (const w of this.waiting) {
      if (now <= this.deadline(w)) break;
      count++;
    }
    for (const w of this.waiting.splice(0, count)) {
      this.backlogBytes -= w.cost;
      this.waitingWeight -= w.weight;
      w.reject(this.options.expired('waited'));
    }
  }

  /**
   * How many waiting items the next commit takes: up to maxBatch items (or maxBatch weight), and up to
   * maxBytes — at least one.
   */
  private takeCount(): number {
    const { weight, maxBatch, maxBytes, bytes } = this.options;
    if (!weight && (maxBytes === undefined || !bytes)) return maxBatch;
    let total = 0;
    let size = 0;
    let count = 0;
    for (const w of this.waiting) {
      total += w.weight;
      size += bytes ? bytes(w.item) : 0;
      if (count > 0 && (total > maxBatch || (maxBytes !== undefined && size > maxBytes))) break;
      count++;
    }
    return count;
  }

  private async run(batch: Array<Waiting<T, R>>): Promise<void> {
    try {
      const results = await this.commit(batch.map((w) => w.item));
      if (results.length !== batch.length) {
        throw new Error(`a commit answered ${results.length} of ${batch.length} items`);
      }
      this.lastMoved = performance.now();
      batch.forEach((w, i) => {
        w.resolve(results[i] as R);
      });
    } catch (err) {
      if (batch.length > 1 && this.options.retryAlone(err)) {
        // halves, one after the other in this same slot: a bad item is found in log2(n) more commits
        const half = Math.ceil(batch.length / 2);
        await this.run(batch.slice(0, half));
        await this.run(batch.slice(half));
        return;
      }
      for (const w of batch) w.reject(err);
    }
  }
}
