import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { webhookTrigger } from './webhook.js';

const parse = (config: unknown) => webhookTrigger.config.safeParse(config);

describe('webhook trigger', () => {
  it('fills in POST, no auth, an async answer and a 10 s response timeout', () => {
    expect(webhookTrigger.config.parse({ path: 'orders' })).toEqual({
      path: 'orders',
      method: 'POST',
      auth: { type: 'none' },
      responseMode: 'async',
      responseTimeoutMs: 10_000,
    });
  });

  it('fills in the header name for header auth', () => {
    const config = webhookTrigger.config.parse({ path: 'x', auth: { type: 'header', value: 't0ken' } });
    expect(config.auth).toEqual({ type: 'header', name: 'x-webhook-token', value: 't0ken' });
  });

  it('fills in header, SHA-256, hex and no prefix for HMAC auth', () => {
    const config = webhookTrigger.config.parse({ path: 'x', auth: { type: 'hmac', secret: 's' } });
    expect(config.auth).toEqual({
      type: 'hmac',
      header: 'x-signature',
      secret: 's',
      algorithm: 'sha256',
      encoding: 'hex',
      prefix: '',
    });
  });

  it.each(['orders', 'orders/created', 'a.b/c_d~e-f', 'v1/.well-known', 'x'.repeat(200)])(
    'accepts the path %j',
    (path) => {
      expect(parse({ path }).success).toBe(true);
    },
  );

  it.each([
    '',
    '/orders',
    'orders/',
    'a//b',
    '..',
    '../x',
    'a/../b',
    'a..b',
    '.',
    'a/./b',
    'a/.',
    'a b',
    'a?b',
    'a%2fb',
    'x'.repeat(201),
  ])('refuses the path %j', (path) => {
    expect(parse({ path }).success).toBe(false);
  });

  it('refuses a response timeout above 60 s', () => {
    expect(parse({ path: 'x', responseTimeoutMs: 60_000 }).success).toBe(true);
    expect(parse({ path: 'x', responseTimeoutMs: 60_001 }).success).toBe(false);
  });

  it('refuses fields of another auth type and a user name with ":"', () => {
    expect(parse({ path: 'x', auth: { type: 'none', value: 'x' } }).success).toBe(false);
    expect(parse({ path: 'x', auth: { type: 'basic', username: 'a:b', password: 'p' } }).success).toBe(false);
    expect(parse({ path: 'x', auth: { type: 'header', name: 'bad name', value: 'v' } }).success).toBe(false);
  });

  it('names every secret of every auth type as a secret field', () => {
    expect(webhookTrigger.secretFields).toEqual(['auth.value', 'auth.password', 'auth.secret']);
    const secretsOf = (auth: unknown) => {
      const config = webhookTrigger.config.parse({ path: 'x', auth });
      return webhookTrigger.secretFields.filter((f) => (f.split('.')[1] ?? '') in config.auth);
    };
    expect(secretsOf({ type: 'header', value: 'v' })).toEqual(['auth.value']);
    expect(secretsOf({ type: 'basic', username: 'u', password: 'p' })).toEqual(['auth.password']);
    expect(secretsOf({ type: 'hmac', secret: 's' })).toEqual(['auth.secret']);
  });

  it('is a trigger: no inputs, no run, no error port', () => {
    expect(webhookTrigger.category).toBe('trigger');
    expect(webhookTrigger.inputs).toEqual([]);
    expect(webhookTrigger.run).toBeUndefined();
    expect(webhookTrigger.canFail).toBe(false);
  });

  it('keeps its JSON Schema for the editor', () => {
    expect(z.toJSONSchema(webhookTrigger.config, { io: 'input' })).toMatchSnapshot();
  });
});

describe('webhook trigger sample', () => {
  it('is a JSON request to its path with its method, shaped as the webhook emits it', () => {
    expect(webhookTrigger.sample?.({ path: 'orders/created', method: 'PUT' })).toEqual({
      body: { email: 'ada@example.com', plan: 'pro' },
      headers: { 'content-type': 'application/json' },
      query: {},
      method: 'PUT',
      path: 'orders/created',
    });
  });

  it('is a POST when the trigger accepts any method or names none, with an empty path until one is set', () => {
    expect(webhookTrigger.sample?.({ method: 'ANY' })).toMatchObject({ method: 'POST', path: '' });
    expect(webhookTrigger.sample?.({})).toMatchObject({ method: 'POST', path: '' });
  });

  it('never throws on a partial or invalid config', () => {
    for (const config of [{ path: 42, method: null }, { auth: 'x' }, { path: ['a'], method: {} }]) {
      expect(webhookTrigger.sample?.(config)).toMatchObject({ method: 'POST', path: '' });
    }
  });
});
