// The large-body budget over a real HTTP server, on real Postgres and Redis: bodies past the budget wait
// unread for room instead of all being read into memory at once, each is still accepted and stored once;
// one that waits past the ingest wait limit is answered 503 with nothing stored; small bodies never wait.
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { schema } from '@tributary/db';
import { deployFlow } from '@tributary/engine/testing';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { createApp } from '../app.js';
import { loadConfig } from '../config.js';
import { startTestApp, type TestApp } from '../test-app.js';
import { BodyBudget } from './body-budget.js';
import { postChunks } from './test-post.js';

const KB = 1024;
let api: TestApp;
let server: ReturnType<typeof serve>;
let port = 0;
const budget = new BodyBudget(2 * 1024 * KB);

beforeAll(async () => {
  const env = {
    TRIBUTARY_MAX_BODY: '1mb',
    TRIBUTARY_INGEST_BODY_BUDGET: '2mb',
    // long enough that 12 bodies going through the budget two at a time are all in before it on a loaded
    // machine (at 500 ms the last two were refused in a CI run), short enough for the tests that wait it out
    TRIBUTARY_INGEST_MAX_WAIT_MS: '3000',
  };
  api = await startTestApp(inject('templateDatabase'), env);
  const app = createApp({
    engine: api.t.engine,
    config: loadConfig({ TRIBUTARY_API_KEY: 'k'.repeat(32), ...env }),
    bodyBudget: budget,
  });
  server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' });
  await new Promise((resolve) => server.once('listening', resolve));
  port = (server.address() as AddressInfo).port;
  await deployFlow(api.t.engine, {
    name: 'Budgeted',
    slug: 'budgeted',
    nodes: [{ id: 'hook', type: 'trigger.webhook', name: 'Hook', config: { path: 'budgeted' } }],
    edges: [],
  });
});

afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
  await api?.close();
});

const json = (value: unknown) => JSON.stringify(value);
const post = (body: string) =>
  postChunks({
    port,
    path: '/hooks/budgeted',
    headers: [
      ['content-type', 'application/json'],
      ['content-length', String(Buffer.byteLength(body))],
    ],
    chunks: [body],
  });

async function storedWithTag(tag: string): Promise<number> {
  const [row] = await api.t.engine.ctx.db
    .select({ n: sql<number>`count(*)`.mapWith(Number) })
    .from(schema.events)
    .where(eq(sql`${schema.events.payload}->'body'->>'tag'`, tag));
  return row?.n ?? 0;
}

describe('the large-body budget', () => {
  test('12 webhooks of 900 KB at once against a 2 MB budget: all accepted, each stored once, at most 2 MB held', async () => {
    const filler = 'x'.repeat(900 * KB);
    budget.peakHeld = 0;
    const answers = await Promise.all(
      Array.from({ length: 12 }, (_, seq) => post(json({ tag: 'burst', seq, filler }))),
    );
    expect(answers.map((a) => a.status)).toEqual(Array.from({ length: 12 }, () => 202));
    expect(await storedWithTag('burst')).toBe(12);
    // two bodies at a time fit; the others waited for room before they were read
    expect(budget.peakHeld).toBeGreaterThan(900 * KB);
    expect(budget.peakHeld).toBeLessThanOrEqual(2 * 1024 * KB);
    expect(budget.inUse).toBe(0);
  });

  test('past the wait limit a large body is answered 503 and nothing is stored; small bodies never wait', async () => {
    // two slow clients each declare ~1,000 KB and send a little of it: together they hold the budget
    const slowA = slowPost(json({ tag: 'slow', n: 1, filler: 'z'.repeat(1000 * KB) }));
    await expect.poll(() => budget.inUse, { timeout: 5_000 }).toBe(slowA.bytes);
    const slowB = slowPost(json({ tag: 'slow', n: 2, filler: 'z'.repeat(1000 * KB) }));
    try {
      await expect.poll(() => budget.inUse, { timeout: 5_000 }).toBe(slowA.bytes + slowB.bytes);
      const refused = await post(json({ tag: 'refused', filler: 'y'.repeat(900 * KB) }));
      expect(refused.status).toBe(503);
      expect(JSON.parse(refused.body)).toMatchObject({ status: 503, code: 'unavailable' });
      expect(await storedWithTag('refused')).toBe(0);
      const small = await post(json({ tag: 'small' }));
      expect(small.status).toBe(202);
    } finally {
      slowA.finish();
      slowB.finish();
    }
    expect(await slowA.status).toBe(202);
    expect(await slowB.status).toBe(202);
    expect(await storedWithTag('slow')).toBe(2);
    expect(await storedWithTag('small')).toBe(1);
    expect((await post(json({ tag: 'after', filler: 'y'.repeat(900 * KB) }))).status).toBe(202);
    expect(budget.inUse).toBe(0);
  });
});

describe('a body of no declared length (chunked)', () => {
  const shedByBodies = async () =>
    (await api.t.engine.ctx.metrics.ingestShed.get()).values.find((v) => v.labels.reason === 'bodies')
      ?.value ?? 0;

  test("holds the route's whole limit once 64 KB of it are read, and waits unread past the budget: 503, nothing stored", async () => {
    // 100 KB of a chunked body sent: it holds the webhook limit (1 MB), not the bytes it has sent
    const chunkedA = slowPost(json({ tag: 'chunked-slow', n: 1, filler: 'c'.repeat(900 * KB) }), {
      chunked: true,
      firstBytes: 100 * KB,
    });
    await expect.poll(() => budget.inUse, { timeout: 5_000 }).toBe(1024 * KB);
    const declared = slowPost(json({ tag: 'chunked-slow', n: 2, filler: 'd'.repeat(1000 * KB) }));
    const shedBefore = await shedByBodies();
    try {
      await expect.poll(() => budget.inUse, { timeout: 5_000 }).toBe(1024 * KB + declared.bytes);
      // a third large chunked body finds no room within the wait limit (3 s)
      const refused = await postChunked(
        json({ tag: 'chunked-refused', filler: 'r'.repeat(900 * KB) }),
        64 * KB,
      );
      expect(refused.status).toBe(503);
      expect(JSON.parse(refused.body)).toMatchObject({ status: 503, code: 'unavailable' });
      expect(await storedWithTag('chunked-refused')).toBe(0);
      expect(await shedByBodies()).toBe(shedBefore + 1);
      // a small chunked body never waits
      const small = await postChunked(json({ tag: 'chunked-small', filler: 's'.repeat(20 * KB) }), 8 * KB);
      expect(small.status).toBe(202);
    } finally {
      chunkedA.finish();
      declared.finish();
    }
    expect(await chunkedA.status).toBe(202);
    expect(await declared.status).toBe(202);
    expect(await storedWithTag('chunked-slow')).toBe(2);
    expect(await storedWithTag('chunked-small')).toBe(1);
    expect(budget.inUse).toBe(0);
  });

  test('a large chunked body waits for room and is accepted once there is; one whose client leaves while it waits gives nothing back twice and keeps nothing', async () => {
    // two declared bodies of ~1,000 KB hold the budget
    const holders = [1, 2].map((n) => slowPost(json({ tag: 'holder', n, filler: 'h'.repeat(1000 * KB) })));
    const held = holders.reduce((sum, h) => sum + h.bytes, 0);
    await expect.poll(() => budget.inUse, { timeout: 5_000 }).toBe(held);
    // its first 100 KB read, this one waits for room for 1 MB
    const waiting = slowPost(json({ tag: 'chunked-waited', filler: 'w'.repeat(900 * KB) }), {
      chunked: true,
      firstBytes: 100 * KB,
    });
    const leaving = slowPost(json({ tag: 'chunked-left', filler: 'l'.repeat(900 * KB) }), {
      chunked: true,
      firstBytes: 100 * KB,
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(budget.inUse).toBe(held);
    leaving.abort();
    // all of its body sent, it is still not read (nor answered) while the budget has no room (wait limit 3 s)
    waiting.finish();
    let answered = false;
    void waiting.status.then(() => {
      answered = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(answered).toBe(false);
    for (const h of holders) h.finish();
    for (const h of holders) expect(await h.status).toBe(202);
    expect(await waiting.status).toBe(202);
    expect(await storedWithTag('chunked-waited')).toBe(1);
    await expect.poll(() => budget.inUse, { timeout: 5_000 }).toBe(0);
    expect(await storedWithTag('chunked-left')).toBe(0);
    expect(budget.peakHeld).toBeLessThanOrEqual(2 * 1024 * KB);
  });
});

/** A POST of `text` without a length (chunked), in writes of `size` characters. */
function postChunked(text: string, size: number) {
  const chunks: string[] = [];
  for (let at = 0; at < text.length; at += size) chunks.push(text.slice(at, at + size));
  return postChunks({
    port,
    path: '/hooks/budgeted',
    headers: [['content-type', 'application/json']],
    chunks,
  });
}

/**
 * A POST that sends only its first `firstBytes` (10 KB) until finish(): with its whole length declared, or
 * chunked (no length) when `chunked`; abort() leaves without the rest.
 */
function slowPost(body: string, { chunked = false, firstBytes = 10 * KB } = {}) {
  const req = httpRequest({
    host: '127.0.0.1',
    port,
    path: '/hooks/budgeted',
    method: 'POST',
    agent: false,
    headers: {
      'content-type': 'application/json',
      ...(chunked ? {} : { 'content-length': Buffer.byteLength(body) }),
    },
  });
  const status = new Promise<number>((resolve, reject) => {
    req.on('response', (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
  });
  req.write(body.slice(0, firstBytes));
  let finished = false;
  return {
    bytes: Buffer.byteLength(body),
    status,
    finish: () => {
      if (finished) return;
      finished = true;
      req.end(body.slice(firstBytes));
    },
    abort: () => {
      finished = true;
      status.catch(() => {});
      req.destroy();
    },
  };
}

describe('BodyBudget', () => {
  test('first come first served; a request larger than the budget goes alone; a wait past its limit is refused', async () => {
    const b = new BodyBudget(1000);
    const order: string[] = [];
    const first = await b.acquire(600, 1000);
    const second = b.acquire(600, 1000).then((release) => {
      order.push('second');
      return release;
    });
    // a small one behind a waiting one waits its turn, though it would fit now
    const third = b.acquire(100, 1000).then((release) => {
      order.push('third');
      return release;
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(order).toEqual([]);
    first();
    (await second)();
    (await third)();
    expect(order).toEqual(['second', 'third']);
    const huge = await b.acquire(5000, 1000);
    expect(b.inUse).toBe(5000);
    await expect(b.acquire(1, 50)).rejects.toMatchObject({ retryAfterSeconds: 1 });
    huge();
    expect(b.inUse).toBe(0);
  });
});
