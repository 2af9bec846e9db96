// Group commit in isolation: batching under concurrency, answers in order, a bad item failing alone,
// the limit on commits under way and on waiting.
import { describe, expect, test } from 'vitest';
import { GroupCommit, type GroupCommitOptions } from './group-commit.js';

class Refused extends Error {}

const defaults: GroupCommitOptions = {
  maxBatch: 10,
  maxInFlight: 1,
  maxWaitMs: 10_000,
  expired: (reason) => new Error(reason === 'waited' ? 'expired' : 'backlog full'),
  retryAlone: (err) => !(err instanceof Refused),
};

/** A commit that records its batches and takes `ms` per call. */
function recorder(ms = 5, fail?: (items: number[]) => Error | undefined) {
  const batches: number[][] = [];
  let running = 0;
  let mostRunning = 0;
  const commit = async (items: number[]) => {
    batches.push(items);
    running++;
    mostRunning = Math.max(mostRunning, running);
    await new Promise((resolve) => setTimeout(resolve, ms));
    running--;
    const err = fail?.(items);
    if (err) throw err;
    return items.map((n) => n * 10);
  };
  return { commit, batches, mostRunning: () => mostRunning };
}

describe('GroupCommit', () => {
  test('an item alone is committed at once; items arriving meanwhile share the next commit', async () => {
    const r = recorder();
    const group = new GroupCommit(r.commit, defaults);
    const results = await Promise.all(Array.from({ length: 25 }, (_, i) => group.submit(i)));
    expect(results).toEqual(Array.from({ length: 25 }, (_, i) => i * 10));
    expect(r.batches[0]).toEqual([0]);
    expect(r.batches.map((b) => b.length)).toEqual([1, 10, 10, 4]);
    expect(r.mostRunning()).toBe(1);
    expect(group.backlog).toBe(0);
  });

  test('with a weight, a commit takes items up to maxBatch weight, and one heavy item always goes alone', async () => {
    const r = recorder();
    // item n weighs n: 8 alone is over the limit of 6 and still goes; 1+2+3 fill one commit
    const group = new GroupCommit(r.commit, { ...defaults, maxBatch: 6, weight: (n) => n as number });
    await Promise.all([8, 1, 2, 3, 4, 2].map((n) => group.submit(n)));
    expect(r.batches).toEqual([[8], [1, 2, 3], [4, 2]]);
  });

  test('with maxBytes, a commit takes items up to that many bytes, and one large item always goes alone', async () => {
    const r = recorder();
    // item n is n × 100 bytes: 9 alone is over the 600 and still goes; 1+2+3 fill one commit; the count
    // bound holds beside it
    const group = new GroupCommit(r.commit, {
      ...defaults,
      maxBatch: 3,
      maxBytes: 600,
      bytes: (n) => (n as number) * 100,
    });
    await Promise.all([9, 1, 2, 3, 4, 1, 1, 1, 1].map((n) => group.submit(n)));
    expect(r.batches).toEqual([[9], [1, 2, 3], [4, 1, 1], [1, 1]]);
  });

  test('commits under way never exceed maxInFlight', async () => {
    const r = recorder(10);
    const group = new GroupCommit(r.commit, { ...defaults, maxInFlight: 3, maxBatch: 2 });
    await Promise.all(Array.from({ length: 30 }, (_, i) => group.submit(i)));
    expect(r.mostRunning()).toBe(3);
    expect(r.batches.flat().sort((a, b) => a - b)).toEqual(Array.from({ length: 30 }, (_, i) => i));
  });

  test('with minBatchWhenBusy, a second commit starts beside a running one only for a big enough batch', async () => {
    const r = recorder(20);
    const group = new GroupCommit(r.commit, {
      ...defaults,
      maxBatch: 100,
      maxInFlight: 2,
      minBatchWhenBusy: 5,
    });
    const first = group.submit(0);
    // three wait while the first commits: too few for the second slot
    const small = [1, 2, 3].map((n) => group.submit(n));
    expect(r.batches).toEqual([[0]]);
    // two more make five: the second slot takes them at once
    const more = [4, 5].map((n) => group.submit(n));
    expect(r.batches).toEqual([[0], [1, 2, 3, 4, 5]]);
    expect(await Promise.all([first, ...small, ...more])).toEqual([0, 10, 20, 30, 40, 50]);
    expect(r.mostRunning()).toBe(2);
  });

  test('with a weight, minBatchWhenBusy counts weight: one heavy item starts the second commit, light ones gather', async () => {
    const r = recorder(20);
    const group = new GroupCommit(r.commit, {
      ...defaults,
      maxBatch: 100,
      maxInFlight: 2,
      minBatchWhenBusy: 5,
      weight: (n) => n as number,
    });
    const first = group.submit(1);
    // weights 1 + 2 wait: 3 is too little for the second slot
    const light = [1, 2].map((n) => group.submit(n));
    expect(r.batches).toEqual([[1]]);
    // a batch of weight 6 alone is enough: the second slot takes all three
    const heavy = group.submit(6);
    expect(r.batches).toEqual([[1], [1, 2, 6]]);
    expect(await Promise.all([first, ...light, heavy])).toEqual([10, 10, 20, 60]);
  });

  test('a batch that fails for one item is tried again in halves: only that item gets the error', async () => {
    const r = recorder(1, (items) => (items.includes(7) ? new Error('item 7 is bad') : undefined));
    const group = new GroupCommit(r.commit, defaults);
    const outcomes = await Promise.allSettled(Array.from({ length: 12 }, (_, i) => group.submit(i)));
    const rejected = outcomes.flatMap((o, i) => (o.status === 'rejected' ? [i] : []));
    expect(rejected).toEqual([7]);
    expect(outcomes[3]).toEqual({ status: 'fulfilled', value: 30 });
  });

  test('an error that is not about an item fails the whole batch at once', async () => {
    const r = recorder(1, () => new Refused('database down'));
    const group = new GroupCommit(r.commit, defaults);
    const outcomes = await Promise.allSettled(Array.from({ length: 6 }, (_, i) => group.submit(i)));
    expect(outcomes.every((o) => o.status === 'rejected' && o.reason instanceof Refused)).toBe(true);
    // the first item alone, then the other five together: no item-by-item retries
    expect(r.batches.map((b) => b.length)).toEqual([1, 5]);
  });

  test('an item that waited longer than maxWaitMs while no commit succeeded is answered expired and never committed', async () => {
    const r = recorder(60);
    // the line does not move for 60 ms: refused at maxWaitMs, however long maxQueueMs would let it wait
    const group = new GroupCommit(r.commit, { ...defaults, maxWaitMs: 20, maxQueueMs: 10_000 });
    const outcomes = await Promise.allSettled([0, 1, 2].map((n) => group.submit(n)));
    expect(outcomes[0]).toEqual({ status: 'fulfilled', value: 0 });
    expect(outcomes.slice(1).map((o) => o.status === 'rejected' && (o.reason as Error).message)).toEqual([
      'expired',
      'expired',
    ]);
    expect(r.batches).toEqual([[0]]);
  });

  test('items waiting behind commits that never end are still answered expired, each once it has waited maxWaitMs', async () => {
    // every slot is held by a commit that never returns (a statement whose answer never comes)
    const batches: number[][] = [];
    const group = new GroupCommit<number, number>(
      (items) => {
        batches.push(items);
        return new Promise<number[]>(() => {});
      },
      { ...defaults, maxWaitMs: 30, maxQueueMs: 10_000 },
    );
    void group.submit(0);
    const early = [1, 2].map((n) => group.submit(n));
    await new Promise((resolve) => setTimeout(resolve, 10));
    // one that arrives later waits its own time: the timer is set again for it
    const late = group.submit(3);
    const outcomes = await Promise.allSettled([...early, late]);
    expect(outcomes.map((o) => o.status === 'rejected' && (o.reason as Error).message)).toEqual([
      'expired',
      'expired',
      'expired',
    ]);
    expect(batches).toEqual([[0]]);
    expect(group.backlog).toBe(0);
    expect(group.backlogSize).toBe(0);
  });

  test('while commits succeed, items wait their turn past maxWaitMs: a long line that moves is not refused', async () => {
    // one item per 10 ms commit: the last of 30 waits ~300 ms, three times maxWaitMs
    const moving = { ...defaults, maxBatch: 1, maxWaitMs: 100 };
    const r = recorder(10);
    const group = new GroupCommit(r.commit, { ...moving, maxQueueMs: 10_000 });
    const results = await Promise.all(Array.from({ length: 30 }, (_, i) => group.submit(i)));
    expect(results).toEqual(Array.from({ length: 30 }, (_, i) => i * 10));
    expect(r.batches).toHaveLength(30);
    // without maxQueueMs every item is refused once it waited maxWaitMs, moving line or not
    const strict = new GroupCommit(recorder(10).commit, moving);
    const outcomes = await Promise.allSettled(Array.from({ length: 30 }, (_, i) => strict.submit(i)));
    expect(outcomes.at(-1)).toMatchObject({ status: 'rejected', reason: { message: 'expired' } });
  });

  test('maxQueueMs bounds the wait however the line moves: the items it would reach later are refused unwritten', async () => {
    const r = recorder(10);
    const group = new GroupCommit(r.commit, { ...defaults, maxBatch: 1, maxWaitMs: 100, maxQueueMs: 150 });
    const outcomes = await Promise.allSettled(Array.from({ length: 40 }, (_, i) => group.submit(i)));
    const taken = outcomes.filter((o) => o.status === 'fulfilled').length;
    // the first items are taken in time; item k is taken ≥ 10·k ms after it came, so from 16 on it is too late
    expect(taken).toBeGreaterThanOrEqual(2);
    expect(taken).toBeLessThanOrEqual(16);
    expect(outcomes.slice(0, taken).every((o) => o.status === 'fulfilled')).toBe(true);
    expect(
      outcomes
        .slice(taken)
        .every((o) => o.status === 'rejected' && (o.reason as Error).message === 'expired'),
    ).toBe(true);
    expect(r.batches.flat()).toEqual(Array.from({ length: taken }, (_, i) => i));
    expect(group.backlog).toBe(0);
  });

  test('with maxBacklogBytes, a submission that would overfill the waiting bytes is refused at once and never committed', async () => {
    const r = recorder(30);
    // item n is n × 1 KiB waiting (at least 1 KiB each); 3 KiB may wait while a commit runs
    const group = new GroupCommit(r.commit, {
      ...defaults,
      maxBacklogBytes: 3 * 1024,
      bytes: (n) => (n as number) * 1024,
    });
    const first = group.submit(5); // taken at once: nothing waits, so it is not counted against the backlog
    const waiting = [group.submit(1), group.submit(2)]; // 3 KiB wait while 5 commits
    expect(group.backlogSize).toBe(3 * 1024);
    const refused = await Promise.allSettled([group.submit(1), group.submit(0)]);
    expect(refused.map((o) => o.status === 'rejected' && (o.reason as Error).message)).toEqual([
      'backlog full',
      'backlog full',
    ]);
    expect(await Promise.all([first, ...waiting])).toEqual([50, 10, 20]);
    expect(r.batches).toEqual([[5], [1, 2]]);
    expect(group.backlogSize).toBe(0);
    // once the backlog drained, submissions are taken again
    expect(await group.submit(3)).toBe(30);
  });

  test('the first waiting item gets in whatever its size: one large payload is never refused for the backlog', async () => {
    const r = recorder(20);
    const group = new GroupCommit(r.commit, {
      ...defaults,
      maxBacklogBytes: 2 * 1024,
      bytes: (n) => (n as number) * 1024,
    });
    const results = await Promise.all([group.submit(1), group.submit(9)]);
    expect(results).toEqual([10, 90]);
  });
});
