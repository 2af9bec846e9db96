import { afterEach, describe, expect, it, vi } from 'vitest';
import { ConnectionPool, type PooledConnection, type PoolKey } from './connection-pool.js';

// Connections here are plain objects that record being closed: the pool's bookkeeping is what is under test.
class Connection implements PooledConnection {
  open = true;
  closed = false;
  async close(): Promise<void> {
    this.open = false;
    this.closed = true;
  }
}

const key = (overrides: Partial<PoolKey> = {}): PoolKey => ({
  kind: 'amqp',
  credentialId: 'c1',
  version: 'v1',
  address: '127.0.0.1:5672',
  ...overrides,
});

afterEach(() => {
  vi.useRealTimers();
});

describe('ConnectionPool', () => {
  it('opens one connection for concurrent users of a key and keeps it for the next', async () => {
    const pool = new ConnectionPool({ idleMs: 60_000, maxConnections: 10 });
    let opened = 0;
    const open = async () => {
      opened += 1;
      await new Promise((resolve) => setTimeout(resolve, 10));
      return new Connection();
    };
    const seen = await Promise.all([1, 2, 3].map(() => pool.with(key(), open, async (c) => c)));
    expect(opened).toBe(1);
    expect(new Set(seen).size).toBe(1);
    await pool.with(key(), open, async () => undefined);
    expect(opened).toBe(1);
    await pool.closeAll();
    expect(seen[0]?.closed).toBe(true);
  });

  it('does not keep an opening that failed, and opens anew when a connection was closed under it', async () => {
    const pool = new ConnectionPool({ idleMs: 60_000, maxConnections: 10 });
    await expect(
      pool.with(
        key(),
        () => Promise.reject(new Error('refused')),
        async () => undefined,
      ),
    ).rejects.toThrow('refused');
    expect(pool.size).toBe(0);
    const first = await pool.with(
      key(),
      async () => new Connection(),
      async (c) => c,
    );
    first.open = false;
    const second = await pool.with(
      key(),
      async () => new Connection(),
      async (c) => c,
    );
    expect(second).not.toBe(first);
    expect(pool.size).toBe(1);
    await pool.closeAll();
  });

  it('closes the connection of an older credential version when a newer one is opened', async () => {
    const pool = new ConnectionPool({ idleMs: 60_000, maxConnections: 10 });
    const old = await pool.with(
      key(),
      async () => new Connection(),
      async (c) => c,
    );
    const other = await pool.with(
      key({ credentialId: 'c2' }),
      async () => new Connection(),
      async (c) => c,
    );
    await pool.with(
      key({ version: 'v2' }),
      async () => new Connection(),
      async () => undefined,
    );
    expect(old.closed).toBe(true);
    expect(other.closed).toBe(false);
    expect(pool.size).toBe(2);
    await pool.closeAll();
  });

  it('closes connections left unused for idleMs, never one in use, and the one unused longest past the limit', async () => {
    vi.useFakeTimers();
    const pool = new ConnectionPool({ idleMs: 10_000, maxConnections: 2 });
    const a = await pool.with(
      key({ address: 'a' }),
      async () => new Connection(),
      async (c) => c,
    );
    vi.advanceTimersByTime(1000);
    const b = await pool.with(
      key({ address: 'b' }),
      async () => new Connection(),
      async (c) => c,
    );
    vi.advanceTimersByTime(1000);
    await pool.with(
      key({ address: 'c' }),
      async () => new Connection(),
      async () => undefined,
    );
    expect(a.closed).toBe(true);
    expect(b.closed).toBe(false);
    let release: () => void = () => undefined;
    const busy = pool.with(
      key({ address: 'b' }),
      async () => new Connection(),
      (c) => {
        return new Promise<Connection>((resolve) => {
          release = () => resolve(c);
        });
      },
    );
    await vi.advanceTimersByTimeAsync(30_000);
    expect(b.closed).toBe(false);
    expect(pool.size).toBe(1);
    release();
    await busy;
    await vi.advanceTimersByTimeAsync(30_000);
    expect(b.closed).toBe(true);
    expect(pool.size).toBe(0);
  });
});
