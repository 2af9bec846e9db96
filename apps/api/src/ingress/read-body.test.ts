// readBodyLimited over a real HTTP server (the IncomingMessage path) and in-process (the web Request path).
import type { AddressInfo } from 'node:net';
import { type ServerType, serve } from '@hono/node-server';
import { PayloadTooLargeError } from '@tributary/flow';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { readBodyLimited } from './read-body.js';
import { postChunks } from './test-post.js';

const LIMIT = 64;

const app = new Hono();
app.post('/echo', async (c) => {
  const bytes = await readBodyLimited(c, LIMIT);
  return c.body(Buffer.from(bytes).toString('hex'), 200);
});
app.onError((err, c) =>
  err instanceof PayloadTooLargeError ? c.text(err.message, 413) : c.text(String(err), 500),
);

let server: ServerType;
let port = 0;

beforeAll(async () => {
  server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' });
  await new Promise<void>((resolve) => server.once('listening', resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

/** POSTs `chunks` one write at a time (chunked encoding unless a length is given). */
function post(chunks: Buffer[], headers: Record<string, string> = {}) {
  return postChunks({ port, path: '/echo', headers: Object.entries(headers), chunks });
}

describe('over HTTP (read from the IncomingMessage)', () => {
  test('a body in several chunks arrives whole and in order', async () => {
    const parts = [Buffer.from('{"a":'), Buffer.from([0xe2, 0x82]), Buffer.from([0xac]), Buffer.from('1}')];
    const answer = await post(parts);
    expect(answer).toEqual({ status: 200, body: Buffer.concat(parts).toString('hex') });
  });

  test('a body of exactly the limit is read; an empty body is empty', async () => {
    const exact = Buffer.alloc(LIMIT, 0x61);
    expect(await post([exact])).toEqual({ status: 200, body: exact.toString('hex') });
    expect(await post([], { 'content-length': '0' })).toEqual({ status: 200, body: '' });
  });

  test('a streamed body past the limit is refused while reading', async () => {
    const answer = await post([Buffer.alloc(40, 0x61), Buffer.alloc(40, 0x62)]);
    expect(answer.status).toBe(413);
    expect(answer.body).toBe(`the body is larger than the limit of ${LIMIT} bytes`);
  });

  test('a declared Content-Length past the limit is refused before reading', async () => {
    const body = Buffer.alloc(LIMIT + 1, 0x61);
    const answer = await post([body], { 'content-length': String(body.length) });
    expect(answer).toEqual({ status: 413, body: `the body is ${LIMIT + 1} bytes; the limit is ${LIMIT}` });
  });

  test('the server keeps answering after refusing a body', async () => {
    await post([Buffer.alloc(200, 0x61)]);
    expect(await post([Buffer.from('ok')])).toEqual({ status: 200, body: Buffer.from('ok').toString('hex') });
  });
});

describe('in-process (read from the web Request)', () => {
  test('reads the body and refuses one past the limit', async () => {
    const ok = await app.request('/echo', { method: 'POST', body: 'hello' });
    expect(await ok.text()).toBe(Buffer.from('hello').toString('hex'));
    const big = await app.request('/echo', { method: 'POST', body: 'x'.repeat(LIMIT + 1) });
    expect(big.status).toBe(413);
  });
});
