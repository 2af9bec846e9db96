// Sign-in throttling per client over real HTTP (the client's address is the connection's peer, or behind a
// trusted proxy the last X-Forwarded-For entry): one client spraying many e-mail addresses is locked, other
// clients are not, X-Forwarded-For dodges nothing unless the proxy is trusted, and no answer says which part
// was wrong, whether the address exists, or which lock refused.
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { MAX_CLIENT_LOGIN_FAILURES } from '@tributary/engine';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { createApp } from './app.js';
import { loadConfig } from './config.js';
import type { Invitation } from './routes/users.js';
import { readJson, scrapeMetrics, startTestApp, type TestApp } from './test-app.js';
import { postPublic } from './test-session.js';

const OWNER = { email: 'owner@example.com', password: 'owner password 1' };
const DISABLED = { email: 'gone@example.com', password: 'gone password 1' };
/** The limit of the server behind the trusted proxy (the other keeps the default). */
const PROXIED_LIMIT = 4;

let api: TestApp;
const servers: Array<ReturnType<typeof serve>> = [];
/** Trust proxy off, default limit. */
let direct = '';
/** Trust proxy on, TRIBUTARY_LOGIN_FAILURES_PER_IP=4. */
let proxied = '';

async function listen(app: ReturnType<typeof createApp>): Promise<string> {
  const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' });
  servers.push(server);
  await new Promise((resolve) => server.once('listening', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function signIn(
  base: string,
  body: { email: string; password: string },
  headers: Record<string, string> = {},
) {
  return fetch(`${base}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
}

/** A documentation address (RFC 5737) picked by number. */
const testNet = (n: number) => `198.51.100.${n}`;

beforeAll(async () => {
  api = await startTestApp(inject('templateDatabase'));
  expect((await postPublic(api, '/api/v1/auth/setup', OWNER)).status).toBe(201);
  const invited = await api.call('POST', '/api/v1/users/invitations', {
    email: DISABLED.email,
    role: 'viewer',
  });
  const { link, user } = await readJson<Invitation>(invited);

  const token = new URL(link).hash.replace('#token=', '');
  const accepted = await postPublic(api, '/api/v1/auth/invitations/accept', {
    token,
    password: DISABLED.password,
  });
  expect(accepted.status).toBe(200);
  expect((await api.call('PATCH', `/api/v1/users/${user.id}`, { disabled: true })).status).toBe(200);

  direct = await listen(api.app);
  proxied = await listen(
    createApp({
      engine: api.t.engine,
      config: loadConfig({
        TRIBUTARY_TRUST_PROXY: 'true',
        TRIBUTARY_LOGIN_FAILURES_PER_IP: String(PROXIED_LIMIT),
      }),
    }),
  );
});

afterAll(async () => {
  for (const server of servers) await new Promise((resolve) => server.close(resolve));
  await api?.close();
});

/** The 429 of a client lock, kept to compare with the 429 of an e-mail lock. */
let clientLocked: { body: unknown; retryAfter: string | null } | undefined;

describe('behind a trusted proxy', () => {
  test('an unknown address, a wrong password and a disabled user get the very same answer', async () => {
    const answers = await Promise.all([
      signIn(
        proxied,
        { email: 'nobody@example.com', password: OWNER.password },
        { 'x-forwarded-for': testNet(1) },
      ),
      signIn(
        proxied,
        { email: OWNER.email, password: 'not the password' },
        { 'x-forwarded-for': testNet(2) },
      ),
      signIn(proxied, DISABLED, { 'x-forwarded-for': testNet(3) }),
    ]);
    expect(answers.map((a) => a.status)).toEqual([401, 401, 401]);
    const [first, ...rest] = await Promise.all(answers.map((a) => a.json()));
    expect(first).toMatchObject({ code: 'invalid_login' });
    for (const body of rest) expect(body).toEqual(first);
    for (const a of answers) expect(a.headers.get('set-cookie')).toBeNull();
  });

  test(`one client spraying addresses is locked after ${PROXIED_LIMIT} failures; another client still signs in`, async () => {
    const attacker = testNet(10);
    for (let i = 0; i < PROXIED_LIMIT; i++) {
      // what the client put before the proxy's own entry changes every time: it must not matter
      const spoofed = `10.0.0.${i}, ${attacker}`;
      const res = await signIn(
        proxied,
        { email: `victim${i}@example.com`, password: 'Winter2024!' },
        { 'x-forwarded-for': spoofed },
      );
      expect(res.status).toBe(401);
    }
    // locked: even the right password is not checked from there
    const locked = await signIn(proxied, OWNER, { 'x-forwarded-for': `10.9.9.9, ${attacker}` });
    expect(locked.status).toBe(429);
    const retryAfter = Number(locked.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(14 * 60);
    expect(retryAfter).toBeLessThanOrEqual(15 * 60);
    clientLocked = { body: await locked.json(), retryAfter: locked.headers.get('retry-after') };
    expect(clientLocked.body).toMatchObject({ status: 429, code: 'too_many_attempts' });
    expect(locked.headers.get('set-cookie')).toBeNull();

    const other = await signIn(proxied, OWNER, { 'x-forwarded-for': testNet(11) });
    expect(other.status).toBe(200);
    expect(other.headers.get('set-cookie')).toContain('tributary_session=');
    // the e-mail addresses it tried are not locked by it: one failure each is far from their own limit
    expect(
      (
        await signIn(
          proxied,
          { email: 'victim0@example.com', password: 'x' },
          { 'x-forwarded-for': testNet(12) },
        )
      ).status,
    ).toBe(401);
  });

  test('a lock on an e-mail address answers exactly as a lock on a client', async () => {
    const target = { email: 'target@example.com', password: 'guess' };
    // five clients, one failure each: the address's own rule locks it
    for (let i = 0; i < 5; i++) {
      expect((await signIn(proxied, target, { 'x-forwarded-for': testNet(20 + i) })).status).toBe(401);
    }
    const locked = await signIn(proxied, target, { 'x-forwarded-for': testNet(30) });
    expect(locked.status).toBe(429);
    expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(14 * 60);
    expect(await locked.json()).toEqual(clientLocked?.body);
    // the client it came from was not locked with it
    expect((await signIn(proxied, OWNER, { 'x-forwarded-for': testNet(30) })).status).toBe(200);
  });

  test('a good sign-in does not wipe the failures a client made before it', async () => {
    const client = { 'x-forwarded-for': testNet(40) };
    for (let i = 0; i < PROXIED_LIMIT - 1; i++) {
      expect((await signIn(proxied, { email: `other${i}@example.com`, password: 'x' }, client)).status).toBe(
        401,
      );
    }
    expect((await signIn(proxied, OWNER, client)).status).toBe(200);
    expect((await signIn(proxied, { email: 'other9@example.com', password: 'x' }, client)).status).toBe(401);
    expect((await signIn(proxied, OWNER, client)).status).toBe(429);
  });
});

describe('without a trusted proxy', () => {
  test(`X-Forwarded-For is ignored: the connection's address is locked after ${MAX_CLIENT_LOGIN_FAILURES} failures`, async () => {
    for (let i = 0; i < MAX_CLIENT_LOGIN_FAILURES; i++) {
      const res = await signIn(
        direct,
        { email: `spray${i}@example.com`, password: 'Summer2024!' },
        { 'x-forwarded-for': testNet(100 + i) },
      );
      expect(res.status).toBe(401);
    }
    const locked = await signIn(direct, OWNER, { 'x-forwarded-for': testNet(200) });
    expect(locked.status).toBe(429);
    expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(14 * 60);
    expect(await locked.json()).toEqual(clientLocked?.body);
    // the addresses it named were never counted: behind the trusted proxy they sign in
    expect((await signIn(proxied, OWNER, { 'x-forwarded-for': testNet(100) })).status).toBe(200);
  });

  test('the refusals are counted by reason in /metrics, which names no address', async () => {
    const metrics = await scrapeMetrics(api.app);
    const count = (reason: string) => metrics.value('tributary_login_failures_total', { reason });
    expect(count('invalid')).toBeGreaterThanOrEqual(3 + PROXIED_LIMIT + MAX_CLIENT_LOGIN_FAILURES);
    expect(count('ip_locked')).toBeGreaterThanOrEqual(3);
    expect(count('email_locked')).toBeGreaterThanOrEqual(1);
    expect(metrics.text).not.toContain('example.com');
  });
});
