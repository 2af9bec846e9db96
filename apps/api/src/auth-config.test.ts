// The sign-in settings: documented defaults, the owner's e-mail and password only together, SMTP as a URL.
import { expect, test } from 'vitest';
import { ConfigError, loadConfig } from './config.js';

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}

test('defaults: 12 h sessions, 72 h invitations, no proxy trusted, 20 failed sign-ins per IP, no SMTP', () => {
  const config = loadConfig({});
  expect(config.TRIBUTARY_LOGIN_FAILURES_PER_IP).toBe(20);
  expect(config.TRIBUTARY_SESSION_TTL_HOURS).toBe(12);
  expect(config.TRIBUTARY_INVITATION_TTL_HOURS).toBe(72);
  expect(config.TRIBUTARY_TRUST_PROXY).toBe(false);
  expect(config.TRIBUTARY_SMTP_URL).toBeUndefined();
  expect(config.TRIBUTARY_OWNER_EMAIL).toBeUndefined();
});

test('the owner e-mail without its password (or the other way) stops the start', () => {
  expect(problemsOf({ TRIBUTARY_OWNER_EMAIL: 'ada@example.com' })).toEqual([
    'TRIBUTARY_OWNER_PASSWORD: not set, but TRIBUTARY_OWNER_EMAIL is: set both or neither',
  ]);
  expect(problemsOf({ TRIBUTARY_OWNER_PASSWORD: 'long enough pw' })).toEqual([
    'TRIBUTARY_OWNER_EMAIL: not set, but TRIBUTARY_OWNER_PASSWORD is: set both or neither',
  ]);
  expect(
    problemsOf({ TRIBUTARY_OWNER_EMAIL: 'ada@example.com', TRIBUTARY_OWNER_PASSWORD: 'short' })[0],
  ).toContain('at least 10 characters');
  const both = loadConfig({
    TRIBUTARY_OWNER_EMAIL: 'ada@example.com',
    TRIBUTARY_OWNER_PASSWORD: 'long enough pw',
  });
  expect(both.TRIBUTARY_OWNER_EMAIL).toBe('ada@example.com');
});

test('bad values are refused: a non-SMTP URL, a zero session length, a proxy flag that is not a boolean, a per-IP limit that is no whole number from 1', () => {
  expect(problemsOf({ TRIBUTARY_SMTP_URL: 'http://mail.example.com' })[0]).toContain('smtp://');
  expect(problemsOf({ TRIBUTARY_SESSION_TTL_HOURS: '0' })[0]).toContain('TRIBUTARY_SESSION_TTL_HOURS');
  expect(problemsOf({ TRIBUTARY_TRUST_PROXY: 'maybe' })[0]).toContain('TRIBUTARY_TRUST_PROXY');
  for (const bad of ['0', '-1', '2.5', 'many', '1000001']) {
    expect(problemsOf({ TRIBUTARY_LOGIN_FAILURES_PER_IP: bad })[0], bad).toContain(
      'TRIBUTARY_LOGIN_FAILURES_PER_IP',
    );
  }
  expect(loadConfig({ TRIBUTARY_LOGIN_FAILURES_PER_IP: '1' }).TRIBUTARY_LOGIN_FAILURES_PER_IP).toBe(1);
  expect(
    loadConfig({ TRIBUTARY_TRUST_PROXY: 'true', TRIBUTARY_SMTP_URL: 'smtps://u:p@mail.example.com:465' }),
  ).toMatchObject({
    TRIBUTARY_TRUST_PROXY: true,
    TRIBUTARY_SMTP_URL: 'smtps://u:p@mail.example.com:465',
  });
});
