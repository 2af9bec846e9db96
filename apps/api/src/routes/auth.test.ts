// Sign-in in-process: first-start owner, the session cookie's flags and expiry, CSRF on cookie writes, throttled
// logins that never say which part was wrong, sign-out.
import { schema } from '@tributary/db';
import { MAX_LOGIN_FAILURES } from '@tributary/engine';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { createApp } from '../app.js';
import { loadConfig } from '../config.js';
import { readJson, readProblem, startTestApp, type TestApp } from '../test-app.js';
import { postPublic, sessionFrom, signIn } from '../test-session.js';
import type { Caller } from './auth.js';
import type { Invitation } from './users.js';

let api: TestApp;
const OWNER = { email: 'Ada@Example.com', password: 'correct horse battery' };
const flowBody = {
  name: 'Cookie flow',
  slug: 'cookie-flow',
  nodes: [{ id: 'm', type: 'trigger.manual', name: 'Start', config: {} }],
  edges: [],
};

beforeAll(async () => {
  api = await startTestApp(inject('templateDatabase'), { TRIBUTARY_SESSION_TTL_HOURS: '2' });
});

afterAll(async () => {
  await api?.close();
});

async function flowCount(): Promise<number> {
  return (await api.t.engine.ctx.db.select().from(schema.flows)).length;
}

describe('first start', () => {
  test('asks for the owner account until one exists, then refuses a second', async () => {
    expect(await (await api.app.request('/api/v1/auth/setup')).json()).toEqual({ needsOwner: true });
    const short = await postPublic(api, '/api/v1/auth/setup', { email: OWNER.email, password: 'short' });
    expect(short.status).toBe(422);
    expect(await (await api.app.request('/api/v1/auth/setup')).json()).toEqual({ needsOwner: true });

    const made = await postPublic(api, '/api/v1/auth/setup', OWNER);
    expect(made.status).toBe(201);
    const owner = await sessionFrom(api, made);
    const who = await readJson<Caller>(await owner.call('GET', '/api/v1/auth/session'));
    expect(who).toMatchObject({ via: 'session', name: 'ada@example.com', role: 'owner' });
    expect(who.scopes).toContain('admin');

    expect(await (await api.app.request('/api/v1/auth/setup')).json()).toEqual({ needsOwner: false });
    const again = await postPublic(api, '/api/v1/auth/setup', {
      email: 'eve@example.com',
      password: 'another long one',
    });
    expect(again.status).toBe(409);
  });
});

describe('the session cookie', () => {
  test('is httpOnly, SameSite=Lax, not Secure over plain HTTP, and ends after TRIBUTARY_SESSION_TTL_HOURS', async () => {
    const before = Date.now();
    const session = await signIn(api, OWNER.email, OWNER.password);
    const flags = session.setCookie.split(';').map((p) => p.trim().toLowerCase());
    expect(flags).toContain('httponly');
    expect(flags).toContain('samesite=lax');
    expect(flags).not.toContain('secure');
    const expires = Date.parse(flags.find((f) => f.startsWith('expires='))?.slice(8) ?? '');
    // 2 h from the test's configuration, give or take the second the cookie date is rounded to
    expect(expires).toBeGreaterThan(before + 2 * 3_600_000 - 2_000);
    expect(expires).toBeLessThan(Date.now() + 2 * 3_600_000 + 2_000);
  });

  test('is Secure over HTTPS, and behind a proxy saying https only when the proxy is trusted', async () => {
    const https = await Promise.resolve(
      api.app.request('https://tributary.example/api/v1/auth/login', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(OWNER),
      }),
    );
    expect(https.headers.get('set-cookie')?.toLowerCase()).toContain('secure');
    const forwarded = { 'x-forwarded-proto': 'https' };
    const untrusted = await postPublic(api, '/api/v1/auth/login', OWNER, forwarded);
    expect(untrusted.headers.get('set-cookie')?.toLowerCase()).not.toContain('secure');
    const behindProxy = createApp({
      engine: api.t.engine,
      config: loadConfig({ TRIBUTARY_TRUST_PROXY: 'true' }),
    });
    const trusted = await Promise.resolve(
      behindProxy.request('/api/v1/auth/login', {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...forwarded },
        body: JSON.stringify(OWNER),
      }),
    );
    expect(trusted.status).toBe(200);
    expect(trusted.headers.get('set-cookie')?.toLowerCase()).toContain('secure');
  });

  test("reads without a CSRF token; writes need the session's token and change nothing without it", async () => {
    const session = await signIn(api, OWNER.email, OWNER.password);
    expect((await session.call('GET', '/api/v1/flows')).status).toBe(200);
    const flows = await flowCount();
    const none = await session.call('POST', '/api/v1/flows', flowBody, { csrf: false });
    expect(none.status).toBe(403);
    expect((await readProblem(none)).detail).toContain('x-csrf-token');
    const other = await signIn(api, OWNER.email, OWNER.password);
    const wrong = await session.call('POST', '/api/v1/flows', flowBody, { csrf: other.csrfToken });
    expect(wrong.status).toBe(403);
    expect(await flowCount()).toBe(flows);
    const right = await session.call('POST', '/api/v1/flows', flowBody);
    expect(right.status).toBe(201);
    expect(await flowCount()).toBe(flows + 1);
  });

  test('a request with a Bearer key needs no CSRF token, even with a cookie beside it', async () => {
    const session = await signIn(api, OWNER.email, OWNER.password);
    const res = await api.call(
      'POST',
      '/api/v1/flows',
      { ...flowBody, slug: 'bearer-flow' },
      { cookie: session.cookie },
    );
    expect(res.status).toBe(201);
  });

  test('stops working when it expires: 401', async () => {
    const session = await signIn(api, OWNER.email, OWNER.password);
    expect((await session.call('GET', '/api/v1/flows')).status).toBe(200);
    await api.t.engine.ctx.db.update(schema.sessions).set({ expiresAt: new Date(Date.now() - 1000) });
    const res = await session.call('GET', '/api/v1/flows');
    expect(res.status).toBe(401);
    expect((await readProblem(res)).detail).toContain('sign in again');
  });

  test('sign-out needs the CSRF token, ends the session and clears the cookie', async () => {
    const session = await signIn(api, OWNER.email, OWNER.password);
    expect((await session.call('POST', '/api/v1/auth/logout', undefined, { csrf: false })).status).toBe(403);
    expect((await session.call('GET', '/api/v1/flows')).status).toBe(200);
    const out = await session.call('POST', '/api/v1/auth/logout');
    expect(out.status).toBe(204);
    expect(out.headers.get('set-cookie')).toMatch(/tributary_session=;/);
    expect((await session.call('GET', '/api/v1/flows')).status).toBe(401);
  });
});

describe('signing in', () => {
  test('a wrong password and an unknown address get the very same answer', async () => {
    const wrong = await postPublic(api, '/api/v1/auth/login', {
      email: OWNER.email,
      password: 'not the password',
    });
    const unknown = await postPublic(api, '/api/v1/auth/login', {
      email: 'nobody@example.com',
      password: 'x',
    });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(await wrong.json()).toEqual(await unknown.json());
    expect(wrong.headers.get('set-cookie')).toBeNull();
  });

  test(`locks an address after ${MAX_LOGIN_FAILURES} failures, known or not, with the same answer`, async () => {
    const known = 'locked@example.com';
    const invited = await api.call('POST', '/api/v1/users/invitations', { email: known, role: 'viewer' });
    const token = new URL((await readJson<Invitation>(invited)).link).hash.replace('#token=', '');

    await sessionFrom(
      api,
      await postPublic(api, '/api/v1/auth/invitations/accept', { token, password: 'the right password' }),
    );
    const answers: Response[] = [];
    for (const email of [known, 'ghost@example.com']) {
      for (let i = 0; i < MAX_LOGIN_FAILURES; i++) {
        expect((await postPublic(api, '/api/v1/auth/login', { email, password: `wrong ${i}` })).status).toBe(
          401,
        );
      }
      answers.push(await postPublic(api, '/api/v1/auth/login', { email, password: 'the right password' }));
    }
    const [knownAnswer, ghostAnswer] = answers;
    expect(knownAnswer?.status).toBe(429);
    expect(ghostAnswer?.status).toBe(429);
    expect(Number(knownAnswer?.headers.get('retry-after'))).toBeGreaterThan(60);
    expect(await knownAnswer?.json()).toEqual(await ghostAnswer?.json());
    // other addresses are not locked with it
    expect((await postPublic(api, '/api/v1/auth/login', OWNER)).status).toBe(200);
  });

  test('addresses compare without case', async () => {
    expect((await postPublic(api, '/api/v1/auth/login', { ...OWNER, email: 'ADA@example.COM' })).status).toBe(
      200,
    );
  });
});
