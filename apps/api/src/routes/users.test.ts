// Users in-process: invitations (link and e-mail through a real SMTP server on loopback), accepting once, roles,
// disabling (sessions and keys stop), and the last owner kept.
import { schema } from '@tributary/db';
import { type SmtpPeer, startSmtpPeer } from '@tributary/nodes/testing';
import { simpleParser } from 'mailparser';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { type Page, readJson, readProblem, startTestApp, type TestApp } from '../test-app.js';
import { postPublic, sessionFrom, signIn } from '../test-session.js';
import type { AuditEntry } from './audit.js';
import type { Invitation, User } from './users.js';

let api: TestApp;
let smtp: SmtpPeer;

beforeAll(async () => {
  smtp = await startSmtpPeer();
  api = await startTestApp(inject('templateDatabase'), {
    TRIBUTARY_SMTP_URL: `smtp://${smtp.host}:${smtp.port}`,
    TRIBUTARY_SMTP_FROM: 'Tributary <noreply@tributary.test>',
    TRIBUTARY_PUBLIC_URL: 'https://tributary.example/',
  });
  const owner = await postPublic(api, '/api/v1/auth/setup', {
    email: 'owner@example.com',
    password: 'owner password 1',
  });
  expect(owner.status).toBe(201);
});

afterAll(async () => {
  await api?.close();
  await smtp?.close();
});

function tokenOf(link: string): string {
  return new URL(link).hash.replace('#token=', '');
}

async function invite(email: string, role: 'owner' | 'editor' | 'viewer') {
  const res = await api.call('POST', '/api/v1/users/invitations', { email, role });
  expect(res.status).toBe(201);
  return readJson<Invitation>(res);
}

async function join(email: string, role: 'owner' | 'editor' | 'viewer', password = 'a good password') {
  const invitation = await invite(email, role);
  const accepted = await postPublic(api, '/api/v1/auth/invitations/accept', {
    token: tokenOf(invitation.link),
    password,
  });
  return { invitation, session: await sessionFrom(api, accepted) };
}

describe('invitations', () => {
  test('answer a one-time link under TRIBUTARY_PUBLIC_URL and e-mail it through the SMTP server', async () => {
    smtp.reset();
    const invitation = await invite('Grace@Example.com', 'editor');
    expect(invitation).toMatchObject({
      user: { email: 'grace@example.com', role: 'editor', status: 'invited' },
      emailed: true,
      emailError: null,
    });
    expect(invitation.link).toMatch(/^https:\/\/tributary\.example\/invitation#token=[\w-]{40,}$/);
    expect(Date.parse(invitation.expiresAt)).toBeGreaterThan(Date.now() + 71 * 3_600_000);
    expect(smtp.messages).toHaveLength(1);
    const mail = smtp.messages[0];
    expect(mail?.to).toEqual(['grace@example.com']);
    expect(mail?.from).toBe('noreply@tributary.test');
    const parsed = await simpleParser(mail?.raw ?? '');
    expect(parsed.subject).toBe('You are invited to Tributary');
    expect(parsed.text).toContain('invited you to Tributary as an editor');
    expect(parsed.text).toContain(invitation.link);
  });

  test('accepting sets the password and signs in; the token then no longer works', async () => {
    const invitation = await invite('linus@example.com', 'viewer');
    const token = tokenOf(invitation.link);
    const accepted = await postPublic(api, '/api/v1/auth/invitations/accept', {
      token,
      password: 'linus password',
    });
    expect(accepted.status).toBe(200);
    expect(await accepted.clone().json()).toMatchObject({ name: 'linus@example.com', role: 'viewer' });
    const again = await postPublic(api, '/api/v1/auth/invitations/accept', {
      token,
      password: 'other password',
    });
    expect(again.status).toBe(404);
    expect((await signIn(api, 'linus@example.com', 'linus password')).csrfToken).toBeTruthy();
    const audit = await readJson<Page<AuditEntry>>(
      await api.call('GET', '/api/v1/audit?action=user.accept_invitation'),
    );
    expect(audit.items[0]).toMatchObject({ targetType: 'user', targetId: invitation.user.id });
  });

  test('an expired invitation cannot be accepted', async () => {
    const invitation = await invite('late@example.com', 'viewer');
    await api.t.engine.ctx.db.update(schema.invitations).set({ expiresAt: new Date(Date.now() - 1000) });
    const res = await postPublic(api, '/api/v1/auth/invitations/accept', {
      token: tokenOf(invitation.link),
      password: 'too late anyway',
    });
    expect(res.status).toBe(404);
  });

  test('an address that is already a user cannot be invited again (409); bad input is 422', async () => {
    expect(
      (await api.call('POST', '/api/v1/users/invitations', { email: 'owner@example.com', role: 'viewer' }))
        .status,
    ).toBe(409);
    expect(
      (await api.call('POST', '/api/v1/users/invitations', { email: 'not-mail', role: 'viewer' })).status,
    ).toBe(422);
    expect(
      (await api.call('POST', '/api/v1/users/invitations', { email: 'a@b.co', role: 'root' })).status,
    ).toBe(422);
  });
});

describe('roles and disabling', () => {
  test('an editor may not manage users: 403 naming the admin scope', async () => {
    const { session } = await join('editor1@example.com', 'editor');
    const res = await session.call('GET', '/api/v1/users');
    expect(res.status).toBe(403);
    expect((await readProblem(res)).detail).toContain('admin');
    expect(
      (await session.call('POST', '/api/v1/users/invitations', { email: 'x@example.com', role: 'owner' }))
        .status,
    ).toBe(403);
  });

  test('a role change takes effect on the next request', async () => {
    const { invitation, session } = await join('promoted@example.com', 'viewer');
    expect((await session.call('POST', '/api/v1/flows', {})).status).toBe(403);
    const changed = await api.call('PATCH', `/api/v1/users/${invitation.user.id}`, { role: 'editor' });
    expect(changed.status).toBe(200);
    expect((await readJson<User>(changed)).role).toBe('editor');
    // past the scope check: the empty body is now refused by validation
    expect((await session.call('POST', '/api/v1/flows', {})).status).toBe(422);
  });

  test("disabling ends the user's sessions and stops their keys; enabling lets them sign in again", async () => {
    const { invitation, session } = await join('leaver@example.com', 'editor', 'leaver password');
    const made = await session.call('POST', '/api/v1/api-keys', { name: 'ci', scopes: ['flows:read'] });
    expect(made.status).toBe(201);
    const { key } = await readJson<{ key: string }>(made);
    const byKey = { authorization: `Bearer ${key}` };
    expect((await api.app.request('/api/v1/flows', { headers: byKey })).status).toBe(200);

    const disabled = await api.call('PATCH', `/api/v1/users/${invitation.user.id}`, { disabled: true });
    expect((await readJson<User>(disabled)).status).toBe('disabled');
    expect((await session.call('GET', '/api/v1/flows')).status).toBe(401);
    expect((await api.app.request('/api/v1/flows', { headers: byKey })).status).toBe(401);
    expect(
      (
        await postPublic(api, '/api/v1/auth/login', {
          email: 'leaver@example.com',
          password: 'leaver password',
        })
      ).status,
    ).toBe(401);

    await api.call('PATCH', `/api/v1/users/${invitation.user.id}`, { disabled: false });
    expect((await api.app.request('/api/v1/flows', { headers: byKey })).status).toBe(200);
    expect((await signIn(api, 'leaver@example.com', 'leaver password')).cookie).toContain(
      'tributary_session=',
    );
    const audit = await readJson<Page<AuditEntry>>(
      await api.call('GET', '/api/v1/audit?action=user.disable'),
    );
    expect(audit.items[0]).toMatchObject({ targetId: invitation.user.id, details: { disabled: true } });
  });

  test('the last owner can be neither demoted nor disabled', async () => {
    const users = (await readJson<Page<User>>(await api.call('GET', '/api/v1/users'))).items;

    const owner = users.find((u) => u.email === 'owner@example.com');
    expect((await api.call('PATCH', `/api/v1/users/${owner?.id}`, { role: 'viewer' })).status).toBe(409);
    expect((await api.call('PATCH', `/api/v1/users/${owner?.id}`, { disabled: true })).status).toBe(409);
    expect((await api.call('PATCH', `/api/v1/users/${owner?.id}`, {})).status).toBe(422);
  });
});
