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
    TRIBUTARY_INGEST_MAX_WAIT_MS: '500',
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

/** A POST that declares its whole body but sends only its first 10 KB until finish(). */
function slowPost(body: string) {
  const req = httpRequest({
    host: '127.0.0.1',
    port,
    path: '/hooks/budgeted',
    method: 'POST',
    agent: false,
    headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
  });
  const status = new Promise<number>((resolve, reject) => {
    req.on('response', (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
  });
  req.write(body.slice(0, 10 * KB));
  let finished = false;
  return {
    bytes: Buffer.byteLength(body),
    status,
    finish: () => {
      if (finished) return;
      finished = true;
      req.end(body.slice(10 * KB));
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
