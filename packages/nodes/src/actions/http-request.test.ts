import { FatalError, RetryableError } from '@tributary/flow';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { actionHarness, answer, errorOf, lastRequest, storedCredential } from '../../test/action-harness.js';
import { type HttpPeer, startHttpPeer } from '../../test/peers/http-peer.js';
import type { NodeOutput, SentRequest } from '../define-node.js';
import { onlyObject } from '../logic/test-context.js';
import { httpRequest } from './http-request.js';

// The node runs against a real peer on 127.0.0.1, through the real guarded client with 127.0.0.1 allowed.
const harness = actionHarness();
let peer: HttpPeer;

beforeAll(async () => {
  peer = await startHttpPeer();
});
afterAll(() => peer.close());
afterEach(() => peer.reset());

function run(config: Record<string, unknown>): Promise<NodeOutput> {
  // the tests build configs the schema parses: runNode checks them
  return harness.run(httpRequest, config as z.input<typeof httpRequest.config>, {
    idempotencyKey: 'step-1:idem',
  });
}

const fails = (config: Record<string, unknown>) => errorOf(run(config));

describe('action.http', () => {
  it('sends a JSON body and parses a JSON answer', async () => {
    peer.handle((req, res) => {
      res.setHeader('Content-Type', 'application/json');
      res.setHeader('X-Request-Id', 'r-1');
      res.statusCode = 201;
      res.end(JSON.stringify({ received: JSON.parse(req.body.toString()) }));
    });
    const item = onlyObject(
      await run({ method: 'POST', url: `${peer.url}/orders`, body: { id: 7, tags: ['a'] } }),
    );
    expect(item).toEqual({
      status: 201,
      headers: expect.objectContaining({ 'content-type': 'application/json', 'x-request-id': 'r-1' }),
      body: { received: { id: 7, tags: ['a'] } },
    });
    expect(lastRequest(peer)).toMatchObject({ method: 'POST', url: '/orders' });
    expect(lastRequest(peer).headers['content-type']).toBe('application/json');
  });

  it('keeps a Content-Type header the flow sets, and sends strings as text', async () => {
    peer.handle((_req, res) => res.end());
    await run({
      method: 'PUT',
      url: peer.url,
      headers: { 'Content-Type': 'application/vnd.api+json' },
      body: { a: 1 },
    });
    expect(lastRequest(peer).headers['content-type']).toBe('application/vnd.api+json');
    await run({ method: 'POST', url: peer.url, body: 'plain words' });
    expect(lastRequest(peer).headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(lastRequest(peer).body.toString()).toBe('plain words');
  });

  it('appends query parameters to those already in the URL', async () => {
    peer.handle((_req, res) => res.end());
    await run({ url: `${peer.url}/search?q=shoes`, query: { page: 2, inStock: true, sort: 'price asc' } });
    expect(lastRequest(peer)).toMatchObject({
      method: 'GET',
      url: '/search?q=shoes&page=2&inStock=true&sort=price+asc',
    });
  });

  it('emits text for a text answer and base64 for a binary one', async () => {
    peer.handle((req, res) => {
      if (req.url === '/text') {
        res.setHeader('Content-Type', 'text/plain; charset=utf-8');
        res.end('hello');
      } else {
        res.setHeader('Content-Type', 'application/octet-stream');
        res.end(Buffer.from([0, 1, 2, 255]));
      }
    });
    expect(onlyObject(await run({ url: `${peer.url}/text` })).body).toBe('hello');
    expect(onlyObject(await run({ url: `${peer.url}/bin` }))).toMatchObject({
      body: 'AAEC/w==',
      bodyEncoding: 'base64',
    });
  });

  it('fails a 503 as retryable', async () => {
    peer.handle((_req, res) => {
      res.statusCode = 503;
      res.end('down for maintenance');
    });
    const err = await fails({ url: peer.url });
    expect(err).toBeInstanceOf(RetryableError);
    expect(err).toMatchObject({ code: 'http_5xx' });
    expect(err.message).toContain('503');
  });

  it('fails a 429 as retryable after the peer’s Retry-After', async () => {
    peer.handle((_req, res) => {
      res.writeHead(429, { 'Retry-After': '2' });
      res.end();
    });
    const err = await fails({ url: peer.url });
    expect(err).toBeInstanceOf(RetryableError);
    expect(err).toMatchObject({ code: 'http_429', retryAfterMs: 2000 });
  });

  it('fails a 408 as retryable', async () => {
    peer.handle((_req, res) => {
      res.statusCode = 408;
      res.end();
    });
    await expect(run({ url: peer.url })).rejects.toMatchObject({ name: 'RetryableError', code: 'http_408' });
  });

  it('fails a 404 as fatal, with the status and the start of the body', async () => {
    peer.handle((_req, res) => {
      res.statusCode = 404;
      res.end(`{"error":"no such order"}${' '.repeat(10)}${'x'.repeat(2000)}`);
    });
    const err = await fails({ url: `${peer.url}/orders/9?token=s3cret` });
    expect(err).toBeInstanceOf(FatalError);
    expect(err).toMatchObject({ code: 'http_4xx' });
    expect(err.message).toContain('404');
    expect(err.message).toContain('no such order');
    expect(err.message).not.toContain('s3cret');
    expect(err.message.length).toBeLessThan(600);
  });

  it('sends the step’s idempotency key when asked, and only then', async () => {
    peer.handle((_req, res) => res.end());
    await run({ method: 'POST', url: peer.url, body: {}, sendIdempotencyKey: true });
    expect(lastRequest(peer).headers['idempotency-key']).toBe('step-1:idem');
    await run({ method: 'POST', url: peer.url, body: {} });
    expect(lastRequest(peer).headers['idempotency-key']).toBeUndefined();
  });

  it('returns a redirect as the result when not following redirects', async () => {
    peer.handle((req, res) => {
      if (req.url === '/old') {
        res.writeHead(308, { location: '/new' });
        res.end();
      } else res.end('new place');
    });
    expect(onlyObject(await run({ url: `${peer.url}/old`, followRedirects: false }))).toMatchObject({
      status: 308,
    });
    expect(onlyObject(await run({ url: `${peer.url}/old` }))).toMatchObject({
      status: 200,
      body: 'new place',
    });
  });

  it('refuses private addresses through ctx.http', async () => {
    const err = await fails({ url: 'http://[::1]:9/' });
    expect(err).toMatchObject({ code: 'ssrf_blocked' });
  });

  it('validates its config', () => {
    const parse = (c: unknown) => httpRequest.config.safeParse(c).success;
    expect(parse({ url: 'https://api.example.com/x' })).toBe(true);
    expect(parse({ url: 'ftp://files.example.com/x' })).toBe(false);
    expect(parse({ url: 'not a url' })).toBe(false);
    expect(parse({ url: 'https://a.example', method: 'TRACE' })).toBe(false);
    expect(parse({ url: 'https://a.example', timeoutMs: 300_001 })).toBe(false);
    expect(parse({ url: 'https://a.example', headers: { 'x-a': 'one\r\nx-b: two' } })).toBe(false);
    expect(parse({ url: 'https://a.example', headers: { 'bad name': 'v' } })).toBe(false);
    expect(parse({ url: 'https://a.example', extra: true })).toBe(false);
    expect(httpRequest.config.parse({ url: 'https://a.example' })).toEqual({
      method: 'GET',
      url: 'https://a.example',
      headers: {},
      query: {},
      timeoutMs: 30_000,
      followRedirects: true,
      sendIdempotencyKey: false,
    });
  });

  it('is an action with I/O, retried three times with backoff', () => {
    expect(httpRequest).toMatchObject({
      type: 'action.http',
      category: 'action',
      traits: { pure: false },
      canFail: true,
    });
    expect(httpRequest.retry).toEqual({
      attempts: 3,
      backoff: 'exponential',
      delayMs: 1000,
      maxDelayMs: 60_000,
      jitter: true,
    });
    expect(httpRequest.secretFields).toContain('headers.authorization');
  });

  it('keeps its JSON Schema for the editor', () => {
    expect(z.toJSONSchema(httpRequest.config, { io: 'input' })).toMatchSnapshot();
  });
});

describe('action.http with a credential', () => {
  const credentialId = '01937a4e-6f1a-7c3b-9a2e-1b2c3d4e5f60';
  const withCredential = (type: string, data: Record<string, unknown>, allowedHosts?: string[]) =>
    harness.run(
      httpRequest,
      { url: `${peer.url}/me`, credential: credentialId, headers: { authorization: 'Bearer from-config' } },
      {
        credential: storedCredential({
          id: credentialId,
          name: 'api',
          type,
          data,
          ...(allowedHosts ? { allowedHosts } : {}),
        }),
      },
    );

  it('Basic: sends the user name and password, replacing an Authorization header the config sets', async () => {
    peer.handle(answer(200, { ok: true }));
    await withCredential('http.basic', { username: 'ada', password: 'p:ss word' });
    expect(lastRequest(peer).headers.authorization).toBe(
      `Basic ${Buffer.from('ada:p:ss word').toString('base64')}`,
    );
  });

  it('Header: sends its header with its value', async () => {
    peer.handle(answer(200, { ok: true }));
    await withCredential('http.header', { name: 'X-Api-Key', value: 'k-123456' });
    expect(lastRequest(peer).headers['x-api-key']).toBe('k-123456');
    // the config's own Authorization header is left as it is: the credential names another header
    expect(lastRequest(peer).headers.authorization).toBe('Bearer from-config');
  });

  it('allowedHosts: another host fails before connecting', async () => {
    const before = peer.connections;
    const err = await errorOf(withCredential('http.bearer', { token: 'tok-abcdef' }, ['api.example.com']));
    expect(err).toMatchObject({ code: 'host_not_allowed' });
    expect(peer.connections).toBe(before);
  });

  it('the request it sent is kept for run history, secrets masked and the credential named, even when it fails', async () => {
    peer.handle(answer(500, { oops: true }));
    const sent: SentRequest[] = [];
    const err = await errorOf(
      harness.run(
        httpRequest,
        {
          method: 'POST',
          url: `${peer.url}/contacts?list=7`,
          credential: credentialId,
          headers: { 'X-Trace': 't-1', Cookie: 'session=abc', 'X-Auth-Token': 'tok-9' },
          body: { email: 'ada@example.com', note: 'x'.repeat(9000) },
        },
        {
          credential: storedCredential({
            id: credentialId,
            name: 'crm',
            type: 'http.bearer',
            data: { token: 'tok-abcdef' },
          }),
          attachRequest: (request) => sent.push(request),
        },
      ),
    );
    expect(err).toBeInstanceOf(RetryableError);
    expect(sent).toHaveLength(1);
    const [request] = sent;
    expect(request).toMatchObject({
      method: 'POST',
      url: `${peer.url}/contacts?list=7`,
      headers: {
        'X-Trace': 't-1',
        Cookie: '********',
        'X-Auth-Token': '********',
        'content-type': 'application/json',
        authorization: '******** (credential “crm”)',
      },
      truncated: true,
    });
    expect(request?.body).toHaveLength(8 * 1024);
    expect(request?.bodyBytes).toBe(Buffer.byteLength(lastRequest(peer).body));
    expect(JSON.stringify(request)).not.toContain('tok-abcdef');
    expect(JSON.stringify(request)).not.toContain('tok-9');
  });

  it('a credential of a type that cannot authorize HTTP is refused', async () => {
    const err = await errorOf(withCredential('slack', { token: 'xoxb-1' }));
    expect(err).toBeInstanceOf(FatalError);
    expect(err).toMatchObject({ code: 'wrong_credential_type' });
  });
});
