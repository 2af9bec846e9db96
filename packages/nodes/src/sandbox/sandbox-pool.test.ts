// The sandbox pool: the outer time limit, replacing stopped threads, aborts, queueing, and a host that stays
// responsive while code spins in a thread.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { SandboxRun } from './sandbox-pool.js';
import { SandboxPool } from './sandbox-pool.js';

const pools: SandboxPool[] = [];
function pool(size: number, graceMs = 300): SandboxPool {
  const made = new SandboxPool({ size, graceMs });
  pools.push(made);
  return made;
}
afterEach(() => {
  for (const made of pools.splice(0)) made.close();
});

function job(code: string, extra: Partial<SandboxRun> = {}): SandboxRun {
  return { code, items: [{ n: 1 }], timeoutMs: 1_000, memoryMb: 16, ...extra };
}

/**
 * JSON.stringify of an object nested 25,000 deep: QuickJS's serializer checks for cycles with a linear scan
 * per level and never polls its interrupt handler, so this one native call runs for seconds past any deadline.
 */
const UNINTERRUPTIBLE =
  'let o = {};\nfor (let i = 0; i < 25000; i++) o = { o };\nreturn [JSON.stringify(o).length];';

describe('sandbox pool', () => {
  it('terminates a thread that does not answer within the time limit and grace, and runs the next job on a new one', async () => {
    const sandbox = pool(1);
    await sandbox.run(job('return [];'));
    const started = performance.now();
    const outcome = await sandbox.run(job(UNINTERRUPTIBLE, { timeoutMs: 1_000, memoryMb: 64 }));
    const tookMs = performance.now() - started;
    expect(outcome).toMatchObject({
      ok: false,
      failure: {
        kind: 'timeout',
        message: 'the code did not finish within its time limit of 1000 ms; it was stopped',
      },
    });
    // stopped at 1 s + 300 ms of grace; the serialization alone runs for several seconds
    expect(tookMs).toBeLessThan(2_500);
    expect(sandbox.threads).toBe(0);
    const next = await sandbox.run(job('return [$json.n + 1];'));
    expect(next).toEqual({ ok: true, items: [2], logs: { lines: [], dropped: 0 } });
    expect(sandbox.threads).toBe(1);
  });

  it('gives a new job on the same thread a fresh realm', async () => {
    const sandbox = pool(1);
    await sandbox.run(job('Object.prototype.extra = 1; globalThis.kept = "secret"; return [];'));
    const outcome = await sandbox.run(job('return [typeof kept, ({}).extra === undefined];'));
    expect(outcome).toMatchObject({ ok: true, items: ['undefined', true] });
    expect(sandbox.threads).toBe(1);
  });

  it('stops the thread when the signal aborts, rejecting with its reason, and stays usable', async () => {
    const sandbox = pool(1);
    await sandbox.run(job('return [];'));
    const controller = new AbortController();
    const reason = new Error('step canceled');
    setTimeout(() => controller.abort(reason), 100);
    const started = performance.now();
    await expect(sandbox.run(job('for (;;) {}', { timeoutMs: 10_000 }), controller.signal)).rejects.toBe(
      reason,
    );
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(sandbox.threads).toBe(0);
    expect(await sandbox.run(job('return ["again"];'))).toMatchObject({ ok: true, items: ['again'] });
  });

  it('rejects a job aborted while its thread starts, keeping the thread for the next job', async () => {
    const sandbox = pool(1);
    const controller = new AbortController();
    const starting = sandbox.run(job('return [1];'), controller.signal);
    controller.abort(new Error('canceled early'));
    await expect(starting).rejects.toThrow('canceled early');
    expect(await sandbox.run(job('return [2];'))).toMatchObject({ ok: true, items: [2] });
    expect(sandbox.threads).toBe(1);
  });

  it('queues jobs beyond its size and runs them all, one thread each at a time', async () => {
    const sandbox = pool(2);
    const outcomes = await Promise.all(
      Array.from({ length: 6 }, (_, i) => sandbox.run(job(`return [${i}];`, { items: [null] }))),
    );
    expect(outcomes.map((o) => (o.ok ? o.items : o.failure))).toEqual([[0], [1], [2], [3], [4], [5]]);
    expect(sandbox.threads).toBeLessThanOrEqual(2);
  });

  it('drops a queued job whose signal aborts while it waits, keeping the slot for others', async () => {
    const sandbox = pool(1);
    const busy = sandbox.run(
      job('const until = Date.now() + 300;\nwhile (Date.now() < until) {}\nreturn [1];'),
    );
    const controller = new AbortController();
    const waiting = sandbox.run(job('return [2];'), controller.signal);
    controller.abort(new Error('gone'));
    await expect(waiting).rejects.toThrow('gone');
    expect(await busy).toMatchObject({ ok: true, items: [1] });
    expect(await sandbox.run(job('return [3];'))).toMatchObject({ ok: true, items: [3] });
  });

  it('keeps the host answering health checks within 100 ms while code spins in its threads', async () => {
    const server = createServer((_, res) => res.end('ok'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      const sandbox = pool(2);
      // warm threads and HTTP client, so the measurement covers running code, not starting things
      await Promise.all([sandbox.run(job('return [];')), sandbox.run(job('return [];'))]);
      await (await fetch(`http://127.0.0.1:${port}/health`)).text();
      const spinning = Promise.all([
        sandbox.run(job('for (;;) {}', { timeoutMs: 1_500 })),
        // stopped from outside at 1 s + grace, as in the first test: left longer, the deep serialization may
        // end on QuickJS's stack limit instead, and the thread would stop spinning early
        sandbox.run(job(UNINTERRUPTIBLE, { timeoutMs: 1_000, memoryMb: 64 })),
      ]);
      const answers: number[] = [];
      for (let i = 0; i < 10; i++) {
        const started = performance.now();
        const res = await fetch(`http://127.0.0.1:${port}/health`);
        expect(await res.text()).toBe('ok');
        answers.push(performance.now() - started);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      const outcomes = await spinning;
      expect(
        outcomes.every((o) => !o.ok && o.failure.kind === 'timeout'),
        JSON.stringify(outcomes),
      ).toBe(true);
      // a busy machine may delay one answer; a blocked event loop would delay them all by the whole 1.5 s
      const slow = answers.filter((ms) => ms >= 100);
      expect(slow.length, answers.map(Math.round).join(', ')).toBeLessThanOrEqual(1);
      expect(Math.max(...answers), answers.map(Math.round).join(', ')).toBeLessThan(500);
    } finally {
      server.close();
    }
  });
});
