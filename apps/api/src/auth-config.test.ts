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

test('defaults: 12 h sessions, 72 h invitations, no proxy trusted, no SMTP', () => {
  const config = loadConfig({});
  expect(config.TRIBUTARY_SESSION_TTL_HOURS).toBe(12);
  expect(config.TRIBUTARY_INVITATION_TTL_HOURS).toBe(72);
  expect(config.TRIBUTARY_TRUST_PROXY).toBe(false);
  expect(config.TRIBUTARY_SMTP_URL).toBeUndefined();
  expect(config.TRIBUTARY_OWNER_EMAIL).toBeUndefined();
});

test('the owner e-mail without its password (or the other way) stops the start', () => {
  expect(problemsOf({ TRIBUTARY_OWNER_EMAIL: 'ada@example.com' })).toEqual([
    'TRIBUTARY_OWNER_PASSWORD: set TRIBUTARY_OWNER_EMAIL and TRIBUTARY_OWNER_PASSWORD together',
  ]);
  expect(problemsOf({ TRIBUTARY_OWNER_PASSWORD: 'long enough pw' })[0]).toContain('TRIBUTARY_OWNER_EMAIL');
  expect(
    problemsOf({ TRIBUTARY_OWNER_EMAIL: 'ada@example.com', TRIBUTARY_OWNER_PASSWORD: 'short' })[0],
  ).toContain('at least 10 characters');
  const both = loadConfig({
    TRIBUTARY_OWNER_EMAIL: 'ada@example.com',
    TRIBUTARY_OWNER_PASSWORD: 'long enough pw',
  });
  expect(both.TRIBUTARY_OWNER_EMAIL).toBe('ada@example.com');
});

test('bad values are refused: a non-SMTP URL, a zero session length, a proxy flag that is not a boolean', () => {
  expect(problemsOf({ TRIBUTARY_SMTP_URL: 'http://mail.example.com' })[0]).toContain('smtp://');
  expect(problemsOf({ TRIBUTARY_SESSION_TTL_HOURS: '0' })[0]).toContain('TRIBUTARY_SESSION_TTL_HOURS');
  expect(problemsOf({ TRIBUTARY_TRUST_PROXY: 'maybe' })[0]).toContain('TRIBUTARY_TRUST_PROXY');
  expect(
    loadConfig({ TRIBUTARY_TRUST_PROXY: 'true', TRIBUTARY_SMTP_URL: 'smtps://u:p@mail.example.com:465' }),
  ).toMatchObject({
    TRIBUTARY_TRUST_PROXY: true,
    TRIBUTARY_SMTP_URL: 'smtps://u:p@mail.example.com:465',
  });
});
